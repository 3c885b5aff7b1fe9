import type { Db, Tx } from './db.js';
import type { GroupMembersTable, GroupOwnersTable, GroupsTable } from './schema.js';

export type GroupRow = GroupsTable;

// ---- groups

/** A group by object id (lower-cased by the caller). */
export async function findGroupById(db: Db | Tx, id: string): Promise<GroupRow | undefined> {
  return db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A group row to insert: the identity source columns default to none (a group made through Latchkey's own API). */
export type NewGroupRow = Omit<GroupRow, 'sourceId' | 'sourceKey' | 'externalId'> & Partial<Pick<GroupRow, 'sourceId' | 'sourceKey' | 'externalId'>>;

export async function insertGroup(db: Db | Tx, row: NewGroupRow): Promise<void> {
  await db.insertInto('groups').values(row).execute();
}

/** Writes every column of the group row. */
export async function updateGroup(db: Db | Tx, row: GroupRow): Promise<void> {
  await db.updateTable('groups').set(row).where('id', '=', row.id).execute();
}

/** Which of these ids are groups. */
export async function listGroupIdsAmong(db: Db | Tx, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  return (await db.selectFrom('groups').select('id').where('id', 'in', ids).execute()).map((g) => g.id);
}

/** The catalogs that offer the group as a resource (either case of its id), by name. */
export async function listCatalogsOfferingGroup(db: Db | Tx, groupId: string): Promise<{ id: string; displayName: string }[]> {
  return db.selectFrom('resources')
    .innerJoin('catalogs', 'catalogs.id', 'resources.catalogId')
    .select(['catalogs.id', 'catalogs.displayName'])
    .where('resources.originSystem', '=', 'AadGroup')
    .where('resources.originId', 'in', [groupId, groupId.toUpperCase()])
    .orderBy('catalogs.displayName')
    .execute();
}

/**
 * Deletes a group with its memberships (as group and as member), ownerships and the references other
 * objects hold to it: role assignments, sponsorships, incompatible-group links.
 */
export async function deleteGroupAndReferences(tx: Tx, groupId: string): Promise<void> {
  await tx.deleteFrom('groupMembers').where((eb) => eb.or([eb('groupId', '=', groupId), eb('memberId', '=', groupId)])).execute();
  await tx.deleteFrom('groupOwners').where('groupId', '=', groupId).execute();
  await tx.deleteFrom('roleAssignments').where('principalId', '=', groupId).execute();
  await tx.deleteFrom('connectedOrganizationSponsors').where('directoryObjectId', '=', groupId).execute();
  await tx.deleteFrom('incompatibleGroups').where('groupId', '=', groupId).execute();
  await tx.deleteFrom('groups').where('id', '=', groupId).execute();
}

// ---- members (direct links; nested membership is resolved in membership.ts)

export async function findGroupMember(db: Db | Tx, groupId: string, memberId: string): Promise<GroupMembersTable | undefined> {
  return db.selectFrom('groupMembers').selectAll().where('groupId', '=', groupId).where('memberId', '=', memberId).executeTakeFirst();
}

export async function insertGroupMember(db: Db | Tx, row: GroupMembersTable): Promise<void> {
  await db.insertInto('groupMembers').values(row).execute();
}

// The built-in connector's grants: ON CONFLICT DO NOTHING makes a replayed grant a no-op on both
// stores, even when two run at once.
/** Adds a user as a direct member; true when the membership is new. */
export async function addDirectMember(db: Db | Tx, groupId: string, userId: string, at: string): Promise<boolean> {
  const r = await db.insertInto('groupMembers').values({ groupId, memberId: userId, memberType: 'user', createdAt: at })
    .onConflict((oc) => oc.columns(['groupId', 'memberId']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Removes a direct membership; true when there was one. */
export async function deleteGroupMember(db: Db | Tx, groupId: string, memberId: string): Promise<boolean> {
  const r = await db.deleteFrom('groupMembers').where('groupId', '=', groupId).where('memberId', '=', memberId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// ---- owners (users)

export async function findGroupOwner(db: Db | Tx, groupId: string, userId: string): Promise<GroupOwnersTable | undefined> {
  return db.selectFrom('groupOwners').selectAll().where('groupId', '=', groupId).where('userId', '=', userId).executeTakeFirst();
}

export async function insertGroupOwner(db: Db | Tx, row: GroupOwnersTable): Promise<void> {
  await db.insertInto('groupOwners').values(row).execute();
}

/** Adds a user as an owner; true when the ownership is new. */
export async function addOwner(db: Db | Tx, groupId: string, userId: string, at: string): Promise<boolean> {
  const r = await db.insertInto('groupOwners').values({ groupId, userId, createdAt: at })
    .onConflict((oc) => oc.columns(['groupId', 'userId']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Removes an ownership; true when there was one. */
export async function deleteGroupOwner(db: Db | Tx, groupId: string, userId: string): Promise<boolean> {
  const r = await db.deleteFrom('groupOwners').where('groupId', '=', groupId).where('userId', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
