import { chunks, IDS_PER_STATEMENT, ROWS_PER_INSERT } from './chunks.js';
import type { Db, Tx } from './db.js';
import type { AssignmentRequestsTable } from './schema.js';

// Assignment requests: the only door to access. Rows and the few lookups the lifecycle makes; the state
// machine (domain/request-lifecycle.ts) decides what a row may become.

export type RequestRow = AssignmentRequestsTable;

/** One request, or undefined. */
export async function findRequest(db: Db | Tx, id: string): Promise<RequestRow | undefined> {
  return db.selectFrom('assignmentRequests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One request that must exist (the caller holds its lock, or has just written it). */
export async function getRequest(db: Db | Tx, id: string): Promise<RequestRow> {
  return db.selectFrom('assignmentRequests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** The request stored under an idempotency key, if any. */
export async function findRequestByIdempotencyKey(db: Db | Tx, key: string): Promise<RequestRow | undefined> {
  return db.selectFrom('assignmentRequests').selectAll().where('idempotencyKey', '=', key).executeTakeFirst();
}

/** An open add request for the package and person (by id, or by email for someone not in the directory yet). */
/** The statement of findOpenAddRequest (test/unit/store-plans.test.ts checks its plan). */
export const openAddRequestQuery = (db: Db | Tx, accessPackageId: string, targetId: string | null, targetEmail: string | null, openStates: readonly string[]) =>
  db.selectFrom('assignmentRequests').select(['id', 'state'])
    .where('accessPackageId', '=', accessPackageId).where('state', 'in', [...openStates])
    .where('requestType', 'in', ['userAdd', 'adminAdd', 'systemAdd'])
    .where((eb) => (targetId ? eb('targetId', '=', targetId) : eb('targetEmail', '=', targetEmail)));

export async function findOpenAddRequest(db: Db | Tx, accessPackageId: string, targetId: string | null, targetEmail: string | null, openStates: readonly string[]): Promise<Pick<RequestRow, 'id' | 'state'> | undefined> {
  return openAddRequestQuery(db, accessPackageId, targetId, targetEmail, openStates).executeTakeFirst();
}

/** An open extension (userUpdate, adminUpdate) of the assignment, if any. */
export async function findOpenUpdateRequest(db: Db | Tx, assignmentId: string, openStates: readonly string[]): Promise<Pick<RequestRow, 'id'> | undefined> {
  return db.selectFrom('assignmentRequests').select('id').where('assignmentId', '=', assignmentId)
    .where('requestType', 'in', ['userUpdate', 'adminUpdate']).where('state', 'in', [...openStates]).executeTakeFirst();
}

/** The type of the request that created something (an assignment's origin), if it still exists. */
export async function findRequestType(db: Db | Tx, id: string): Promise<string | undefined> {
  return (await db.selectFrom('assignmentRequests').select('requestType').where('id', '=', id).executeTakeFirst())?.requestType;
}

/** Request types by request id, for many requests in one query. */
export async function requestTypesById(db: Db | Tx, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('assignmentRequests').select(['id', 'requestType']).where('id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [r.id, r.requestType]));
}

/** The requests delivering an assignment (or left partially delivered or failed by an earlier attempt). */
export async function listRequestsDelivering(db: Db | Tx, assignmentId: string): Promise<RequestRow[]> {
  return db.selectFrom('assignmentRequests').selectAll()
    .where('assignmentId', '=', assignmentId).where('state', 'in', ['delivering', 'partiallyDelivered', 'deliveryFailed']).execute();
}

/** The removal requests still delivering (revoking) these assignments. */
export async function listRemovalsDelivering(db: Db | Tx, assignmentIds: readonly string[]): Promise<Pick<RequestRow, 'id' | 'assignmentId'>[]> {
  if (assignmentIds.length === 0) return [];
  return db.selectFrom('assignmentRequests').select(['id', 'assignmentId']).where('assignmentId', 'in', [...assignmentIds])
    .where('requestType', 'in', ['userRemove', 'adminRemove', 'systemRemove']).where('state', '=', 'delivering').execute();
}

/** Ids of scheduled requests whose start has come. */
export async function listScheduledDue(db: Db | Tx, now: string, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('assignmentRequests').select('id').where('state', '=', 'scheduled').where('startAt', '<=', now).limit(limit).execute();
  return rows.map((r) => r.id);
}

/** Inserts new requests in as few statements as the parameter limits allow. */
export async function insertRequestRows(tx: Tx, rows: readonly RequestRow[]): Promise<void> {
  for (const chunk of chunks(rows, ROWS_PER_INSERT)) await tx.insertInto('assignmentRequests').values(chunk).execute();
}

/** Writes changed columns of one request. */
export async function updateRequest(tx: Tx, id: string, patch: Partial<Omit<RequestRow, 'id'>>): Promise<void> {
  await tx.updateTable('assignmentRequests').set(patch).where('id', '=', id).execute();
}

/** Writes the same changed columns to many requests. */
export async function updateRequests(tx: Tx, ids: readonly string[], patch: Partial<Omit<RequestRow, 'id'>>): Promise<void> {
  for (const chunk of chunks(ids, IDS_PER_STATEMENT)) await tx.updateTable('assignmentRequests').set(patch).where('id', 'in', chunk).execute();
}

/** Deletes one request row (its approval rows first: see deleteApprovalsOfRequest). */
export async function deleteRequestRow(tx: Tx, id: string): Promise<void> {
  await tx.deleteFrom('assignmentRequests').where('id', '=', id).execute();
}
