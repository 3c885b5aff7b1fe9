import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Condition, FilterAttribute } from '../domain/scim/filter.js';
import type { Db, Tx } from './db.js';
import type { GroupRow } from './groups.js';
import type { UserRow } from './users.js';

// The SCIM service provider's reads: one identity source's users and groups, filtered in SQL. A filter
// arrives as domain/scim/filter.ts's condition tree over known attributes; each becomes a column here
// and every value a bound parameter. `userName eq` compares the lower-cased upn_key (unique index) and
// `externalId eq` the (source_id, external_id) index: what identity providers send before every create.

type Sql = RawBuilder<unknown>;

const USER_COLUMNS: Record<string, string> = {
  id: 'users.id', userName: 'users.upnKey', externalId: 'users.externalId', displayName: 'users.displayName', givenName: 'users.givenName',
  familyName: 'users.surname', mail: 'users.mail', title: 'users.jobTitle', active: 'users.accountEnabled', department: 'users.department',
  employeeNumber: 'users.employeeId', costCenter: 'users.costCenter', division: 'users.division', organization: 'users.organization',
  manager: 'users.managerId', created: 'users.createdAt', lastModified: 'users.modifiedAt',
};
const GROUP_COLUMNS: Record<string, string> = {
  id: 'groups.id', displayName: 'groups.displayName', externalId: 'groups.externalId', created: 'groups.createdAt', lastModified: 'groups.modifiedAt',
  'member.value': 'gm.memberId', 'member.type': 'gm.memberType',
};
/** columns that hold lower-cased text or lower-case ids: compared with the lower-cased value, so their index serves */
const LOWERCASED = new Set(['users.upnKey', 'users.id', 'users.managerId', 'groups.id', 'gm.memberId', 'gm.memberType']);

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function compile(c: Condition, columns: Record<string, string>, groupId: string): Sql {
  switch (c.kind) {
    case 'and':
    case 'or':
      return sql`(${sql.join(c.items.map((i) => compile(i, columns, groupId)), c.kind === 'and' ? sql` and ` : sql` or `)})`;
    case 'not':
      return sql`(not ${compile(c.item, columns, groupId)})`;
    case 'const':
      return c.value ? sql`(1 = 1)` : sql`(1 = 0)`;
    case 'present': {
      const col = sql.ref(column(c.attribute, columns));
      return c.attribute.type === 'string' ? sql`(${col} is not null and ${col} <> '')` : sql`(${col} is not null)`;
    }
    case 'member':
      return sql`exists (select 1 from group_members gm where gm.group_id = ${sql.ref(groupId)} and ${compile(c.item, GROUP_COLUMNS, groupId)})`;
    case 'compare':
      return comparison(c.attribute, c.op, c.value, columns);
  }
}

function column(a: FilterAttribute, columns: Record<string, string>): string {
  const col = columns[a.key];
  // the domain's attribute tables and these column maps are written together; a gap is a bug, not bad input
  if (!col) throw new Error(`no column for SCIM attribute ${a.key}`);
  return col;
}

function comparison(a: FilterAttribute, op: string, value: string | boolean, columns: Record<string, string>): Sql {
  const name = column(a, columns);
  const col = sql.ref(name);
  if (a.type === 'boolean') return sql`(${col} ${sql.raw(op === 'eq' ? '=' : '<>')} ${value ? 1 : 0})`;
  const v = String(value);
  const lowered = LOWERCASED.has(name);
  const insensitive = !a.caseExact && !lowered;
  const left = insensitive ? sql`lower(${col})` : col;
  const right = insensitive || lowered ? v.toLowerCase() : v;
  switch (op) {
    case 'eq': return sql`(${left} = ${right})`;
    case 'ne': return sql`(${left} is null or ${left} <> ${right})`;
    case 'co': return sql`(${left} like ${`%${escapeLike(right)}%`} escape '\\')`;
    case 'sw': return sql`(${left} like ${`${escapeLike(right)}%`} escape '\\')`;
    case 'ew': return sql`(${left} like ${`%${escapeLike(right)}`} escape '\\')`;
    case 'gt': return sql`(${left} > ${right})`;
    case 'ge': return sql`(${left} >= ${right})`;
    case 'lt': return sql`(${left} < ${right})`;
    default: return sql`(${left} <= ${right})`;
  }
}

