import { sql } from 'kysely';
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
    sourceId: null,
    sourceKey: null,
    externalId: null,
    employeeId: null,
    costCenter: null,
    division: null,
    organization: null,
  };
}

export async function findUserByUpn(db: Db | Tx, upn: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('upnKey', '=', upn.toLowerCase()).executeTakeFirst();
}

// ---- lookups

/** A user by object id (already lower-cased by the caller when it came from a client). */
export async function findUserById(db: Db | Tx, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

const SUBJECT_COLUMNS = ['id', 'userPrincipalName', 'mail', 'mailNickname', 'displayName', 'givenName', 'surname'] as const;
export type AccountSubjectRow = Pick<UserRow, (typeof SUBJECT_COLUMNS)[number]>;

/** The properties a connection matches a user's account on (connectors/kit.ts AccountSubject); undefined for a non-user. */
export async function findAccountSubject(db: Db | Tx, id: string): Promise<AccountSubjectRow | undefined> {
  return (await listAccountSubjects(db, [id]))[0];
}

/** The account subjects of these users, at once (a batch of deliveries); non-users are absent. */
export async function listAccountSubjects(db: Db | Tx, ids: readonly string[]): Promise<AccountSubjectRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').select(SUBJECT_COLUMNS).where('id', 'in', [...new Set(ids)]).execute();
}

/** The oldest user whose sign-in name or mail is `key` (lower-cased): who an email address names. */
export async function findUserByEmail(db: Db | Tx, key: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll()
    .where((eb) => eb.or([eb('upnKey', '=', key), eb(eb.fn('lower', ['mail']), '=', key)]))
    .orderBy('createdAt').executeTakeFirst();
}

/** Enabled users whose sign-in name ends in @domain, by display name: the demo sign-in's list. */
export async function listEnabledUsersOfDomain(db: Db | Tx, domain: string) {
  return db.selectFrom('users').select(['userPrincipalName', 'upnKey', 'displayName', 'jobTitle', 'department', 'userType'])
    .where('accountEnabled', '=', 1).where('upnKey', 'like', `%@${domain}`).orderBy('displayName').orderBy('upnKey').execute();
}

/** The chain of managers above a user (its manager, their manager, …). UNION stops on a cycle left by old data. */
export async function managerChain(db: Db | Tx, userId: string): Promise<string[]> {
  const r = await sql<{ id: string }>`
    with recursive up(id) as (
      select manager_id from users where id = ${userId} and manager_id is not null
      union
      select u.manager_id from users u join up on u.id = up.id where u.manager_id is not null
    )
    select id from up`.execute(db);
  return r.rows.map((x) => x.id);
}

/** How many of the user's assignments have not ended (expired). */
export async function countActiveAssignmentsOfUser(db: Db | Tx, userId: string): Promise<number> {
  const r = await db.selectFrom('assignments')
    .select(({ fn }) => fn.countAll<number | string>().as('n'))
    .where('targetId', '=', userId)
    .where('state', '<>', 'expired')
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

// ---- writes

export async function insertUser(db: Db | Tx, row: UserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

/** Writes every column of the user row. */
export async function updateUser(db: Db | Tx, row: UserRow): Promise<void> {
  await db.updateTable('users').set(row).where('id', '=', row.id).execute();
}

export async function setUserManager(db: Db | Tx, userId: string, managerId: string | null, at: string): Promise<void> {
  await db.updateTable('users').set({ managerId, modifiedAt: at }).where('id', '=', userId).execute();
}

/** The subject lifecycle marker (1: entitlement management governs the external user). */
export async function setUserGoverned(db: Db | Tx, userId: string, governed: number, at: string): Promise<void> {
  await db.updateTable('users').set({ governed, modifiedAt: at }).where('id', '=', userId).execute();
}

/**
 * Deletes a user with every reference to it: memberships, ownerships, manager links (cleared), role
 * assignments, sponsorships; its API tokens are revoked (kept for the record).
 */
export async function deleteUserAndReferences(tx: Tx, userId: string, at: string): Promise<void> {
  await tx.deleteFrom('groupMembers').where('memberId', '=', userId).execute();
  await tx.deleteFrom('groupOwners').where('userId', '=', userId).execute();
  await tx.updateTable('users').set({ managerId: null, modifiedAt: at }).where('managerId', '=', userId).execute();
  await tx.deleteFrom('roleAssignments').where('principalId', '=', userId).execute();
  await tx.deleteFrom('connectedOrganizationSponsors').where('directoryObjectId', '=', userId).execute();
  await tx.updateTable('apiTokens').set({ revokedAt: at }).where('userId', '=', userId).where('revokedAt', 'is', null).execute();
  await tx.deleteFrom('users').where('id', '=', userId).execute();
}

// ---- lifecycle reads and writes: mail contacts, managers, guests

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

/** Whether any of these ids is an enabled user. */
export async function anyEnabledUser(db: Db | Tx, ids: string[]): Promise<boolean> {
  if (ids.length === 0) return false;
  return !!(await db.selectFrom('users').select('id').where('id', 'in', ids).where('accountEnabled', '=', 1).limit(1).executeTakeFirst());
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
