import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathParam, typed, validatedBody } from '../route-input.js';
import { catalogsWhere } from '../../domain/authorization.js';
import { ForbiddenError, ValidationError } from '../../domain/errors.js';
import { REQUEST_TYPES, RESOURCE_REQUEST_TYPES, type ResourceRequestType } from '../../domain/resources.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { listCollection, shapeOne } from '../odata/collection.js';
import { ODataQuery } from '../odata/query-options.js';
import { canonicalEnum } from '../odata/sql.js';
import {
  allResources, resourceRequestSet, resourceRequestsReadBy, resourceRequestToGraph, resourceRoleSet, resourceScopeSet, resourceSet, resourcesOfCatalog,
  resourceToGraph, rolesOfCatalog, rolesOfResource, roleToGraph, scopesOfCatalog, scopesOfResource, scopeToGraph,
} from '../read/resources.js';
import { allEnvironments, environmentToGraph, resourceEnvironmentSet } from '../read/resource-environments.js';
import { Body, CollectionOf, EnumString, GraphObjectSchema, IdParams, Nullable, Ref } from '../schemas.js';
import { callerOf } from '../security.js';
import type { GraphCtx } from './catalogs.js';
import { EM } from './paths.js';

// Catalog resources, their roles and scopes, and the resource requests that add and remove them.


const ResourceSchema = GraphObjectSchema('accessPackageResource', {
  displayName: Type.String(),
  description: Nullable(Type.String()),
  originId: Type.String(),
  originSystem: Type.String(),
  attributes: Type.Array(Type.Any()),
  createdDateTime: Type.String(),
  modifiedDateTime: Type.String(),
});
const EnvironmentSchema = GraphObjectSchema('accessPackageResourceEnvironment', {
  originId: Type.String(),
  originSystem: Type.String(),
  displayName: Type.String(),
  description: Nullable(Type.String()),
  isDefaultEnvironment: Type.Boolean(),
  connectionInfo: Type.Object({ url: Nullable(Type.String()) }),
  createdDateTime: Type.String(),
  modifiedDateTime: Type.String(),
});
const RoleSchema = GraphObjectSchema('accessPackageResourceRole');
const ScopeSchema = GraphObjectSchema('accessPackageResourceScope');
const RequestSchema = GraphObjectSchema('accessPackageResourceRequest', {
  requestType: Type.String(),
  state: Type.String(),
  createdDateTime: Type.String(),
});

const ResourceRefBody = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 200 })),
    originId: Type.Optional(Type.String({ minLength: 1, maxLength: 400 })),
    originSystem: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    displayName: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
    description: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
    environment: Type.Optional(Nullable(Type.Object(
      { id: Type.Optional(Type.String({ maxLength: 200 })) },
      { additionalProperties: true, description: 'The connection a LdapGroup, ScimGroup, PostgresRole or Webhook resource lives in; optional when there is one connection of that kind' },
    ))),
  },
  // clients often send back a resource object they read earlier: extra read-only properties are ignored
  { additionalProperties: true },
);
const CreateResourceRequest = Body(
  {
    requestType: EnumString(REQUEST_TYPES, 'adminAdd adds the resource to the catalog, adminRemove removes it'),
    resource: ResourceRefBody,
    catalog: Type.Optional(Ref),
    /** the beta API named the catalog this way */
    catalogId: Type.Optional(Type.String({ maxLength: 200 })),
    justification: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
  },
  { readOnly: ['id', 'createdDateTime', 'state'] },
);


function requestTypeOf(raw: string): ResourceRequestType {
  const t = canonicalEnum(REQUEST_TYPES, raw, 'requestType');
  if (!(RESOURCE_REQUEST_TYPES as readonly string[]).includes(t)) {
    throw new ValidationError(`requestType '${t}' is not supported for resource requests; use one of: ${RESOURCE_REQUEST_TYPES.join(', ')}.`, 'requestType');
  }
  return t as ResourceRequestType;
}