export interface ListPage {
  offset: number;
  limit: number;
}

/** A source's users matching the filter (none: all): the query a list runs (exported for its query-plan test). */
export function sourceUsersQuery(db: Db | Tx, sourceId: string, filter: Condition | undefined) {
  const where = filter ? compile(filter, USER_COLUMNS, 'groups.id') : sql`(1 = 1)`;
  return db.selectFrom('users').where('users.sourceId', '=', sourceId).where(sql<SqlBool>`${where}`);
}

/** A page of a source's users matching the filter (none: all), by creation, and how many match in all. */
export async function listSourceUsers(db: Db | Tx, sourceId: string, filter: Condition | undefined, page: ListPage): Promise<{ rows: UserRow[]; total: number }> {
  const base = sourceUsersQuery(db, sourceId, filter);
  const [rows, count] = await Promise.all([
    page.limit > 0 ? base.selectAll('users').orderBy('users.createdAt').orderBy('users.id').offset(page.offset).limit(page.limit).execute() : Promise.resolve([]),
    base.select(({ fn }) => fn.countAll<number | string>().as('n')).executeTakeFirst(),
  ]);
  return { rows, total: Number(count?.n ?? 0) };
}

/** A page of a source's groups matching the filter, and how many match in all. */
export async function listSourceGroups(db: Db | Tx, sourceId: string, filter: Condition | undefined, page: ListPage): Promise<{ rows: GroupRow[]; total: number }> {
  const where = filter ? compile(filter, GROUP_COLUMNS, 'groups.id') : sql`(1 = 1)`;
  const base = db.selectFrom('groups').where('groups.sourceId', '=', sourceId).where(sql<SqlBool>`${where}`);
  const [rows, count] = await Promise.all([
    page.limit > 0 ? base.selectAll('groups').orderBy('groups.createdAt').orderBy('groups.id').offset(page.offset).limit(page.limit).execute() : Promise.resolve([]),
    base.select(({ fn }) => fn.countAll<number | string>().as('n')).executeTakeFirst(),
  ]);
  return { rows, total: Number(count?.n ?? 0) };
}

/** The direct members of these groups, with the names SCIM shows (a user's userPrincipalName… its displayName), by group. */
export async function listDirectMembersOf(db: Db | Tx, groupIds: string[]): Promise<Map<string, { id: string; type: 'user' | 'group'; display: string }[]>> {
  const out = new Map<string, { id: string; type: 'user' | 'group'; display: string }[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return out;
  const rows = await db.selectFrom('groupMembers as gm')
    .leftJoin('users as u', 'u.id', 'gm.memberId')
    .leftJoin('groups as g', 'g.id', 'gm.memberId')
    .select(['gm.groupId', 'gm.memberId', 'gm.memberType', 'u.displayName as userName', 'g.displayName as groupName'])
    .where('gm.groupId', 'in', groupIds)
    .orderBy('gm.createdAt').orderBy('gm.memberId')
    .execute();
  for (const r of rows) {
    out.get(r.groupId)?.push({ id: r.memberId, type: r.memberType === 'group' ? 'group' : 'user', display: (r.memberType === 'group' ? r.groupName : r.userName) ?? r.memberId });
  }
  return out;
}

/** Display names of users by id (SCIM's manager.displayName). */
export async function userDisplayNames(db: Db | Tx, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'displayName']).where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((r) => [r.id, r.displayName]));
}

/** Which of these ids are direct members of the group. */
export async function directMemberIdsAmong(db: Db | Tx, groupId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('groupMembers').select('memberId').where('groupId', '=', groupId).where('memberId', 'in', ids).execute();
  return new Set(rows.map((r) => r.memberId));
}

/** Every direct member id of a group (a replace or a filtered remove of members needs them). */
export async function directMemberIds(db: Db | Tx, groupId: string): Promise<{ value: string; type: string }[]> {
  const rows = await db.selectFrom('groupMembers').select(['memberId', 'memberType']).where('groupId', '=', groupId).execute();
  return rows.map((r) => ({ value: r.memberId, type: r.memberType === 'group' ? 'Group' : 'User' }));
}
