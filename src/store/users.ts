import { newId } from '../domain/ids.js';
import type { Db, Tx } from './db.js';
import type { UsersTable } from './schema.js';

export type UserRow = UsersTable;

export interface NewUser {
  id?: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string | null;
  mailNickname?: string | null;
  givenName?: string | null;
  surname?: string | null;
  department?: string | null;
  jobTitle?: string | null;
  managerId?: string | null;
  userType?: 'Member' | 'Guest';
  accountEnabled?: boolean;
  connectedOrganizationId?: string | null;
}

export function newUserRow(u: NewUser, at: string): UserRow {
  return {
    id: u.id ?? newId(),
    displayName: u.displayName,
    userPrincipalName: u.userPrincipalName,
    upnKey: u.userPrincipalName.toLowerCase(),
    mail: u.mail ?? null,
    mailNickname: u.mailNickname ?? null,
    givenName: u.givenName ?? null,
    surname: u.surname ?? null,
    department: u.department ?? null,
    jobTitle: u.jobTitle ?? null,
    managerId: u.managerId ?? null,
    userType: u.userType ?? 'Member',
    accountEnabled: u.accountEnabled === false ? 0 : 1,
    connectedOrganizationId: u.connectedOrganizationId ?? null,
    createdAt: at,
    modifiedAt: at,
    blockedAt: null,
    deleteAfter: null,
    governed: 0,
  };
}

export async function findUserByUpn(db: Db | Tx, upn: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('upnKey', '=', upn.toLowerCase()).executeTakeFirst();
}

// Lifecycle reads and writes of users: mail contacts, managers, guests.

/** Where mail for a user goes: their mail address, else their sign-in name; and the name to greet. */
export interface MailContact {
  email: string;
  name: string;
}

/** Mail contacts of many users in one query, by user id; unknown ids are absent. */
export async function mailContactsById(db: Db | Tx, userIds: readonly (string | null)[]): Promise<Map<string, MailContact>> {
  const ids = [...new Set(userIds.filter((id): id is string => !!id))];
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'mail', 'userPrincipalName', 'displayName']).where('id', 'in', ids).execute();
  return new Map(rows.map((u) => [u.id, { email: u.mail ?? u.userPrincipalName, name: u.displayName }]));
}

/** One user's mail contact, or undefined (no id, or no such user). */
export async function findMailContact(db: Db | Tx, userId: string | null): Promise<MailContact | undefined> {
  return userId ? (await mailContactsById(db, [userId])).get(userId) : undefined;
}

/** Whether a user with this id exists. */
export async function userExists(db: Db | Tx, id: string): Promise<boolean> {
  return !!(await db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst());
}

/** The id of the user whose sign-in name or mail address is `email`, if any. */
export async function findUserIdByEmail(db: Db | Tx, email: string): Promise<string | undefined> {
  return (await db.selectFrom('users').select('id').where((eb) => eb.or([eb('upnKey', '=', email.toLowerCase()), eb('mail', '=', email)])).executeTakeFirst())?.id;
}

/** A user's manager: undefined when the user does not exist, null when they have none. */
export async function findManagerId(db: Db | Tx, userId: string): Promise<string | null | undefined> {
  const row = await db.selectFrom('users').select('managerId').where('id', '=', userId).executeTakeFirst();
  return row ? row.managerId : undefined;
}

/** A user's connected organization (external users), null for none or no such user. */
export async function findConnectedOrganizationOf(db: Db | Tx, userId: string): Promise<string | null> {
  return (await db.selectFrom('users').select('connectedOrganizationId').where('id', '=', userId).executeTakeFirst())?.connectedOrganizationId ?? null;
}

/** Which of these users have an enabled account. */
export async function listEnabledUserIds(db: Db | Tx, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  return (await db.selectFrom('users').select('id').where('id', 'in', [...ids]).where('accountEnabled', '=', 1).execute()).map((u) => u.id);
}

/** Inserts a new user row. */
export async function insertUser(tx: Tx, row: UserRow): Promise<void> {
  await tx.insertInto('users').values(row).execute();
}

/** Of these users, the governed guests not yet blocked. */
export async function listUnblockedGovernedGuests(db: Db | Tx, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  return (await db.selectFrom('users').select('id').where('id', 'in', [...new Set(ids)])
    .where('userType', '=', 'Guest').where('governed', '=', 1).where('blockedAt', 'is', null).execute()).map((g) => g.id);
}

/** What the guest lifecycle needs to know of a user. */
export async function findGuestState(db: Db | Tx, id: string): Promise<Pick<UserRow, 'id' | 'userType' | 'governed' | 'blockedAt'> | undefined> {
  return db.selectFrom('users').select(['id', 'userType', 'governed', 'blockedAt']).where('id', '=', id).executeTakeFirst();
}

/** Blocks a user's sign-in; `deleteAfter` is when the account goes, or null to keep it. */
export async function blockUser(tx: Tx, id: string, at: string, deleteAfter: string | null): Promise<void> {
  await tx.updateTable('users').set({ accountEnabled: 0, blockedAt: at, deleteAfter, modifiedAt: at }).where('id', '=', id).execute();
}

/** Governed users whose deletion date has come. */
export async function listGuestsDueForDeletion(db: Db | Tx, now: string, limit: number): Promise<Pick<UserRow, 'id' | 'userPrincipalName'>[]> {
  return db.selectFrom('users').select(['id', 'userPrincipalName']).where('governed', '=', 1).where('deleteAfter', 'is not', null)
    .where('deleteAfter', '<=', now).limit(limit).execute();
}

/**
 * Locks a governed user whose deletion date has come, re-checking it under the lock: false when another
 * worker deleted them already or the date was cleared (they got access again).
 */
export async function claimGuestDeletion(tx: Tx, id: string, now: string): Promise<boolean> {
  const claimed = await tx.updateTable('users').set((eb) => ({ id: eb.ref('id') })).where('id', '=', id).where('governed', '=', 1)
    .where('deleteAfter', 'is not', null).where('deleteAfter', '<=', now).executeTakeFirst();
  return Number(claimed.numUpdatedRows) > 0;
}

/** Deletes a user with their memberships, ownerships, role assignments and API tokens. */
export async function deleteUserWithMemberships(tx: Tx, id: string): Promise<void> {
  await tx.deleteFrom('groupMembers').where('memberId', '=', id).execute();
  await tx.deleteFrom('groupOwners').where('userId', '=', id).execute();
  await tx.deleteFrom('roleAssignments').where('principalId', '=', id).execute();
  await tx.deleteFrom('apiTokens').where('userId', '=', id).execute();
  await tx.deleteFrom('users').where('id', '=', id).execute();
}
