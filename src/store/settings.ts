import type { Db, Tx } from './db.js';
import type { SettingsTable } from './schema.js';

// The tenant-wide entitlement management settings: one row, created on the first change.

export type SettingsRow = SettingsTable;

export async function findSettings(db: Db | Tx, id: number): Promise<SettingsRow | undefined> {
  return db.selectFrom('settings').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Insert-or-update in one statement, portable across SQLite and PostgreSQL. */
export async function upsertSettings(db: Db | Tx, row: SettingsRow): Promise<void> {
  const { id: _id, ...values } = row;
  await db.insertInto('settings').values(row).onConflict((oc) => oc.column('id').doUpdateSet(values)).execute();
}
