import type { Db, Tx } from './db.js';
import type { GroupMembersTable, GroupOwnersTable, GroupsTable, UsersTable } from './schema.js';

// The demo company's rows (demo/seed.ts): its marker (migration 0007), and the directory it writes in
// one transaction. The people and groups are plain directory rows; only the marker is the demo's own.

/** Whether the marker of the demo company with this domain exists. */
export async function hasDemoMarker(db: Db | Tx, domain: string): Promise<boolean> {
  return !!(await db.selectFrom('demoMarkers').select('domain').where('domain', '=', domain).executeTakeFirst());
}

/** Records the marker (once: a second seed of the same domain keeps the first date). */
export async function insertDemoMarker(tx: Tx, domain: string, at: string): Promise<void> {
  await tx.insertInto('demoMarkers').values({ domain, seededAt: at }).onConflict((oc) => oc.column('domain').doNothing()).execute();
}

/** Whether the directory has no user at all (the demo is seeded only into an empty one). */
export async function directoryIsEmpty(db: Db | Tx): Promise<boolean> {
  return !(await db.selectFrom('users').select('id').limit(1).executeTakeFirst());
}

export async function insertDemoUser(tx: Tx, row: UsersTable): Promise<void> {
  await tx.insertInto('users').values(row).execute();
}

export async function insertDemoGroup(tx: Tx, row: GroupsTable): Promise<void> {
  await tx.insertInto('groups').values(row).execute();
}

export async function insertDemoGroupMember(tx: Tx, row: GroupMembersTable): Promise<void> {
  await tx.insertInto('groupMembers').values(row).execute();
}

export async function insertDemoGroupOwner(tx: Tx, row: GroupOwnersTable): Promise<void> {
  await tx.insertInto('groupOwners').values(row).execute();
}
