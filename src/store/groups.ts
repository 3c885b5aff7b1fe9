import type { Db, Tx } from './db.js';
import type { GroupsTable } from './schema.js';

// Groups of Latchkey's own directory: reads the built-in connector makes.

/** One group, if it exists. */
export async function findGroup(db: Db | Tx, id: string): Promise<GroupsTable | undefined> {
  return db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
}
