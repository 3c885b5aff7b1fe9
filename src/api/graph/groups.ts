import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathParam, typed } from '../route-input.js';
import { sql, type SelectQueryBuilder, type SqlBool } from 'kysely';
import {
  DISPLAY_NAME_MAX,
  EXPANDED_MEMBERS_CAP,
  GROUP_DESCRIPTION_MAX,
  MAIL_NICKNAME_MAX,
  parseDirectoryRef,
  type DirectoryRef,
} from '../../domain/directory.js';
import { ValidationError } from '../../domain/errors.js';
import type { GroupBinds, GroupInput, GroupRow } from '../../services/groups.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { transitiveGroupIds, transitiveMemberIds } from '../../store/membership.js';
import type { Database } from '../../store/schema.js';
import { applySelect, listCollection, shapeOne, type EntitySet, type GraphObject } from '../odata/collection.js';
import type { ExpandItem } from '../odata/query-options.js';
import type { FieldMap } from '../odata/sql.js';
import { checkIfMatch, setEtag } from '../etag.js';
import { Body, CollectionOf, GraphObjectSchema, IdParams, Nullable, Text } from '../schemas.js';
import { callerOf } from '../security.js';
import { odataType, V1 } from './paths.js';
import {
  RefBody,
  USER_PROPERTIES,
  userObjectSet,
  userObjectToGraph,
  userPathId,
  UserSchema,
  type DirectoryCtx,
  type UserView,
} from './users.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the runner accepts any select query shape
type AnyQuery = SelectQueryBuilder<Database, any, any>;

export const GROUP_PROPERTIES = ['id', 'displayName', 'description', 'mail', 'mailNickname', 'mailEnabled', 'securityEnabled', 'createdDateTime'] as const;

export type GroupView = Pick<GroupRow, 'id' | 'displayName' | 'description' | 'mail' | 'mailNickname' | 'mailEnabled' | 'securityEnabled' | 'createdAt'>;

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

function directoryObjects(db: Db, userIds: IdSource, groupIds: IdSource) {
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

const directoryObjectSet: EntitySet<DirectoryObjectRow, DirectoryCtx> = {
  entity: 'directoryObject',
  fields: memberFields,
  properties: [...new Set([...USER_PROPERTIES, ...GROUP_PROPERTIES])],
  navigation: {},
  defaultOrder: 'displayName',
  idColumn: 'm.id',
  toGraph: directoryObjectToGraph,
  // the routes that list directory objects check directory.read (or that it is the caller's own) first
  readable: () => 'all',
};

function listDirectoryObjects(db: Db, req: FastifyRequest, ctx: DirectoryCtx, userIds: IdSource, groupIds: IdSource) {
  return listCollection(directoryObjectSet, db.selectFrom(directoryObjects(db, userIds, groupIds).as('m')).selectAll('m'), req, ctx);
}

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
  // directory routes are gated by directory.read; entitlement management reaches groups through its own rule
  readable: () => 'all',
};

/** Groups where Graph returns directoryObjects (memberOf, transitiveMemberOf): typed with @odata.type. */
export const groupObjectSet: EntitySet<GroupView, DirectoryCtx> = { ...groupSet, toGraph: groupObjectToGraph };

export const GroupSchema = GraphObjectSchema('group', {
  displayName: Type.String(),
  description: Nullable(Type.String()),
  mail: Nullable(Type.String()),
  mailNickname: Nullable(Type.String()),
  mailEnabled: Type.Boolean(),
  securityEnabled: Type.Boolean(),
  createdDateTime: Type.String(),
});

const DirectoryObjectSchema = GraphObjectSchema('directoryObject: a user or a group, told apart by @odata.type', {
  '@odata.type': Type.String(),
  displayName: Type.String(),
});

const Binds = (what: string) => Type.Optional(Type.Array(Type.String({ maxLength: 2048 }), {
  maxItems: 20, description: `${what} to add, as directory object URLs (…/directoryObjects/{id}, …/users/{id} or …/groups/{id})`,
}));
const GroupFields = {
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: DISPLAY_NAME_MAX })),
  description: Type.Optional(Nullable(Text(GROUP_DESCRIPTION_MAX))),
  mailEnabled: Type.Optional(Type.Boolean({ description: 'default false' })),
  mailNickname: Type.Optional(Type.String({ minLength: 1, maxLength: MAIL_NICKNAME_MAX, description: 'default: derived from displayName' })),
  securityEnabled: Type.Optional(Type.Boolean({ description: 'default true' })),
  groupTypes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), {
    maxItems: 8, description: 'Accepted for compatibility and not stored: every group here has static, assigned membership (DynamicMembership is refused).',
  })),
  'members@odata.bind': Binds('Members'),
};
const CreateGroup = Body(
  { ...GroupFields, displayName: Type.String({ minLength: 1, maxLength: DISPLAY_NAME_MAX }), 'owners@odata.bind': Binds('Owners (users)') },
  // mail is read-only in Graph (assigned to mail-enabled groups); a client echoing it back is not an error
  { readOnly: ['id', 'createdDateTime', 'mail'] },
);
const UpdateGroup = Body(GroupFields, { readOnly: ['id', 'createdDateTime', 'mail'] });

