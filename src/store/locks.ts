import { isPostgres, type Tx } from './db.js';

type LockableTable = 'assignmentRequests' | 'assignments' | 'approvalStages' | 'accessPackages' | 'catalogs' | 'connections' | 'identitySources';

/**
 * Takes the write lock on one row before the transaction reads it, on both stores: a no-op UPDATE is a
 * row lock on PostgreSQL and, as the transaction's first write, takes SQLite's database write lock
 * (waiting out the busy timeout instead of failing later when a read-then-write transaction upgrades).
 * After it, state read in the same transaction cannot change underneath: two approvers, or expiry and
 * extension, racing on the same row are serialised and the second sees the first's outcome.
 */
export async function lockRow(tx: Tx, table: LockableTable, id: string): Promise<boolean> {
  const r = await tx.updateTable(table).set((eb) => ({ id: eb.ref('id') })).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Locks many rows at once (see lockRow); returns how many exist. On PostgreSQL in id order, so that two
 * transactions locking overlapping sets wait for each other instead of deadlocking.
 */
export async function lockRows(tx: Tx, table: LockableTable, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  if (isPostgres(tx)) return (await tx.selectFrom(table).select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute()).length;
  const r = await tx.updateTable(table).set((eb) => ({ id: eb.ref('id') })).where('id', 'in', ids).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * A select that locks the rows it returns for the rest of the transaction, skipping rows another
 * transaction holds, so that several workers scanning for due work share it instead of queueing
 * behind each other (PostgreSQL FOR UPDATE SKIP LOCKED). SQLite has no row locks and needs none:
 * Latchkey's transactions begin IMMEDIATE and so already hold the one write lock.
 */
export function skipLocked<QB extends { forUpdate(): QB; skipLocked(): QB }>(tx: Tx, qb: QB): QB {
  return isPostgres(tx) ? qb.forUpdate().skipLocked() : qb;
}
