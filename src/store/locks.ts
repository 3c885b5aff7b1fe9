import { isPostgres, type Tx } from './db.js';

type LockableTable = 'assignmentRequests' | 'assignments' | 'approvalStages' | 'accessPackages' | 'catalogs' | 'connections' | 'identitySources';

// Row locks serialise transactions that read a row and then write on what they read: two approvers, or
// expiry and extension, racing on the same row are serialised and the second sees the first's outcome.
// On PostgreSQL a no-op UPDATE takes the row lock. On SQLite every Latchkey transaction already holds
// the one database write lock from its first statement (it begins IMMEDIATE, see store/db.ts), so there
// is nothing left to lock: a no-op UPDATE there only rewrote the row and its page in the WAL.

/**
 * Locks one row for the rest of the transaction (see above) and says whether it exists. On SQLite
 * only the existence is asked. A caller that reads the row next, and handles its absence, takes
 * holdRow instead, which costs SQLite nothing.
 */
export async function lockRow(tx: Tx, table: LockableTable, id: string): Promise<boolean> {
  if (!isPostgres(tx)) return (await tx.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  const r = await tx.updateTable(table).set((eb) => ({ id: eb.ref('id') })).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Locks one row for the rest of the transaction (PostgreSQL; SQLite's write lock is held already), for a caller that reads it next. */
export async function holdRow(tx: Tx, table: LockableTable, id: string): Promise<void> {
  if (isPostgres(tx)) await tx.updateTable(table).set((eb) => ({ id: eb.ref('id') })).where('id', '=', id).execute();
}

/**
 * Locks many rows at once (see lockRow); returns how many exist. On PostgreSQL in id order, so that two
 * transactions locking overlapping sets wait for each other instead of deadlocking.
 */
export async function lockRows(tx: Tx, table: LockableTable, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  if (isPostgres(tx)) return (await tx.selectFrom(table).select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute()).length;
  const r = await tx.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('id', 'in', ids).executeTakeFirstOrThrow();
  return Number(r.n);
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
