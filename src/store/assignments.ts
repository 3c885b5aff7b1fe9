import { ACTIVE_ASSIGNMENT_STATES, assignmentStatus, type AssignmentState } from '../domain/request-lifecycle.js';
import type { Db, Tx } from './db.js';
import { skipLocked } from './locks.js';
import type { AssignmentsTable } from './schema.js';

// Assignments: a package given to a person under a policy, with its schedule and state (the state follows
// its grants, see grants.ts).

export type AssignmentRow = AssignmentsTable;
export type ReminderColumn = 'reminded14At' | 'reminded1At';

const ACTIVE = [...ACTIVE_ASSIGNMENT_STATES];

/** One assignment, or undefined. */
export async function findAssignment(db: Db | Tx, id: string): Promise<AssignmentRow | undefined> {
  return db.selectFrom('assignments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One assignment that must exist (the caller holds its lock). */
export async function getAssignment(db: Db | Tx, id: string): Promise<AssignmentRow> {
  return db.selectFrom('assignments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** One assignment that must exist, with the catalog of its package (for permission checks). */
export async function getAssignmentWithCatalog(db: Db | Tx, id: string): Promise<AssignmentRow & { catalogId: string }> {
  return db.selectFrom('assignments').innerJoin('accessPackages', 'accessPackages.id', 'assignments.accessPackageId')
    .selectAll('assignments').select('accessPackages.catalogId').where('assignments.id', '=', id).executeTakeFirstOrThrow();
}

/** Many assignments by id. */
export async function listAssignments(db: Db | Tx, ids: readonly string[]): Promise<AssignmentRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('assignments').selectAll().where('id', 'in', [...ids]).execute();
}

/** The person's active assignment of the package, if any. */
/** The duplicate check's query (answered by assignments_target_package_idx, migration 0015; a test reads its plan). */
export const activeAssignmentQuery = (db: Db | Tx, accessPackageId: string, targetId: string) =>
  db.selectFrom('assignments').select('id').where('accessPackageId', '=', accessPackageId).where('targetId', '=', targetId).where('state', 'in', ACTIVE);

export async function findActiveAssignment(db: Db | Tx, accessPackageId: string, targetId: string): Promise<Pick<AssignmentRow, 'id'> | undefined> {
  return activeAssignmentQuery(db, accessPackageId, targetId).executeTakeFirst();
}

/** Whether the person holds any active assignment. */
export async function hasActiveAssignment(db: Db | Tx, targetId: string): Promise<boolean> {
  return !!(await db.selectFrom('assignments').select('id').where('targetId', '=', targetId).where('state', 'in', ACTIVE).limit(1).executeTakeFirst());
}

/** The name of a package incompatible with `accessPackageId` that the person actively holds, if any (separation of duties). */
export async function findActiveIncompatiblePackage(db: Db | Tx, accessPackageId: string, targetId: string): Promise<string | undefined> {
  const row = await db.selectFrom('incompatibleAccessPackages')
    .innerJoin('assignments', 'assignments.accessPackageId', 'incompatibleAccessPackages.incompatibleAccessPackageId')
    .innerJoin('accessPackages', 'accessPackages.id', 'incompatibleAccessPackages.incompatibleAccessPackageId')
    .select('accessPackages.displayName')
    .where('incompatibleAccessPackages.accessPackageId', '=', accessPackageId)
    .where('assignments.targetId', '=', targetId)
    .where('assignments.state', 'in', ACTIVE)
    .executeTakeFirst();
  return row?.displayName;
}

/** The active assignments of a package. */
export async function listActiveAssignmentsOfPackage(db: Db | Tx, accessPackageId: string): Promise<Pick<AssignmentRow, 'id' | 'targetId' | 'requestId'>[]> {
  return db.selectFrom('assignments').select(['id', 'targetId', 'requestId']).where('accessPackageId', '=', accessPackageId).where('state', 'in', ACTIVE).execute();
}

/** Whether any active assignment is past its end (a plain read, without taking a lock). */
export async function anyAssignmentPastEnd(db: Db | Tx, now: string): Promise<boolean> {
  return !!(await db.selectFrom('assignments').select('id').where('state', 'in', ACTIVE).where('endAt', 'is not', null).where('endAt', '<=', now).limit(1).executeTakeFirst());
}

/**
 * Active assignments past their end, locked for the transaction; rows other workers hold are skipped.
 * No ORDER BY: a batch's order does not matter, and sorting every due row to take a batch would cost O(due) per batch.
 */
export async function lockAssignmentsPastEnd(tx: Tx, now: string, limit: number): Promise<AssignmentRow[]> {
  return skipLocked(tx, tx.selectFrom('assignments').selectAll().where('state', 'in', ACTIVE).where('endAt', 'is not', null).where('endAt', '<=', now).limit(limit)).execute();
}

/** Active assignments ending after `now` and by `horizon` whose reminder `column` is not yet sent. */
export async function listAssignmentsToRemind(db: Db | Tx, column: ReminderColumn, now: string, horizon: string, limit: number): Promise<AssignmentRow[]> {
  return db.selectFrom('assignments').selectAll().where('state', 'in', ACTIVE).where('endAt', 'is not', null)
    .where('endAt', '<=', horizon).where('endAt', '>', now).where(column, 'is', null).limit(limit).execute();
}

/** Marks a reminder sent unless it already was; true when this call marked it (exactly one of racing workers does). */
export async function markReminded(tx: Tx, id: string, column: ReminderColumn, at: string): Promise<boolean> {
  const r = await tx.updateTable('assignments').set({ [column]: at }).where('id', '=', id).where(column, 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Inserts a new assignment. */
export async function insertAssignment(tx: Tx, row: AssignmentRow): Promise<void> {
  await tx.insertInto('assignments').values(row).execute();
}

/** Writes changed columns of one assignment. */
export async function updateAssignment(tx: Tx, id: string, patch: Partial<Omit<AssignmentRow, 'id'>>): Promise<void> {
  await tx.updateTable('assignments').set(patch).where('id', '=', id).execute();
}

/** Moves an assignment to a delivery state (delivering, delivered, partiallyDelivered, deliveryFailed). */
export async function setAssignmentState(tx: Tx, id: string, state: AssignmentState, at: string): Promise<void> {
  await tx.updateTable('assignments').set({ state, status: assignmentStatus(state), modifiedAt: at }).where('id', '=', id).execute();
}

/**
 * Marks assignments expired at `at`; those whose schedule ran later (or had no end) end at `at`: access that
 * ends early (removed, given up) ended now, not on its planned end. The planned end stays on the request that created it.
 */
export async function expireAssignments(tx: Tx, ids: readonly string[], at: string): Promise<void> {
  await tx.updateTable('assignments').set({ state: 'expired', status: assignmentStatus('expired'), expiredAt: at, modifiedAt: at }).where('id', 'in', [...ids]).execute();
  await tx.updateTable('assignments').set({ endAt: at }).where('id', 'in', [...ids])
    .where((eb) => eb.or([eb('endAt', 'is', null), eb('endAt', '>', at)])).execute();
}