/** A create or an update body (an update has no owners@odata.bind). */
type GroupBody = Partial<Static<typeof CreateGroup>>;

function groupInput(b: GroupBody): { input: GroupInput; binds: GroupBinds } {
  if (b.groupTypes?.some((t) => t.toLowerCase() === 'dynamicmembership')) {
    throw new ValidationError('Dynamic membership groups are not supported; members are added through members/$ref or access packages.', 'groupTypes');
  }
  const refs = (urls: string[] | undefined, field: string): DirectoryRef[] | undefined => urls?.map((u) => parseDirectoryRef(u, field));
  return {
    input: { displayName: b.displayName, description: b.description, mailNickname: b.mailNickname, mailEnabled: b.mailEnabled, securityEnabled: b.securityEnabled },
    binds: { members: refs(b['members@odata.bind'], 'members@odata.bind'), owners: refs(b['owners@odata.bind'], 'owners@odata.bind') },
  };
}

const GroupIdParams = IdParams;
const MemberParams = Type.Object({ id: Type.String({ maxLength: 200 }), memberId: Type.String({ maxLength: 200 }) });

export function registerGroupRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  const ctx: DirectoryCtx = { db };
  const tags = ['groups'];
  const groupId = (req: FastifyRequest) => pathParam(req, 'id');

  app.get(`${V1}/groups`, {
    config: { auth: { tenant: 'directory.read' } },
    schema: { tags, summary: `List groups ($expand=members returns at most ${EXPANDED_MEMBERS_CAP} members per group)`, response: { 200: CollectionOf(GroupSchema) } },
  }, async (req) => listCollection(groupSet, db.selectFrom('groups').selectAll('groups'), req, ctx));

  app.post(`${V1}/groups`, {
    config: { auth: { tenant: 'directory.write' } },
    schema: {
      tags,
      summary: 'Create a group. Only displayName is required: mailEnabled defaults to false, securityEnabled to true, mailNickname is derived from displayName.',
      body: CreateGroup,
      response: { 201: GroupSchema },
    },
  }, async (req, reply) => {
    const { input, binds } = groupInput(req.body);
    const row = await services.groups.create(callerOf(req), input as GroupInput & { displayName: string }, binds);
    const obj = groupToGraph(row);
    setEtag(reply, obj);
    return reply.status(201).header('Location', `${V1}/groups/${row.id}`).send(obj);
  });

  app.get(`${V1}/groups/:id`, {
    config: { auth: { tenant: 'directory.read' } },
    schema: { tags, summary: `Get a group ($expand=members returns at most ${EXPANDED_MEMBERS_CAP} members)`, params: GroupIdParams, response: { 200: GroupSchema } },
  }, async (req, reply) => {
    const row = await services.groups.get(groupId(req));
    setEtag(reply, groupToGraph(row));
    return shapeOne(groupSet, row, req, ctx);
  });

  app.patch(`${V1}/groups/:id`, {
    config: { auth: { tenant: 'directory.write' } },
    schema: { tags, summary: 'Update a group; members@odata.bind adds up to 20 members (If-Match supported)', params: GroupIdParams, body: UpdateGroup, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const { input, binds } = groupInput(req.body);
    await services.groups.update(callerOf(req), groupId(req), input, binds, (cur) => checkIfMatch(req, groupToGraph(cur)));
    return reply.status(204).send(null);
  });

  app.delete(`${V1}/groups/:id`, {
    config: { auth: { tenant: 'directory.write' } },
    schema: { tags, summary: 'Delete a group that is not a resource in any catalog', params: GroupIdParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await services.groups.delete(callerOf(req), groupId(req), (cur) => checkIfMatch(req, groupToGraph(cur)));
    return reply.status(204).send(null);
  });

  // ---- members

  const direct = (gid: string, type: 'user' | 'group') =>
    db.selectFrom('groupMembers').select('groupMembers.memberId').where('groupMembers.groupId', '=', gid).where('groupMembers.memberType', '=', type);
  const transitive = async (gid: string) => {
    // a membership cycle (A in B in A) makes A its own transitive member; a group is not listed inside itself
    const all = (await transitiveMemberIds(db, gid)).filter((m) => m.id !== gid);
    return { users: all.filter((m) => m.type === 'user').map((m) => m.id), groups: all.filter((m) => m.type === 'group').map((m) => m.id) };
  };
  const only = { all: [true, true], 'microsoft.graph.user': [true, false], 'microsoft.graph.group': [false, true] } as const;

  for (const [cast, [withUsers, withGroups]] of Object.entries(only)) {
    const suffix = cast === 'all' ? '' : `/${cast}`;
    const what = cast === 'all' ? 'users and groups' : cast === 'microsoft.graph.user' ? 'users' : 'groups';
    app.get(`${V1}/groups/:id/members${suffix}`, {
      config: { auth: { tenant: 'directory.read' } },
      schema: { tags, summary: `Direct members of a group (${what})`, params: GroupIdParams, response: { 200: CollectionOf(DirectoryObjectSchema) } },
    }, async (req) => {
      const g = await services.groups.get(groupId(req));
      return listDirectoryObjects(db, req, ctx, withUsers ? direct(g.id, 'user') : [], withGroups ? direct(g.id, 'group') : []);
    });

    app.get(`${V1}/groups/:id/transitiveMembers${suffix}`, {
      config: { auth: { tenant: 'directory.read' } },
      schema: { tags, summary: `Members of a group at any depth (${what}); safe on membership cycles`, params: GroupIdParams, response: { 200: CollectionOf(DirectoryObjectSchema) } },
    }, async (req) => {
      const g = await services.groups.get(groupId(req));
      const t = await transitive(g.id);
      return listDirectoryObjects(db, req, ctx, withUsers ? t.users : [], withGroups ? t.groups : []);
    });
  }

  app.post(`${V1}/groups/:id/members/$ref`, {
    config: { auth: { tenant: 'directory.write' } },
    schema: { tags, summary: 'Add a user or group as a member', params: GroupIdParams, body: RefBody, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await services.groups.addMember(callerOf(req), groupId(req), parseDirectoryRef(req.body['@odata.id']));
    return reply.status(204).send(null);
  });

  app.delete(`${V1}/groups/:id/members/:memberId/$ref`, {
    config: { auth: { tenant: 'directory.write' } },
    schema: { tags, summary: 'Remove a member', params: MemberParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const { id, memberId } = req.params;
    await services.groups.removeMember(callerOf(req), id, memberId);
    return reply.status(204).send(null);
  });

  // ---- owners (users)

  app.get(`${V1}/groups/:id/owners`, {
    config: { auth: { tenant: 'directory.read' } },
    schema: { tags, summary: 'Owners of a group (users)', params: GroupIdParams, response: { 200: CollectionOf(UserSchema) } },
  }, async (req) => {
    const g = await services.groups.get(groupId(req));
    const owners = db.selectFrom('groupOwners').select('groupOwners.userId').where('groupOwners.groupId', '=', g.id);
    return listCollection(userObjectSet, db.selectFrom('users').selectAll('users').where('users.id', 'in', owners), req, ctx);
  });

  app.post(`${V1}/groups/:id/owners/$ref`, {
    config: { auth: { tenant: 'directory.write' } },
    schema: { tags, summary: 'Add a user as an owner', params: GroupIdParams, body: RefBody, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await services.groups.addOwner(callerOf(req), groupId(req), parseDirectoryRef(req.body['@odata.id']));
    return reply.status(204).send(null);
  });

  app.delete(`${V1}/groups/:id/owners/:memberId/$ref`, {
    config: { auth: { tenant: 'directory.write' } },
    schema: { tags, summary: 'Remove an owner', params: MemberParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const { id, memberId } = req.params;
    await services.groups.removeOwner(callerOf(req), id, memberId);
    return reply.status(204).send(null);
  });

  // ---- a user's groups (here because they are lists of groups); readable for oneself or with directory.read

  const memberOf = async (req: FastifyRequest) => {
    const user = await services.users.get(userPathId(req));
    const groupIds = db.selectFrom('groupMembers').select('groupMembers.groupId').where('groupMembers.memberId', '=', user.id);
    return listCollection(groupObjectSet, db.selectFrom('groups').selectAll('groups').where('groups.id', 'in', groupIds), req, ctx);
  };
  const transitiveMemberOf = async (req: FastifyRequest) => {
    const user = await services.users.get(userPathId(req));
    return listCollection(groupObjectSet, whereIdIn(db.selectFrom('groups').selectAll('groups'), 'groups.id', await transitiveGroupIds(db, user.id)), req, ctx);
  };
  const listSchema = (summary: string, withParams: boolean) => ({
    tags: ['users'], summary, ...(withParams ? { params: IdParams } : {}), response: { 200: CollectionOf(GroupSchema) },
  });
  const authenticated = { auth: { authenticated: true as const } };
  app.get(`${V1}/me/memberOf`, { config: authenticated, schema: listSchema('Groups the signed-in user is a direct member of', false) }, memberOf);
  app.get(`${V1}/users/:id/memberOf`, { config: authenticated, schema: listSchema('Groups a user is a direct member of', true) }, memberOf);
  app.get(`${V1}/me/transitiveMemberOf`, { config: authenticated, schema: listSchema('Groups the signed-in user is in, at any depth', false) }, transitiveMemberOf);
  app.get(`${V1}/users/:id/transitiveMemberOf`, { config: authenticated, schema: listSchema('Groups a user is in, at any depth; safe on membership cycles', true) }, transitiveMemberOf);
}
