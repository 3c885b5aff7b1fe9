import { ACTIVE_ASSIGNMENT_STATES, OPEN_REQUEST_STATES } from '../domain/request-lifecycle.js';
import type { Policy } from '../domain/policy/types.js';
import type { AssignmentRow } from './assignments.js';
import type { Db, Tx } from './db.js';
import { lockRows, skipLocked } from './locks.js';
import { policyFromRow } from './policy-rows.js';
import type { RequestRow } from './requests.js';

// What joiner, mover and leaver (services/identity/) read and write: a person's assignments and open
// requests, the approvals waiting on them, the auto-assignment policies, and the due times of removals
// for holders who left a policy's scope (assignments.removal_due_at, migration 0014).

const ACTIVE = [...ACTIVE_ASSIGNMENT_STATES];
/** requests that can still be canceled (delivering ones are past that) */
const CANCELABLE = OPEN_REQUEST_STATES.filter((s) => s !== 'delivering');

/** A person's active assignments, locked for the transaction. */
export async function lockActiveAssignmentsOfUser(tx: Tx, userId: string): Promise<AssignmentRow[]> {
  const ids = (await tx.selectFrom('assignments').select('id').where('targetId', '=', userId).where('state', 'in', ACTIVE).execute()).map((r) => r.id);
  if (ids.length === 0) return [];
  await lockRows(tx, 'assignments', ids);
  return tx.selectFrom('assignments').selectAll().where('id', 'in', ids).where('state', 'in', ACTIVE).execute();
}

/** Requests for a person that are not delivering yet (submitted, waiting for approval, scheduled), add or extension. */
export async function listCancelableRequestsFor(db: Db | Tx, userId: string): Promise<RequestRow[]> {
  return db.selectFrom('assignmentRequests').selectAll().where('targetId', '=', userId).where('state', 'in', CANCELABLE).execute();
}

/** Open approval stages a person may decide, with whether they were there as primary or escalation approver. */
export async function listOpenStagesOfApprover(db: Db | Tx, userId: string): Promise<{ stageId: string; requestId: string; stageIndex: number; kind: string }[]> {
  return db.selectFrom('approvalStageApprovers').innerJoin('approvalStages', 'approvalStages.id', 'approvalStageApprovers.stageId')
    .select(['approvalStages.id as stageId', 'approvalStages.requestId', 'approvalStages.stageIndex', 'approvalStageApprovers.kind'])
    .where('approvalStageApprovers.approverId', '=', userId).where('approvalStages.status', '=', 'InProgress').execute();
}

/** Takes a person off a stage's approvers. */
export async function removeStageApprover(tx: Tx, stageId: string, approverId: string): Promise<void> {
  await tx.deleteFrom('approvalStageApprovers').where('stageId', '=', stageId).where('approverId', '=', approverId).execute();
}

/** Every enabled auto-assignment policy (few: one per package at most); one disabled (acceptRequests false) gives nothing. */
export async function listAutoAssignmentPolicies(db: Db | Tx): Promise<Policy[]> {
  const rows = await db.selectFrom('assignmentPolicies').selectAll().where('automaticRequestSettings', 'is not', null).execute();
  return rows.map(policyFromRow).filter((p) => p.automaticRequestSettings?.requestAccessForAllowedTargets && p.requestorSettings.acceptRequests);
}

/** Auto-assignment policies of one package (to refuse a second one). */
export async function listAutoAssignmentPolicyIdsOfPackage(db: Db | Tx, accessPackageId: string): Promise<string[]> {
  const rows = await db.selectFrom('assignmentPolicies').selectAll().where('accessPackageId', '=', accessPackageId).where('automaticRequestSettings', 'is not', null).execute();
  return rows.map(policyFromRow).filter((p) => p.automaticRequestSettings?.requestAccessForAllowedTargets).map((p) => p.id);
}

/** The people holding active assignments under a policy. */
export async function listHolderIdsOfPolicy(db: Db | Tx, policyId: string): Promise<string[]> {
  return (await db.selectFrom('assignments').select('targetId').distinct().where('policyId', '=', policyId).where('state', 'in', ACTIVE).execute()).map((r) => r.targetId);
}

/** One page of enabled users' ids after `after`, in id order (the full evaluation walks them). */
export async function pageEnabledUserIds(db: Db | Tx, after: string, limit: number): Promise<string[]> {
  return (await db.selectFrom('users').select('id').where('accountEnabled', '=', 1).where('id', '>', after).orderBy('id').limit(limit).execute()).map((r) => r.id);
}

/** Whether any active assignment's removal is due (a plain read, without taking a lock). */
export async function anyRemovalDue(db: Db | Tx, now: string): Promise<boolean> {
  return !!(await db.selectFrom('assignments').select('id').where('removalDueAt', 'is not', null).where('removalDueAt', '<=', now).where('state', 'in', ACTIVE).limit(1).executeTakeFirst());
}

/** Active assignments whose removal is due, locked for the transaction; rows other workers hold are skipped. */
export async function lockRemovalsDue(tx: Tx, now: string, limit: number): Promise<AssignmentRow[]> {
  return skipLocked(tx, tx.selectFrom('assignments').selectAll().where('removalDueAt', 'is not', null).where('removalDueAt', '<=', now).where('state', 'in', ACTIVE).limit(limit)).execute();
}

/** The identity source that owns a user, by name (null: made through Latchkey's own API). */
export async function findSourceNameOfUser(db: Db | Tx, userId: string): Promise<string | null> {
  const r = await db.selectFrom('users').innerJoin('identitySources', 'identitySources.id', 'users.sourceId').select('identitySources.displayName')
    .where('users.id', '=', userId).executeTakeFirst();
  return r?.displayName ?? null;
}

/** When the named periodic evaluation is next due, if it was ever planned. */
export async function findEvaluationDue(db: Db | Tx, id: string): Promise<string | undefined> {
  return (await db.selectFrom('identityEvaluations').select('nextRunAt').where('id', '=', id).executeTakeFirst())?.nextRunAt;
}

/** Plans the evaluation for the first time (another process doing the same at once changes nothing). */
export async function planEvaluation(db: Db | Tx, id: string, nextRunAt: string): Promise<void> {
  await db.insertInto('identityEvaluations').values({ id, nextRunAt, lastRunAt: null }).onConflict((oc) => oc.column('id').doNothing()).execute();
}

/** Moves a due evaluation to its next time, if it is still due at `dueAt`: true for the one process that did. */
export async function claimEvaluation(tx: Tx, id: string, dueAt: string, nextRunAt: string, now: string): Promise<boolean> {
  const r = await tx.updateTable('identityEvaluations').set({ nextRunAt, lastRunAt: now }).where('id', '=', id).where('nextRunAt', '=', dueAt).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
