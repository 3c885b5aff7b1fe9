import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { optionalPathParam, typed } from '../route-input.js';
import { canTenant, type Principal } from '../../domain/authorization.js';
import {
  DISPLAY_NAME_MAX,
  isSelfReference,
  MAIL_MAX,
  MAIL_NICKNAME_MAX,
  parseDirectoryRef,
  TEXT_MAX,
  UPN_MAX,
  USER_TYPES,
  type UserType,
} from '../../domain/directory.js';
import { ForbiddenError } from '../../domain/errors.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { listCollection, shapeOne } from '../odata/collection.js';
import { ODataQuery, type ODataRouteRequest } from '../odata/query-options.js';
import { canonicalEnum } from '../odata/sql.js';
import { allUsers, directReportsOf, userObjectSet, userSet, userToGraph, type DirectoryCtx } from '../read/users.js';
import { checkIfMatch, setEtag } from '../etag.js';
import { Body, CollectionOf, EnumString, GraphObjectSchema, IdParams, Nullable, Text } from '../schemas.js';
import { callerOf } from '../security.js';
import { V1 } from './paths.js';

export const UserSchema = GraphObjectSchema('user', {
  displayName: Type.String(),
  userPrincipalName: Type.String(),
  mail: Nullable(Type.String()),
  mailNickname: Nullable(Type.String()),
  givenName: Nullable(Type.String()),
  surname: Nullable(Type.String()),
  department: Nullable(Type.String()),
  jobTitle: Nullable(Type.String()),
  userType: Type.String(),
  accountEnabled: Type.Boolean(),
  createdDateTime: Type.String(),
  identitySource: Nullable(Type.Object({ id: Type.String(), displayName: Nullable(Type.String()), kind: Nullable(Type.String()) }, {
    description: 'read-only: the identity source (SCIM provisioning, LDAP sync) that owns the object; null when it was made in Latchkey. The attributes a source owns cannot be changed here.',
  })),
});

const PasswordProfile = Type.Object(
  {
    forceChangePasswordNextSignIn: Type.Optional(Type.Boolean()),
    forceChangePasswordNextSignInWithMfa: Type.Optional(Type.Boolean()),
    password: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  },
  {
    additionalProperties: false,
    description: 'Accepted so that Graph clients work unchanged, then discarded: it is never stored, logged or returned. People sign in through the identity provider.',
  },
);

const UserFields = {
  accountEnabled: Type.Optional(Type.Boolean({ description: 'default true' })),
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: DISPLAY_NAME_MAX })),
  userPrincipalName: Type.Optional(Type.String({ minLength: 1, maxLength: UPN_MAX, description: 'name@domain; unique, compared case-insensitively' })),
  mailNickname: Type.Optional(Type.String({ minLength: 1, maxLength: MAIL_NICKNAME_MAX, description: 'default: the part of userPrincipalName before @' })),
  passwordProfile: Type.Optional(PasswordProfile),
  mail: Type.Optional(Nullable(Text(MAIL_MAX))),
  givenName: Type.Optional(Nullable(Text(TEXT_MAX))),
  surname: Type.Optional(Nullable(Text(TEXT_MAX))),
  department: Type.Optional(Nullable(Text(TEXT_MAX))),
  jobTitle: Type.Optional(Nullable(Text(TEXT_MAX))),
  userType: Type.Optional(EnumString(USER_TYPES, 'default Member')),
};
const CreateUser = Body({
  ...UserFields,
  displayName: Type.String({ minLength: 1, maxLength: DISPLAY_NAME_MAX }),
  userPrincipalName: Type.String({ minLength: 1, maxLength: UPN_MAX, description: 'name@domain; unique, compared case-insensitively' }),
}, { readOnly: ['id', 'createdDateTime', 'modifiedDateTime', 'identitySource'] });
const UpdateUser = Body(UserFields, { readOnly: ['id', 'createdDateTime', 'modifiedDateTime', 'identitySource'] });

type UserBody = Static<typeof UpdateUser>;

/** Maps a request body to service input. passwordProfile stops here: it is never passed on. */
function userInput<B extends UserBody>(b: B) {
  const { passwordProfile: _discarded, userType, ...all } = b;
  // read-only properties a client echoes back are ignored
  const { id: _id, createdDateTime: _created, modifiedDateTime: _modified, identitySource: _source, ...rest } = all as typeof all & Record<'id' | 'createdDateTime' | 'modifiedDateTime' | 'identitySource', unknown>;
  return { ...rest, userType: userType === undefined ? undefined : (canonicalEnum(USER_TYPES, userType, 'userType') as UserType) };
}

/** `{"@odata.id": "https://…/users/{id}"}` as Graph clients send for $ref writes. */
export const RefBody = Body({ '@odata.id': Type.String({ minLength: 1, maxLength: 2048 }) });

export const UserIdParams = IdParams;