export function registerResourceRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  const ctxOf = (req: FastifyRequest): GraphCtx => ({ db, principal: req.principal! });
  const catalogOfParam = async (req: FastifyRequest) => (await services.catalogs.get(pathParam(req, 'id'))).id;

  /** The catalog a resource request is about; it decides the permission check. */
  const catalogOfRequestBody = async (req: FastifyRequest): Promise<string> => {
    const b = validatedBody(req, CreateResourceRequest);
    requestTypeOf(b.requestType);
    const fromBody = b.catalog?.id ?? b.catalogId;
    if (b.catalog?.id && b.catalogId && b.catalog.id.toLowerCase() !== b.catalogId.toLowerCase()) {
      throw new ValidationError("'catalog.id' and 'catalogId' name different catalogs.", 'catalog.id');
    }
    if (fromBody) return (await services.catalogs.get(fromBody.toLowerCase())).id;
    if (b.resource.id) return services.resources.catalogOfResource(b.resource.id);
    throw new ValidationError("'catalog.id' is required: the catalog to add the resource to or remove it from.", 'catalog.id');
  };

  /** A connected resource's environment, inline in the answer of its adminAdd (elsewhere $expand=environment). */
  const environmentOf = async (connectionId: string | null) => {
    if (!connectionId) return {};
    const row = await allEnvironments(db).where('connections.id', '=', connectionId).executeTakeFirst();
    return { environment: row ? environmentToGraph(row) : null };
  };

  app.get(`${EM}/resourceRequests`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['resources'], summary: 'List resource requests of the catalogs the caller may read', querystring: ODataQuery, response: { 200: CollectionOf(RequestSchema) } },
  }, async (req) => listCollection(resourceRequestSet, resourceRequestsReadBy(db, req.principal!), req, ctxOf(req)));

  app.get(`${EM}/resourceRequests/:id`, {
    config: { auth: { catalog: 'catalog.read', of: async (req) => (await services.resources.getRequest(pathParam(req, 'id'))).catalogId } },
    schema: { tags: ['resources'], summary: 'Get a resource request', params: IdParams, querystring: ODataQuery, response: { 200: RequestSchema } },
  }, async (req) => {
    const row = await services.resources.getRequest(req.params.id);
    return shapeOne(resourceRequestSet, row, req, ctxOf(req));
  });

  app.post(`${EM}/resourceRequests`, {
    config: { auth: { catalog: 'catalog.resources.write', of: catalogOfRequestBody } },
    schema: {
      tags: ['resources'],
      summary: 'Add a resource to a catalog (adminAdd) or remove it (adminRemove)',
      description: 'Adding also needs rights on the resource itself (for a group: being its owner) unless the caller is an administrator.',
      body: CreateResourceRequest,
      response: { 201: RequestSchema },
    },
  }, async (req, reply) => {
    const b = req.body;
    const catalogId = await catalogOfRequestBody(req);
    const r = await services.resources.submitRequest(callerOf(req), { requestType: requestTypeOf(b.requestType), catalogId, resource: b.resource });
    const body = {
      ...resourceRequestToGraph(r.request),
      catalog: { id: catalogId },
      resource: { ...resourceToGraph(r.resource), roles: r.roles.map(roleToGraph), scopes: r.scopes.map(scopeToGraph), ...(await environmentOf(r.resource.connectionId)) },
    };
    return reply.status(201).header('Location', `${EM}/resourceRequests/${r.request.id}`).send(body);
  });

  app.get(`${EM}/catalogs/:id/resources`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: { tags: ['resources'], summary: "List a catalog's resources ($expand=roles,scopes)", params: IdParams, querystring: ODataQuery, response: { 200: CollectionOf(ResourceSchema) } },
  }, async (req) => {
    const catalogId = await catalogOfParam(req);
    return listCollection(resourceSet, resourcesOfCatalog(db, catalogId), req, ctxOf(req));
  });

  app.get(`${EM}/catalogs/:id/resources/:resourceId`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: {
      tags: ['resources'], summary: 'Get a resource of a catalog',
      params: Type.Object({ id: Type.String({ maxLength: 200 }), resourceId: Type.String({ maxLength: 200 }) }),
      querystring: ODataQuery,
      response: { 200: ResourceSchema },
    },
  }, async (req) => {
    const { resourceId } = req.params;
    const row = await services.resources.getResource(await catalogOfParam(req), resourceId);
    return shapeOne(resourceSet, row, req, ctxOf(req));
  });

  // the roles and scopes of one resource of a catalog (Graph's navigation paths under resources/{id})
  const ResourceParams = Type.Object({ id: Type.String({ maxLength: 200 }), resourceId: Type.String({ maxLength: 200 }) });
  app.get(`${EM}/catalogs/:id/resources/:resourceId/roles`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: { tags: ['resources'], summary: 'List the roles of a resource of a catalog ($expand=resource)', params: ResourceParams, querystring: ODataQuery, response: { 200: CollectionOf(RoleSchema) } },
  }, async (req) => {
    const resource = await services.resources.getResource(await catalogOfParam(req), req.params.resourceId);
    return listCollection(resourceRoleSet, rolesOfResource(db, resource.id), req, ctxOf(req));
  });

  app.get(`${EM}/catalogs/:id/resources/:resourceId/scopes`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: { tags: ['resources'], summary: 'List the scopes of a resource of a catalog ($expand=resource)', params: ResourceParams, querystring: ODataQuery, response: { 200: CollectionOf(ScopeSchema) } },
  }, async (req) => {
    const resource = await services.resources.getResource(await catalogOfParam(req), req.params.resourceId);
    return listCollection(resourceScopeSet, scopesOfResource(db, resource.id), req, ctxOf(req));
  });

  // tenant-wide: the resources of every catalog the caller reads (the resource read rule narrows the list)
  app.get(`${EM}/resources`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['resources'], summary: "List the resources of the catalogs the caller may read (catalog.read; $expand=roles,scopes)", querystring: ODataQuery, response: { 200: CollectionOf(ResourceSchema) } },
  }, async (req) => listCollection(resourceSet, allResources(db), req, ctxOf(req)));

  // Latchkey's environments are its connections to target systems (LDAP, SCIM, PostgreSQL, webhooks), where
  // connected resources live. Still a catalog permission: a caller who may read no catalog is refused,
  // as for any catalog data.
  app.get(`${EM}/resourceEnvironments`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['resources'], summary: 'List resource environments: the connections to target systems (catalog.read in some catalog)', querystring: ODataQuery, response: { 200: CollectionOf(EnvironmentSchema) } },
  }, async (req) => {
    const readable = catalogsWhere(req.principal!, 'catalog.read');
    if (readable !== 'all' && readable.length === 0) throw new ForbiddenError("Listing resource environments needs the 'catalog.read' permission in a catalog.");
    return listCollection(resourceEnvironmentSet, allEnvironments(db), req, ctxOf(req));
  });

  app.get(`${EM}/catalogs/:id/resourceRoles`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: {
      tags: ['resources'], summary: "List the roles of a catalog's resources ($filter=originSystem eq 'AadGroup' and resource/id eq '…', $expand=resource)",
      params: IdParams, querystring: ODataQuery, response: { 200: CollectionOf(RoleSchema) },
    },
  }, async (req) => {
    const catalogId = await catalogOfParam(req);
    return listCollection(resourceRoleSet, rolesOfCatalog(db, catalogId), req, ctxOf(req));
  });

  app.get(`${EM}/catalogs/:id/resourceScopes`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: { tags: ['resources'], summary: "List the scopes of a catalog's resources ($expand=resource)", params: IdParams, querystring: ODataQuery, response: { 200: CollectionOf(ScopeSchema) } },
  }, async (req) => {
    const catalogId = await catalogOfParam(req);
    return listCollection(resourceScopeSet, scopesOfCatalog(db, catalogId), req, ctxOf(req));
  });
}
