import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathParam, typed } from '../route-input.js';
import {
  DISPLAY_NAME_MAX,
  EXPANDED_MEMBERS_CAP,
  GROUP_DESCRIPTION_MAX,
  MAIL_NICKNAME_MAX,
  parseDirectoryRef,
  type DirectoryRef,
} from '../../domain/directory.js';
import { ValidationError } from '../../domain/errors.js';
import type { GroupBinds, GroupInput } from '../../services/groups.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { listCollection, shapeOne } from '../odata/collection.js';
import { ODataQuery, type ODataRouteRequest } from '../odata/query-options.js';
import {
  allGroups,
  directoryObjectSet,
  groupObjectSet,
  groupSet,
  groupsWithMember,
  groupsWithMemberAtAnyDepth,
  groupToGraph,
  membersAtAnyDepthOf,
  membersOf,
} from '../read/groups.js';
import { ownersOf, userObjectSet, type DirectoryCtx } from '../read/users.js';
import { checkIfMatch, setEtag } from '../etag.js';
import { Body, CollectionOf, GraphObjectSchema, IdParams, Nullable, Text } from '../schemas.js';
import { callerOf } from '../security.js';
import { V1 } from './paths.js';
import { RefBody, userPathId, UserSchema } from './users.js';

export const GroupSchema = GraphObjectSchema('group', {
  displayName: Type.String(),
  description: Nullable(Type.String()),
  mail: Nullable(Type.String()),
  mailNickname: Nullable(Type.String()),
  mailEnabled: Type.Boolean(),
  securityEnabled: Type.Boolean(),
  createdDateTime: Type.String(),
  identitySource: Nullable(Type.Object({ id: Type.String(), displayName: Nullable(Type.String()), kind: Nullable(Type.String()) }, {
    description: 'read-only: the identity source (SCIM provisioning, LDAP sync) that owns the object; null when it was made in Latchkey. The attributes a source owns cannot be changed here.',
  })),
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
  { readOnly: ['id', 'createdDateTime', 'mail', 'identitySource'] },
);
const UpdateGroup = Body(GroupFields, { readOnly: ['id', 'createdDateTime', 'mail', 'identitySource'] });

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
    schema: { tags, summary: `List groups ($expand=members returns at most ${EXPANDED_MEMBERS_CAP} members per group)`, querystring: ODataQuery, response: { 200: CollectionOf(GroupSchema) } },
  }, async (req) => listCollection(groupSet, allGroups(db), req, ctx));

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
    schema: { tags, summary: `Get a group ($expand=members returns at most ${EXPANDED_MEMBERS_CAP} members)`, params: GroupIdParams, querystring: ODataQuery, response: { 200: GroupSchema } },
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

  const only = { all: [true, true], 'microsoft.graph.user': [true, false], 'microsoft.graph.group': [false, true] } as const;

  for (const [cast, [withUsers, withGroups]] of Object.entries(only)) {
    const suffix = cast === 'all' ? '' : `/${cast}`;
    const what = cast === 'all' ? 'users and groups' : cast === 'microsoft.graph.user' ? 'users' : 'groups';
    app.get(`${V1}/groups/:id/members${suffix}`, {
      config: { auth: { tenant: 'directory.read' } },
      schema: { tags, summary: `Direct members of a group (${what})`, params: GroupIdParams, querystring: ODataQuery, response: { 200: CollectionOf(DirectoryObjectSchema) } },
    }, async (req) => {
      const g = await services.groups.get(groupId(req));
      return listCollection(directoryObjectSet, membersOf(db, g.id, withUsers, withGroups), req, ctx);
    });

    app.get(`${V1}/groups/:id/transitiveMembers${suffix}`, {
      config: { auth: { tenant: 'directory.read' } },
      schema: { tags, summary: `Members of a group at any depth (${what}); safe on membership cycles`, params: GroupIdParams, querystring: ODataQuery, response: { 200: CollectionOf(DirectoryObjectSchema) } },
    }, async (req) => {
      const g = await services.groups.get(groupId(req));
      return listCollection(directoryObjectSet, await membersAtAnyDepthOf(db, g.id, withUsers, withGroups), req, ctx);
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
    schema: { tags, summary: 'Owners of a group (users)', params: GroupIdParams, querystring: ODataQuery, response: { 200: CollectionOf(UserSchema) } },
  }, async (req) => {
    const g = await services.groups.get(groupId(req));
    return listCollection(userObjectSet, ownersOf(db, g.id), req, ctx);
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

  const memberOf = async (req: ODataRouteRequest) => {
    const user = await services.users.get(userPathId(req));
    return listCollection(groupObjectSet, groupsWithMember(db, user.id), req, ctx);
  };
  const transitiveMemberOf = async (req: ODataRouteRequest) => {
    const user = await services.users.get(userPathId(req));
    return listCollection(groupObjectSet, await groupsWithMemberAtAnyDepth(db, user.id), req, ctx);
  };
  const listSchema = (summary: string, withParams: boolean) => ({
    tags: ['users'], summary, ...(withParams ? { params: IdParams } : {}), querystring: ODataQuery, response: { 200: CollectionOf(GroupSchema) },
  });
  const authenticated = { auth: { authenticated: true as const } };
  app.get(`${V1}/me/memberOf`, { config: authenticated, schema: listSchema('Groups the signed-in user is a direct member of', false) }, memberOf);
  app.get(`${V1}/users/:id/memberOf`, { config: authenticated, schema: listSchema('Groups a user is a direct member of', true) }, memberOf);
  app.get(`${V1}/me/transitiveMemberOf`, { config: authenticated, schema: listSchema('Groups the signed-in user is in, at any depth', false) }, transitiveMemberOf);
  app.get(`${V1}/users/:id/transitiveMemberOf`, { config: authenticated, schema: listSchema('Groups a user is in, at any depth; safe on membership cycles', true) }, transitiveMemberOf);
}
