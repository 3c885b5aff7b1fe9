// The group entity set of the directory routes, and directory objects (users and groups in one list:
// members, transitiveMembers), with the read queries of those routes.
import { sql, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { EXPANDED_MEMBERS_CAP } from '../../domain/directory.js';
import { ValidationError } from '../../domain/errors.js';
import type { Db } from '../../store/db.js';
import type { GroupRow } from '../../store/groups.js';
import { transitiveGroupIds, transitiveMemberIds } from '../../store/membership.js';
import type { Database } from '../../store/schema.js';
import { applySelect, type EntitySet, type GraphObject } from '../odata/collection.js';
import type { ExpandItem } from '../odata/query-options.js';
import type { FieldMap } from '../odata/sql.js';
import { odataType } from '../graph/paths.js';
import { fillIdentitySources, identitySourceOf, USER_PROPERTIES, userObjectToGraph, type DirectoryCtx, type UserView } from './users.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the runner accepts any select query shape
type AnyQuery = SelectQueryBuilder<Database, any, any>;

export const GROUP_PROPERTIES = ['id', 'displayName', 'description', 'mail', 'mailNickname', 'mailEnabled', 'securityEnabled', 'createdDateTime', 'identitySource'] as const;

export type GroupView = Pick<GroupRow, 'id' | 'displayName' | 'description' | 'mail' | 'mailNickname' | 'mailEnabled' | 'securityEnabled' | 'createdAt'> & Partial<Pick<GroupRow, 'sourceId'>>;

export function groupToGraph(r: GroupView): GraphObject {
  return {
    id: r.id,
    displayName: r.displayName,
    description: r.description,
    mail: r.mail,
    mailNickname: r.mailNickname,
    mailEnabled: !!r.mailEnabled,
    securityEnabled: !!r.securityEnabled,
    createdDateTime: r.createdAt,
    identitySource: identitySourceOf(r.sourceId),
  };
}

export function groupObjectToGraph(r: GroupView): GraphObject {
  return { '@odata.type': odataType('group'), ...groupToGraph(r) };
}

// ---- users and groups in one collection (members, transitiveMembers)
//
// Graph returns members as one list of directoryObjects. Both tables are projected onto the same
// columns and combined with UNION ALL, so filtering, ordering, paging and $count run in the database
// over the whole list, one query per page.

/** One row of the union: user columns are null on group rows and the other way round. */
interface DirectoryObjectRow {
  kind: string;
  id: string;
  displayName: string;
  userPrincipalName: string | null;
  mail: string | null;
  mailNickname: string | null;
  givenName: string | null;
  surname: string | null;
  department: string | null;
  jobTitle: string | null;
  userType: string | null;
  accountEnabled: number | null;
  description: string | null;
  mailEnabled: number | null;
  securityEnabled: number | null;
  createdAt: string;
  sourceId: string | null;
}

/** Which ids to take from a table: a subquery, a list, or none. */
type IdSource = AnyQuery | string[];

function whereIdIn<Q extends AnyQuery>(q: Q, column: string, ids: IdSource): Q {
  if (Array.isArray(ids)) {
    if (ids.length === 0) return q.where(sql<SqlBool>`1 = 0`) as Q;
    return q.where(sql.ref(column), 'in', ids) as Q;
  }
  return q.where(sql.ref(column), 'in', ids) as Q;
}

const col = <T>(ref: string) => sql<T>`${sql.ref(ref)}`;
const none = <T>() => sql<T | null>`null`;

export function directoryObjects(db: Db, userIds: IdSource, groupIds: IdSource) {
  const users = whereIdIn(
    db.selectFrom('users').select([
      sql<string>`'user'`.as('kind'),
      col<string>('users.id').as('id'),
      col<string>('users.displayName').as('displayName'),
      col<string | null>('users.userPrincipalName').as('userPrincipalName'),
      col<string | null>('users.mail').as('mail'),
      col<string | null>('users.mailNickname').as('mailNickname'),
      col<string | null>('users.givenName').as('givenName'),
      col<string | null>('users.surname').as('surname'),
      col<string | null>('users.department').as('department'),
      col<string | null>('users.jobTitle').as('jobTitle'),
      col<string | null>('users.userType').as('userType'),
      col<number | null>('users.accountEnabled').as('accountEnabled'),
      none<string>().as('description'),
      none<number>().as('mailEnabled'),
      none<number>().as('securityEnabled'),
      col<string>('users.createdAt').as('createdAt'),
      col<string | null>('users.sourceId').as('sourceId'),
    ]),
    'users.id',
    userIds,
  );
  const groups = whereIdIn(
    db.selectFrom('groups').select([
      sql<string>`'group'`.as('kind'),
      col<string>('groups.id').as('id'),
      col<string>('groups.displayName').as('displayName'),
      none<string>().as('userPrincipalName'),
      col<string | null>('groups.mail').as('mail'),
      col<string | null>('groups.mailNickname').as('mailNickname'),
      none<string>().as('givenName'),
      none<string>().as('surname'),
      none<string>().as('department'),
      none<string>().as('jobTitle'),
      none<string>().as('userType'),
      none<number>().as('accountEnabled'),
      col<string | null>('groups.description').as('description'),
      col<number | null>('groups.mailEnabled').as('mailEnabled'),
      col<number | null>('groups.securityEnabled').as('securityEnabled'),
      col<string>('groups.createdAt').as('createdAt'),
      col<string | null>('groups.sourceId').as('sourceId'),
    ]),
    'groups.id',
    groupIds,
  );
  return users.unionAll(groups);
}

function directoryObjectToGraph(r: DirectoryObjectRow): GraphObject {
  return r.kind === 'group' ? groupObjectToGraph(r as GroupView) : userObjectToGraph(r as UserView);
}

const memberFields: FieldMap = {
  id: { column: 'm.id', type: 'guid' },
  displayName: { column: 'm.displayName', type: 'string' },
  userPrincipalName: { column: 'm.userPrincipalName', type: 'string' },
  mail: { column: 'm.mail', type: 'string' },
  mailNickname: { column: 'm.mailNickname', type: 'string' },
  createdDateTime: { column: 'm.createdAt', type: 'datetime' },
};

export const directoryObjectSet: EntitySet<DirectoryObjectRow, DirectoryCtx> = {
  entity: 'directoryObject',
  fields: memberFields,
  properties: [...new Set([...USER_PROPERTIES, ...GROUP_PROPERTIES])],
  navigation: {},
  defaultOrder: 'displayName',
  idColumn: 'm.id',
  toGraph: directoryObjectToGraph,
  decorate: fillIdentitySources,
  // the routes that list directory objects check directory.read (or that it is the caller's own) first
  readable: () => 'all',
};

// ---- groups

/**
 * $expand=members: the first EXPANDED_MEMBERS_CAP members of each group on the page (by displayName),
 * in one query; a window function numbers the members per group so that no group can flood the page.
 */
async function expandMembers(items: GraphObject[], item: ExpandItem, ctx: DirectoryCtx): Promise<void> {
  if (item.expand.length > 0) throw new ValidationError('$expand inside $expand=members is not supported.', '$expand');
  const ids = items.map((i) => i.id);
  const links = ctx.db.selectFrom('groupMembers').where('groupMembers.groupId', 'in', ids);
  const inner = ctx.db
    .selectFrom('groupMembers as gm')
    .innerJoin(
      directoryObjects(
        ctx.db,
        links.select('groupMembers.memberId').where('groupMembers.memberType', '=', 'user'),
        links.select('groupMembers.memberId').where('groupMembers.memberType', '=', 'group'),
      ).as('m'),
      'm.id',
      'gm.memberId',
    )
    .selectAll('m')
    .select([
      'gm.groupId as parentId',
      sql<number>`row_number() over (partition by ${sql.ref('gm.groupId')} order by ${sql.ref('m.displayName')}, ${sql.ref('m.id')})`.as('rn'),
    ])
    .where('gm.groupId', 'in', ids);
  const rows = await ctx.db.selectFrom(inner.as('x')).selectAll('x').where('x.rn', '<=', EXPANDED_MEMBERS_CAP).orderBy('x.parentId').orderBy('x.rn').execute();
  const byGroup = new Map<string, GraphObject[]>();
  for (const r of rows) {
    const list = byGroup.get(r.parentId) ?? [];
    list.push(applySelect(directoryObjectSet, directoryObjectToGraph(r), item.select, []));
    byGroup.set(r.parentId, list);
  }
  for (const it of items) it.members = byGroup.get(it.id) ?? [];
}

const groupFields: FieldMap = {
  id: { column: 'groups.id', type: 'guid' },
  displayName: { column: 'groups.displayName', type: 'string' },
  description: { column: 'groups.description', type: 'string' },
  mail: { column: 'groups.mail', type: 'string' },
  mailNickname: { column: 'groups.mailNickname', type: 'string' },
  mailEnabled: { column: 'groups.mailEnabled', type: 'boolean' },
  securityEnabled: { column: 'groups.securityEnabled', type: 'boolean' },
  createdDateTime: { column: 'groups.createdAt', type: 'datetime' },
};

export const groupSet: EntitySet<GroupView, DirectoryCtx> = {
  entity: 'group',
  fields: groupFields,
  properties: GROUP_PROPERTIES,
  navigation: { members: expandMembers },
  defaultOrder: 'displayName',
  idColumn: 'groups.id',
  toGraph: groupToGraph,
  decorate: fillIdentitySources,
  // directory routes are gated by directory.read; entitlement management reaches groups through its own rule
  readable: () => 'all',
};

/** Groups where Graph returns directoryObjects (memberOf, transitiveMemberOf): typed with @odata.type. */
export const groupObjectSet: EntitySet<GroupView, DirectoryCtx> = { ...groupSet, toGraph: groupObjectToGraph };

// ---- the base queries of the routes that list groups and directory objects

/** Every group. */
export const allGroups = (db: Db) => db.selectFrom('groups').selectAll('groups');

/** The groups a user or group is a direct member of. */
export const groupsWithMember = (db: Db, memberId: string) =>
  allGroups(db).where('groups.id', 'in', db.selectFrom('groupMembers').select('groupMembers.groupId').where('groupMembers.memberId', '=', memberId));

/** The groups a user or group is in at any depth; safe on membership cycles. */
export const groupsWithMemberAtAnyDepth = async (db: Db, memberId: string) => whereIdIn(allGroups(db), 'groups.id', await transitiveGroupIds(db, memberId));

/** Users and groups as one list of directory objects, from the ids given for each. */
export const directoryObjectsIn = (db: Db, userIds: IdSource, groupIds: IdSource) => db.selectFrom(directoryObjects(db, userIds, groupIds).as('m')).selectAll('m');

/** The direct members of a group: its users, its groups, or both. */
export function membersOf(db: Db, groupId: string, withUsers: boolean, withGroups: boolean) {
  const direct = (type: 'user' | 'group') =>
    db.selectFrom('groupMembers').select('groupMembers.memberId').where('groupMembers.groupId', '=', groupId).where('groupMembers.memberType', '=', type);
  return directoryObjectsIn(db, withUsers ? direct('user') : [], withGroups ? direct('group') : []);
}

/** The members of a group at any depth: its users, its groups, or both; safe on membership cycles. */
export async function membersAtAnyDepthOf(db: Db, groupId: string, withUsers: boolean, withGroups: boolean) {
  // a membership cycle (A in B in A) makes A its own transitive member; a group is not listed inside itself
  const all = (await transitiveMemberIds(db, groupId)).filter((m) => m.id !== groupId);
  const users = all.filter((m) => m.type === 'user').map((m) => m.id);
  const groups = all.filter((m) => m.type === 'group').map((m) => m.id);
  return directoryObjectsIn(db, withUsers ? users : [], withGroups ? groups : []);
}
