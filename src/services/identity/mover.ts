import { isoNow } from '../../domain/clock.js';
import { isInScope } from '../../domain/policy/scope.js';
import type { Policy, SubjectFacts } from '../../domain/policy/types.js';
import { removesOnScopeLoss, scopePlan } from '../../domain/scope-loss.js';
import { updateAssignment, type AssignmentRow } from '../../store/assignments.js';
import type { Tx } from '../../store/db.js';
import { anyRemovalDue, lockRemovalsDue } from '../../store/identity-lifecycle.js';
import { policiesById } from '../../store/policies.js';
import { findUserById } from '../../store/users.js';
import type { LifecycleDeps } from '../lifecycle/common.js';
import { removeAssignments } from '../lifecycle/submit-remove.js';
import { loadSubjectFacts } from '../subject-facts.js';

// Mover: a holder who leaves the scope of the policy they hold an assignment under (left the group, stopped
// matching the rule, left the connected organization) loses it when the policy's grace period ends
// (domain/scope-loss.ts), told by email at its start; back in scope before then, the removal is called off.
// The due time is a column of the assignment that the worker's removeOutOfScope scan picks up.

type Deps = Pick<LifecycleDeps, 'db' | 'clock' | 'events'>;

/** Compares each of a person's assignments (locked by the caller) with its policy's scope, and schedules or calls off removals. */
export async function judgeAssignments(tx: Tx, deps: Pick<Deps, 'clock' | 'events'>, assignments: readonly AssignmentRow[], policies: ReadonlyMap<string, Policy>, facts: SubjectFacts): Promise<void> {
  for (const a of assignments) {
    const policy = a.policyId ? policies.get(a.policyId) : undefined;
    const plan = scopePlan(policy, !!policy && isInScope(policy, facts), a.removalDueAt !== null, deps.clock.now());
    if (plan.action === 'cancel') {
      await updateAssignment(tx, a.id, { removalDueAt: null, removalReason: null });
      await deps.events.publish(tx, null, { type: 'assignmentRemovalCanceled', assignmentId: a.id, oldDueAt: a.removalDueAt! });
    } else if (plan.action === 'schedule') {
      await updateAssignment(tx, a.id, { removalDueAt: plan.dueAt, removalReason: plan.reason });
      await deps.events.publish(tx, null, { type: 'assignmentRemovalScheduled', assignment: { ...a, removalDueAt: plan.dueAt, removalReason: plan.reason }, dueAt: plan.dueAt, reason: plan.reason });
    }
  }
}

const REMOVAL_BATCH = 200;

/**
 * Worker: removes the assignments whose grace period has ended, each through a systemRemove request whose
 * justification says why. Each is judged again first: a holder back in scope whose event was missed keeps it.
 */
export async function removeOutOfScope(deps: Deps, limit = REMOVAL_BATCH): Promise<number> {
  // a plain read first: on SQLite a transaction takes the write lock, which an idle worker should not take every round
  if (!(await anyRemovalDue(deps.db, isoNow(deps.clock)))) return 0;
  return deps.events.transaction(async (tx) => {
    const due = await lockRemovalsDue(tx, isoNow(deps.clock), limit);
    const policies = await policiesById(tx, due.map((a) => a.policyId));
    for (const a of due) {
      const policy = a.policyId ? policies.get(a.policyId) : undefined;
      const user = await findUserById(tx, a.targetId);
      const back = !!policy && !!user && !!user.accountEnabled && isInScope(policy, await loadSubjectFacts(tx, { userId: a.targetId }));
      // back in scope, or the policy changed meanwhile to keep such access: called off
      if (back || !policy || !removesOnScopeLoss(policy)) {
        await updateAssignment(tx, a.id, { removalDueAt: null, removalReason: null });
        await deps.events.publish(tx, null, { type: 'assignmentRemovalCanceled', assignmentId: a.id, oldDueAt: a.removalDueAt! });
        continue;
      }
      await removeAssignments(tx, deps, null, [a], 'systemRemove', `Removed: ${a.removalReason ?? 'the person left the scope of the policy'}.`, null);
    }
    return due.length;
  });
}
