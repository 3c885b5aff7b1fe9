import type { Db, Tx } from './db.js';
import type { ApprovalDecisionsTable, ApprovalStageApproversTable, ApprovalStagesTable } from './schema.js';

// Approvals of requests: stages (in order, one open at a time), who may decide each, and the decisions.

export type ApprovalStageRow = ApprovalStagesTable;
export type StageApproverRow = ApprovalStageApproversTable;
export type DecisionRow = ApprovalDecisionsTable;

/** Inserts the stages of a request. */
export async function insertStages(tx: Tx, rows: readonly ApprovalStageRow[]): Promise<void> {
  for (const row of rows) await tx.insertInto('approvalStages').values(row).execute();
}

/** One stage that must exist. */
export async function getStage(db: Db | Tx, id: string): Promise<ApprovalStageRow> {
  return db.selectFrom('approvalStages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** A stage of a request, if it is one of that request's. */
export async function findStageOfRequest(db: Db | Tx, requestId: string, stageId: string): Promise<ApprovalStageRow | undefined> {
  return db.selectFrom('approvalStages').selectAll().where('id', '=', stageId).where('requestId', '=', requestId).executeTakeFirst();
}

/** The id of a request's stage by position (0 = first). */
export async function getStageIdAt(db: Db | Tx, requestId: string, index: number): Promise<string> {
  return (await db.selectFrom('approvalStages').select('id').where('requestId', '=', requestId).where('stageIndex', '=', index).executeTakeFirstOrThrow()).id;
}

/** Writes changed columns of one stage. */
export async function updateStage(tx: Tx, id: string, patch: Partial<Omit<ApprovalStageRow, 'id'>>): Promise<void> {
  await tx.updateTable('approvalStages').set(patch).where('id', '=', id).execute();
}

/** Closes a request's stages that are open or waiting (the request was canceled). */
export async function completeOpenStages(tx: Tx, requestId: string): Promise<void> {
  await tx.updateTable('approvalStages').set({ status: 'Completed' }).where('requestId', '=', requestId).where('status', 'in', ['InProgress', 'Initializing']).execute();
}

/** Open stages whose deadline has passed. */
export async function listStagesPastDue(db: Db | Tx, now: string, limit: number): Promise<Pick<ApprovalStageRow, 'id' | 'requestId'>[]> {
  return db.selectFrom('approvalStages').select(['id', 'requestId']).where('status', '=', 'InProgress').where('dueAt', '<=', now).limit(limit).execute();
}

/** Open stages not yet escalated whose escalation time has come. */
export async function listStagesToEscalate(db: Db | Tx, now: string, limit: number): Promise<Pick<ApprovalStageRow, 'id' | 'requestId'>[]> {
  return db.selectFrom('approvalStages').select(['id', 'requestId']).where('status', '=', 'InProgress').where('escalated', '=', 0)
    .where('escalateAt', 'is not', null).where('escalateAt', '<=', now).limit(limit).execute();
}

/** Inserts who may decide a stage. */
export async function insertStageApprovers(tx: Tx, rows: readonly StageApproverRow[]): Promise<void> {
  if (rows.length > 0) await tx.insertInto('approvalStageApprovers').values([...rows]).execute();
}

/** The user ids that may decide a stage (primary and escalation). */
export async function listStageApproverIds(db: Db | Tx, stageId: string): Promise<string[]> {
  return (await db.selectFrom('approvalStageApprovers').select('approverId').where('stageId', '=', stageId).execute()).map((a) => a.approverId);
}

/** The decisions already taken on a stage. */
export async function listDecisions(db: Db | Tx, stageId: string): Promise<DecisionRow[]> {
  return db.selectFrom('approvalDecisions').selectAll().where('stageId', '=', stageId).execute();
}

/** Records one approver's decision. */
export async function insertDecision(tx: Tx, row: DecisionRow): Promise<void> {
  await tx.insertInto('approvalDecisions').values(row).execute();
}

/** Deletes a request's decisions, approvers and stages (before the request itself). */
export async function deleteApprovalsOfRequest(tx: Tx, requestId: string): Promise<void> {
  await tx.deleteFrom('approvalDecisions').where('requestId', '=', requestId).execute();
  await tx.deleteFrom('approvalStageApprovers').where('requestId', '=', requestId).execute();
  await tx.deleteFrom('approvalStages').where('requestId', '=', requestId).execute();
}
