import type { Tx } from './db.js';

type LockableTable = 'assignmentRequests' | 'assignments' | 'approvalStages' | 'accessPackages';

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
