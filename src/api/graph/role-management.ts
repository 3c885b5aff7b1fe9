import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { typed } from '../route-input.js';
import { findRoleDefinition } from '../../domain/authorization.js';
import { ForbiddenError, NotFoundError } from '../../domain/errors.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { listCollection, shapeOne } from '../odata/collection.js';
import { ODataQuery } from '../odata/query-options.js';
import { roleAssignmentSet, roleAssignmentToGraph, visibleRoleAssignments } from '../read/role-assignments.js';
import { listRoleDefinitions, shapeRoleDefinition } from '../read/role-definitions.js';
import { Body, CollectionOf, GraphObjectSchema, IdParams, Nullable } from '../schemas.js';
import { callerOf } from '../security.js';
import { ROLE_MGMT } from './paths.js';

const RoleDefinitionSchema = GraphObjectSchema('unifiedRoleDefinition', {
  displayName: Type.String(),
  description: Nullable(Type.String()),
  isBuiltIn: Type.Boolean(),
  isEnabled: Type.Boolean(),
  templateId: Type.String(),
  rolePermissions: Type.Array(Type.Unknown()),
});

const RoleAssignmentSchema = GraphObjectSchema('unifiedRoleAssignment', {
  principalId: Type.String(),
  roleDefinitionId: Type.String(),
  appScopeId: Type.String(),
  directoryScopeId: Nullable(Type.String()),
});

const CreateRoleAssignment = Body({
  principalId: Type.String({ maxLength: 200, description: 'id of a user or group' }),
  roleDefinitionId: Type.String({ maxLength: 200 }),
  appScopeId: Type.Optional(Nullable(Type.String({ maxLength: 300, description: "'/' for tenant roles, '/AccessPackageCatalog/{catalogId}' for catalog roles" }))),
  directoryScopeId: Type.Optional(Nullable(Type.String({ maxLength: 300, description: "older form: '/' only" }))),
});

// Role assignment routes are { authenticated: true } on purpose: who may create or remove an
// assignment depends on the role and catalog in the body or the stored row (canAssignRole), and who
// may read one on its catalog, so the service and handlers check it once those are known.
export function registerRoleManagementRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  const svc = services.roleAssignments;

  // role definitions are the product's fixed, documented role catalogue: any signed-in caller may read them
  app.get(`${ROLE_MGMT}/roleDefinitions`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['roleManagement'], summary: 'List entitlement management role definitions', querystring: ODataQuery, response: { 200: CollectionOf(RoleDefinitionSchema) } },
  }, async (req) => listRoleDefinitions(req));

  app.get(`${ROLE_MGMT}/roleDefinitions/:id`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['roleManagement'], summary: 'Get a role definition', params: IdParams, querystring: ODataQuery, response: { 200: RoleDefinitionSchema } },
  }, async (req) => {
    const { id } = req.params;
    const def = findRoleDefinition(id);
    if (!def) throw new NotFoundError('Role definition', id);
    return shapeRoleDefinition(def, req);
  });

  app.get(`${ROLE_MGMT}/roleAssignments`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['roleManagement'], summary: 'List role assignments the caller may read', querystring: ODataQuery, response: { 200: CollectionOf(RoleAssignmentSchema) } },
  }, async (req) => {
    const p = req.principal!;
    return listCollection(roleAssignmentSet, visibleRoleAssignments(db, await svc.visibility(p)), req, { db, principal: p });
  });

  app.post(`${ROLE_MGMT}/roleAssignments`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['roleManagement'], summary: 'Assign a role at the tenant or in a catalog', body: CreateRoleAssignment, response: { 201: RoleAssignmentSchema } },
  }, async (req, reply) => {
    const row = await svc.create(callerOf(req), req.body);
    return reply.status(201).header('Location', `${ROLE_MGMT}/roleAssignments/${row.id}`).send(roleAssignmentToGraph(row));
  });

  app.get(`${ROLE_MGMT}/roleAssignments/:id`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['roleManagement'], summary: 'Get a role assignment', params: IdParams, querystring: ODataQuery, response: { 200: RoleAssignmentSchema } },
  }, async (req) => {
    const p = req.principal!;
    const row = await svc.get(req.params.id);
    if (!(await svc.canSee(p, row))) throw new ForbiddenError(`This needs the 'catalog.read' permission in the assignment's catalog.`);
    return shapeOne(roleAssignmentSet, row, req, { db, principal: p });
  });

  app.delete(`${ROLE_MGMT}/roleAssignments/:id`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['roleManagement'], summary: 'Remove a role assignment', params: IdParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await svc.delete(callerOf(req), req.params.id);
    return reply.status(204).send(null);
  });
}
