import { isInScope } from '../../domain/policy/scope.js';
import { isAutoAssignmentPolicy, type Policy } from '../../domain/policy/types.js';
import {
  claimEvaluation, findEvaluationDue, listAutoAssignmentPolicies, listHolderIdsOfPolicy, lockActiveAssignmentsOfUser, pageEnabledUserIds, planEvaluation,
} from '../../store/identity-lifecycle.js';
import { transitiveMemberIds } from '../../store/membership.js';
import { findPolicyRow, policiesById } from '../../store/policies.js';
import { policyFromRow } from '../../store/policy-rows.js';
import { findUserById } from '../../store/users.js';
import type { LifecycleDeps } from '../lifecycle/common.js';
import { loadSubjectFacts } from '../subject-facts.js';
import { autoAssign } from './auto-assign.js';
import { JOB_EVALUATE_ALL } from './jobs.js';
import { judgeAssignments } from './mover.js';

// One person against the policies: their assignments against the scopes they were given under (mover.ts),
// and the auto-assignment rules that match them and that they hold nothing of yet (auto-assign.ts). Run for
// one person when their attributes or groups change (event-driven), for a policy's people when it is saved,
// and for everyone nightly, which catches anything an event missed.

type Deps = Pick<LifecycleDeps, 'db' | 'clock' | 'events'>;

/**
 * Evaluates one person, in one transaction. A disabled or deleted person is the leaver's (leaver.ts): nothing
 * is given to them or scheduled here. `autoPolicies` limits the auto-assignment rules considered (a policy just saved).
 */
export async function evaluateUser(deps: Deps, userId: string, autoPolicies?: readonly Policy[]): Promise<void> {
  const rules = autoPolicies ?? (await listAutoAssignmentPolicies(deps.db));
  await deps.events.transaction(async (tx) => {
    const user = await findUserById(tx, userId);
    if (!user || !user.accountEnabled) return;
    const facts = await loadSubjectFacts(tx, { userId });
    const assignments = await lockActiveAssignmentsOfUser(tx, userId);
    await judgeAssignments(tx, deps, assignments, await policiesById(tx, assignments.map((a) => a.policyId)), facts);
    for (const p of rules) {
      if (assignments.some((a) => a.accessPackageId === p.accessPackageId)) continue;
      if (isInScope(p, facts)) await autoAssign(tx, deps, p, userId);
    }
  });
}

/** The users in a group, at any depth (a group joined or left another group). */
export async function evaluateMembers(deps: Deps, groupId: string): Promise<void> {
  const rules = await listAutoAssignmentPolicies(deps.db);
  for (const m of await transitiveMemberIds(deps.db, groupId)) if (m.type === 'user') await evaluateUser(deps, m.id, rules);
}

const PAGE = 500;

/**
 * A policy saved: an enabled auto-assignment policy evaluates everyone (enabled) once, any other policy (or a
 * disabled one, acceptRequests false, which gives nothing) its holders.
 * Without a policy (the nightly run): everyone against every rule, and every holder against their policies.
 */
export async function evaluateAll(deps: Deps, policyId?: string): Promise<void> {
  let rules: Policy[];
  if (policyId) {
    const row = await findPolicyRow(deps.db, policyId);
    if (!row) return;
    const policy = policyFromRow(row);
    if (!isAutoAssignmentPolicy(policy) || !policy.requestorSettings.acceptRequests) {
      for (const id of await listHolderIdsOfPolicy(deps.db, policyId)) await evaluateUser(deps, id, []);
      return;
    }
    rules = [policy];
  } else {
    rules = await listAutoAssignmentPolicies(deps.db);
  }
  for (let after = ''; ;) {
    const ids = await pageEnabledUserIds(deps.db, after, PAGE);
    for (const id of ids) await evaluateUser(deps, id, rules);
    if (ids.length < PAGE) break;
    after = ids[ids.length - 1];
  }
}

/** The nightly full evaluation runs at this hour (UTC). */
export const NIGHTLY_HOUR_UTC = 2;

/** The first 02:00 UTC after `now`. */
export function nextNight(now: Date): string {
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), NIGHTLY_HOUR_UTC));
  if (next.getTime() <= now.getTime()) next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString();
}

/**
 * Worker: the nightly full evaluation. Its due time is a row (identity_evaluations); when it has come, the worker
 * that moves it to the next night (compare-and-set: one of several wins) enqueues the evaluation job in the same
 * transaction. A plain read first, so an idle worker writes nothing.
 */
export async function runNightlyEvaluation(deps: Deps): Promise<number> {
  const now = deps.clock.now();
  const due = await findEvaluationDue(deps.db, 'nightly');
  if (due === undefined) {
    await planEvaluation(deps.db, 'nightly', nextNight(now));
    return 0;
  }
  if (due > now.toISOString()) return 0;
  return deps.events.transaction(async (tx) => {
    if (!(await claimEvaluation(tx, 'nightly', due, nextNight(now), now.toISOString()))) return 0;
    await deps.events.enqueue(tx, JOB_EVALUATE_ALL, {});
    return 1;
  });
}
