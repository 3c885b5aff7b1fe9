import type { Db, Tx } from './db.js';
import type { SettingsTable } from './schema.js';

// The tenant's entitlement-management settings: one row (id 1), absent until first changed.

/** The settings row, or undefined while the defaults apply. */
export async function findSettingsRow(db: Db | Tx): Promise<SettingsTable | undefined> {
  return db.selectFrom('settings').selectAll().where('id', '=', 1).executeTakeFirst();
}
