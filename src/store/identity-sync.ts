import { chunks, IDS_PER_STATEMENT, ROWS_PER_INSERT } from './chunks.js';
import type { Db, Tx } from './db.js';
import type { GroupMembersTable, GroupsTable, IdentitySyncRunsTable, UsersTable } from './schema.js';

// Directory sync's reads and writes (migration 0013): the runs, the schedule of each source, and the
// set-based statements a run uses — every user and group a source owns in one query each, the direct
// members of many groups at once, and multi-row inserts of users, groups and memberships.

export type SyncRunRow = IdentitySyncRunsTable;

/** The job of one run; its dedupe key is `identity-sync:<run id>`. */
export const syncJobKey = (runId: string) => `identity-sync:${runId}`;

export async function insertSyncRun(db: Db | Tx, row: SyncRunRow): Promise<void> {
  await db.insertInto('identitySyncRuns').values(row).execute();
}

export async function findSyncRun(db: Db | Tx, id: string): Promise<SyncRunRow | undefined> {
  return db.selectFrom('identitySyncRuns').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A source's runs, newest first. */
export async function listSyncRuns(db: Db | Tx, sourceId: string, limit: number): Promise<SyncRunRow[]> {
  return db.selectFrom('identitySyncRuns').selectAll().where('sourceId', '=', sourceId).orderBy('startedAt', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** The source's run still marked running, with whether its job has ended (then it never will finish). */
export async function findRunningSync(db: Db | Tx, sourceId: string): Promise<(SyncRunRow & { jobEnded: boolean }) | undefined> {
  const row = await db.selectFrom('identitySyncRuns').selectAll().where('sourceId', '=', sourceId).where('state', '=', 'running')
    .orderBy('startedAt', 'desc').executeTakeFirst();
  if (!row) return undefined;
  const job = await db.selectFrom('jobs').select('doneAt').where('dedupeKey', '=', syncJobKey(row.id)).executeTakeFirst();
  return { ...row, jobEnded: !job || job.doneAt !== null };
}

/** Progress or the outcome of a run still running (a finished run is never changed again). */
export async function updateSyncRun(db: Db | Tx, id: string, patch: Partial<Omit<SyncRunRow, 'id' | 'sourceId'>>): Promise<void> {
  await db.updateTable('identitySyncRuns').set(patch).where('id', '=', id).where('state', '=', 'running').execute();
}

export async function deleteSyncRunsOfSource(tx: Tx, sourceId: string): Promise<void> {
  await tx.deleteFrom('identitySyncRuns').where('sourceId', '=', sourceId).execute();
}

/** LDAP sources whose next scheduled sync is due. */
export async function listSourcesDueForSync(db: Db | Tx, at: string, limit: number): Promise<{ id: string }[]> {
  return db.selectFrom('identitySources').select('id').where('kind', '=', 'ldap').where('nextSyncAt', 'is not', null).where('nextSyncAt', '<=', at)
    .orderBy('nextSyncAt').limit(limit).execute();
}

/** Moves the schedule on, if nobody else did since `dueAt` was read: true when this caller claimed the due run. */
export async function claimScheduledSync(tx: Tx, sourceId: string, dueAt: string, next: { nextSyncAt: string | null; nextFullAt?: string | null }): Promise<boolean> {
  const r = await tx.updateTable('identitySources').set(next).where('id', '=', sourceId).where('nextSyncAt', '=', dueAt).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

// ---- what a source owns

export type HeldUserRow = Pick<UsersTable,
  'id' | 'sourceId' | 'sourceKey' | 'externalId' | 'userPrincipalName' | 'displayName' | 'mail' | 'mailNickname' | 'givenName' | 'surname' | 'jobTitle'
  | 'department' | 'employeeId' | 'costCenter' | 'division' | 'organization' | 'accountEnabled' | 'managerId'>;
const USER_COLUMNS = [
  'id', 'sourceId', 'sourceKey', 'externalId', 'userPrincipalName', 'displayName', 'mail', 'mailNickname', 'givenName', 'surname', 'jobTitle',
  'department', 'employeeId', 'costCenter', 'division', 'organization', 'accountEnabled', 'managerId',
] as const;

export async function listUsersOfSource(db: Db | Tx, sourceId: string): Promise<HeldUserRow[]> {
  return db.selectFrom('users').select(USER_COLUMNS).where('sourceId', '=', sourceId).execute();
}

/** Users of other sources (or none) with one of these lower-cased userPrincipalNames. */
export async function listUsersByUpnOutside(db: Db | Tx, sourceId: string, upnKeys: readonly string[]): Promise<HeldUserRow[]> {
  const out: HeldUserRow[] = [];
  for (const chunk of chunks(upnKeys, IDS_PER_STATEMENT)) {
    out.push(...await db.selectFrom('users').select(USER_COLUMNS).where('upnKey', 'in', chunk)
      .where((eb) => eb.or([eb('sourceId', 'is', null), eb('sourceId', '<>', sourceId)])).execute());
  }
  return out;
}

export async function listGroupsOfSource(db: Db | Tx, sourceId: string): Promise<Pick<GroupsTable, 'id' | 'sourceKey' | 'externalId' | 'displayName' | 'description'>[]> {
  return db.selectFrom('groups').select(['id', 'sourceKey', 'externalId', 'displayName', 'description']).where('sourceId', '=', sourceId).execute();
}

/** The direct members of these groups. */
export async function listDirectMembersOf(db: Db | Tx, groupIds: readonly string[]): Promise<Pick<GroupMembersTable, "groupId" | "memberId" | "memberType">[]> {
  const out: Pick<GroupMembersTable, 'groupId' | 'memberId' | 'memberType'>[] = [];
  for (const chunk of chunks(groupIds, IDS_PER_STATEMENT)) {
    out.push(...await db.selectFrom('groupMembers').select(['groupId', 'memberId', 'memberType']).where('groupId', 'in', chunk).execute());
  }
  return out;
}

/** The groups these objects are direct members of. */
export async function listMembershipsOf(db: Db | Tx, memberIds: readonly string[]): Promise<Pick<GroupMembersTable, 'groupId' | 'memberId'>[]> {
  const out: Pick<GroupMembersTable, 'groupId' | 'memberId'>[] = [];
  for (const chunk of chunks(memberIds, IDS_PER_STATEMENT)) {
    out.push(...await db.selectFrom('groupMembers').select(['groupId', 'memberId']).where('memberId', 'in', chunk).execute());
  }
  return out;
}

/** Display names of users and groups by id, for messages and samples. */
export async function namesOf(db: Db | Tx, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const chunk of chunks([...new Set(ids)], IDS_PER_STATEMENT)) {
    for (const u of await db.selectFrom('users').select(['id', 'userPrincipalName']).where('id', 'in', chunk).execute()) out.set(u.id, u.userPrincipalName);
    for (const g of await db.selectFrom('groups').select(['id', 'displayName']).where('id', 'in', chunk).execute()) out.set(g.id, g.displayName);
  }
  return out;
}

/** How many users and groups the source owns. */
export async function countOwnedBySource(db: Db | Tx, sourceId: string): Promise<{ users: number; groups: number }> {
  const n = async (table: 'users' | 'groups') =>
    Number((await db.selectFrom(table).select(({ fn }) => fn.countAll<number | string>().as('n')).where('sourceId', '=', sourceId).executeTakeFirst())?.n ?? 0);
  return { users: await n('users'), groups: await n('groups') };
}

/** The source lets go of its users and groups: they stay, owned by nobody (editable through Graph). */
export async function releaseOwnedBySource(tx: Tx, sourceId: string, at: string): Promise<void> {
  await tx.updateTable('users').set({ sourceId: null, sourceKey: null, externalId: null, modifiedAt: at }).where('sourceId', '=', sourceId).execute();
  await tx.updateTable('groups').set({ sourceId: null, sourceKey: null, externalId: null, modifiedAt: at }).where('sourceId', '=', sourceId).execute();
}

// ---- batched writes

export async function insertUsers(tx: Tx, rows: readonly UsersTable[]): Promise<void> {
  // users have 28 columns: fewer rows a statement keep within the parameter limits
  for (const chunk of chunks(rows, Math.floor(ROWS_PER_INSERT / 2))) await tx.insertInto('users').values(chunk).execute();
}

export async function insertGroups(tx: Tx, rows: readonly GroupsTable[]): Promise<void> {
  for (const chunk of chunks(rows, ROWS_PER_INSERT)) await tx.insertInto('groups').values(chunk).execute();
}

export async function insertMembers(tx: Tx, rows: readonly GroupMembersTable[]): Promise<void> {
  for (const chunk of chunks(rows, ROWS_PER_INSERT)) {
    await tx.insertInto('groupMembers').values(chunk).onConflict((oc) => oc.columns(['groupId', 'memberId']).doNothing()).execute();
  }
}

export async function deleteMembers(tx: Tx, groupId: string, memberIds: readonly string[]): Promise<void> {
  for (const chunk of chunks(memberIds, IDS_PER_STATEMENT)) await tx.deleteFrom('groupMembers').where('groupId', '=', groupId).where('memberId', 'in', chunk).execute();
}

// One UPDATE per user cost a round trip each: a full run sets thousands of managers (bench: 18 s of a
// PostgreSQL full run of 10,000 people). A CASE over a chunk of ids is one statement on both stores.
const MANAGERS_PER_STATEMENT = 500;

export async function setUserManagers(tx: Tx, changes: readonly { userId: string; managerId: string | null }[], at: string): Promise<void> {
  for (const chunk of chunks(changes, MANAGERS_PER_STATEMENT)) {
    await tx.updateTable('users')
      .set((eb) => {
        let when = eb.case().when('id', '=', chunk[0].userId).then(chunk[0].managerId);
        for (const x of chunk.slice(1)) when = when.when('id', '=', x.userId).then(x.managerId);
        return { managerId: when.else(eb.ref('managerId')).end(), modifiedAt: at };
      })
      .where('id', 'in', chunk.map((x) => x.userId))
      .execute();
  }
}

export async function disableUsers(tx: Tx, ids: readonly string[], at: string): Promise<void> {
  for (const chunk of chunks(ids, IDS_PER_STATEMENT)) await tx.updateTable('users').set({ accountEnabled: 0, modifiedAt: at }).where('id', 'in', chunk).execute();
}

/** Writes the given columns of one user. */
export async function patchUser(tx: Tx, id: string, patch: Partial<Omit<UsersTable, 'id'>>): Promise<void> {
  await tx.updateTable('users').set(patch).where('id', '=', id).execute();
}

/** Writes the given columns of one group. */
export async function patchGroup(tx: Tx, id: string, patch: Partial<Omit<GroupsTable, 'id'>>): Promise<void> {
  await tx.updateTable('groups').set(patch).where('id', '=', id).execute();
}
