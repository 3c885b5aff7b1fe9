// What becomes of an assignment whose holder is (or is no longer) inside the "who can request" of the
// policy it was given under: joiner, mover and leaver's pure rule. An auto-assignment policy follows its
// automaticRequestSettings (the reference); any other policy Latchkey's scopeLossSettings. A policy for
// administrators' direct assignments only (notSpecified) names nobody, so nobody can leave it.

import { addDuration, parseDuration } from './duration.js';
import { isAutoAssignmentPolicy, type Policy } from './policy/types.js';

export type ScopePlan =
  /** nothing to do */
  | { action: 'none' }
  /** back in scope: a pending removal is called off */
  | { action: 'cancel' }
  /** out of scope: removed at `dueAt` (unless a removal is already pending, whose time stands) */
  | { action: 'schedule'; dueAt: string; reason: string };

export function scopePlan(policy: Policy | undefined, inScope: boolean, removalPending: boolean, now: Date): ScopePlan {
  if (!policy || policy.allowedTargetScope === 'notSpecified') return { action: 'none' };
  if (inScope) return removalPending ? { action: 'cancel' } : { action: 'none' };
  if (removalPending || !removesOnScopeLoss(policy)) return { action: 'none' };
  if (isAutoAssignmentPolicy(policy)) {
    return {
      action: 'schedule', dueAt: dueAfter(now, policy.automaticRequestSettings!.gracePeriodBeforeAccessRemoval),
      reason: `the person no longer matches the rule of the auto-assignment policy '${policy.displayName}'`,
    };
  }
  return { action: 'schedule', dueAt: dueAfter(now, policy.scopeLossSettings.gracePeriodBeforeAccessRemoval), reason: `the person is no longer in the scope of the policy '${policy.displayName}'` };
}

/** Whether the policy takes access away from a holder who leaves its scope (an auto-assignment rule, or the requestor scope). */
export function removesOnScopeLoss(policy: Policy): boolean {
  if (policy.allowedTargetScope === 'notSpecified') return false;
  return isAutoAssignmentPolicy(policy) ? policy.automaticRequestSettings!.removeAccessWhenTargetLeavesAllowedTargets : policy.scopeLossSettings.removeAccess;
}

/** now plus the grace period; none (or zero) means now, that is, at the worker's next cycle. */
export function dueAfter(now: Date, grace: string | null): string {
  return (grace ? addDuration(now, parseDuration(grace)) : now).toISOString();
}
