import { isGuid } from '../domain/ids.js';
import type { Db, Tx } from './db.js';

// Directory objects named by other aggregates (sponsors, incompatible groups, role assignment
// principals, the people and organizations a policy names): lookups by id across users and groups.

export type DirectoryObjectType = 'user' | 'group';

export interface DirectoryObjectRef {
  id: string;
  type: DirectoryObjectType;
  displayName: string;
}

/** A user or group by id (of the given type, when one is given), or undefined. */
export async function findDirectoryObject(db: Db | Tx, id: string, type?: DirectoryObjectType): Promise<DirectoryObjectRef | undefined> {
  if (!isGuid(id)) return undefined;
  const key = id.toLowerCase();
  if (type !== 'group') {
    const u = await db.selectFrom('users').select(['id', 'displayName']).where('id', '=', key).executeTakeFirst();
    if (u) return { id: u.id, type: 'user', displayName: u.displayName };
  }
  if (type !== 'user') {
    const g = await db.selectFrom('groups').select(['id', 'displayName']).where('id', '=', key).executeTakeFirst();
    if (g) return { id: g.id, type: 'group', displayName: g.displayName };
  }
  return undefined;
}

/** Which of `ids` exist in `table` (lower-cased), looked up 500 at a time. */
export async function findExistingIds(db: Db | Tx, table: 'users' | 'groups' | 'connectedOrganizations', ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom(table).select('id').where('id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) found.add(r.id.toLowerCase());
  }
  return found;
}