/** Anyone signed in may read themselves; reading anyone else needs directory.read. Checked before any lookup, so a 403 reveals nothing. */
export function assertCanReadUser(p: Principal, idOrUpn: string): void {
  if (isSelfReference(idOrUpn, p)) return;
  if (!canTenant(p, 'directory.read')) throw new ForbiddenError("Reading other users needs the 'directory.read' permission.");
}

/** The user a /users/{id} or /me path names, after the read check. */
export function userPathId(req: FastifyRequest): string {
  const p = req.principal!;
  const id = optionalPathParam(req, 'id') ?? p.userId;
  assertCanReadUser(p, id);
  return id;
}

export function registerUserRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  const ctx: DirectoryCtx = { db };
  const tags = ['users'];

  app.get(`${V1}/users`, {
    config: { auth: { tenant: 'directory.read' } },
    schema: { tags, summary: 'List users', querystring: ODataQuery, response: { 200: CollectionOf(UserSchema) } },
  }, async (req) => listCollection(userSet, allUsers(db), req, ctx));

  app.post(`${V1}/users`, {
    config: { auth: { tenant: 'directory.write' } },
    schema: { tags, summary: 'Create a user (passwordProfile is accepted and discarded)', body: CreateUser, response: { 201: UserSchema } },
  }, async (req, reply) => {
    const row = await services.users.create(callerOf(req), userInput(req.body));
    const obj = userToGraph(row);
    setEtag(reply, obj);
    return reply.status(201).header('Location', `${V1}/users/${row.id}`).send(obj);
  });

  app.get(`${V1}/me`, {
    config: { auth: { authenticated: true } },
    schema: { tags, summary: 'The signed-in user', querystring: ODataQuery, response: { 200: UserSchema } },
  }, async (req, reply) => {
    const row = await services.users.get(req.principal!.userId);
    setEtag(reply, userToGraph(row));
    return shapeOne(userSet, row, req, ctx);
  });

  app.get(`${V1}/users/:id`, {
    config: { auth: { authenticated: true } },
    schema: { tags, summary: 'Get a user by id or userPrincipalName (yourself, or anyone with directory.read)', params: UserIdParams, querystring: ODataQuery, response: { 200: UserSchema } },
  }, async (req, reply) => {
    const row = await services.users.get(userPathId(req));
    setEtag(reply, userToGraph(row));
    return shapeOne(userSet, row, req, ctx);
  });

  app.patch(`${V1}/users/:id`, {
    config: { auth: { tenant: 'directory.write' } },
    schema: { tags, summary: 'Update a user (If-Match supported; passwordProfile is accepted and discarded)', params: UserIdParams, body: UpdateUser, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const { id } = req.params;
    await services.users.update(callerOf(req), id, userInput(req.body), (cur) => checkIfMatch(req, userToGraph(cur)));
    return reply.status(204).send(null);
  });

  app.delete(`${V1}/users/:id`, {
    config: { auth: { tenant: 'directory.write' } },
    schema: { tags, summary: 'Delete a user that holds no active access package assignments', params: UserIdParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const { id } = req.params;
    await services.users.delete(callerOf(req), id, (cur) => checkIfMatch(req, userToGraph(cur)));
    return reply.status(204).send(null);
  });

  // ---- manager and direct reports

  const getManager = async (req: ODataRouteRequest) => shapeOne(userObjectSet, await services.users.getManager(userPathId(req)), req, ctx);
  const managerSchema = (summary: string, params?: typeof UserIdParams) => ({
    tags, summary, ...(params ? { params } : {}), querystring: ODataQuery, response: { 200: UserSchema },
  });
  app.get(`${V1}/me/manager`, { config: { auth: { authenticated: true } }, schema: managerSchema("The signed-in user's manager") }, getManager);
  app.get(`${V1}/users/:id/manager`, {
    config: { auth: { authenticated: true } },
    schema: managerSchema("A user's manager (404 Request_ResourceNotFound when none)", UserIdParams),
  }, getManager);

  app.put(`${V1}/users/:id/manager/$ref`, {
    config: { auth: { tenant: 'directory.write' } },
    schema: { tags, summary: "Set a user's manager; refuses self and cycles", params: UserIdParams, body: RefBody, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const { id } = req.params;
    await services.users.setManager(callerOf(req), id, parseDirectoryRef(req.body['@odata.id']));
    return reply.status(204).send(null);
  });

  app.delete(`${V1}/users/:id/manager/$ref`, {
    config: { auth: { tenant: 'directory.write' } },
    schema: { tags, summary: "Remove a user's manager", params: UserIdParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await services.users.removeManager(callerOf(req), req.params.id);
    return reply.status(204).send(null);
  });

  app.get(`${V1}/users/:id/directReports`, {
    config: { auth: { tenant: 'directory.read' } },
    schema: { tags, summary: 'Users whose manager is this user', params: UserIdParams, querystring: ODataQuery, response: { 200: CollectionOf(UserSchema) } },
  }, async (req) => {
    const user = await services.users.get(req.params.id);
    return listCollection(userObjectSet, directReportsOf(db, user.id), req, ctx);
  });
}
