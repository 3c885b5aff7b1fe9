import type { Db, Tx } from './db.js';
import type { SettingsTable } from './schema.js';

// The tenant-wide entitlement management settings: one row (id 1), created on the first change.

export type SettingsRow = SettingsTable;

const SETTINGS_ID = 1;

/** The settings row, or undefined while the defaults apply. */
export async function findSettings(db: Db | Tx): Promise<SettingsRow | undefined> {
  return db.selectFrom('settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst();
}

/** Insert-or-update in one statement, portable across SQLite and PostgreSQL. */
export async function upsertSettings(db: Db | Tx, values: Omit<SettingsRow, 'id'>): Promise<void> {
  await db.insertInto('settings').values({ id: SETTINGS_ID, ...values }).onConflict((oc) => oc.column('id').doUpdateSet(values)).execute();
}
