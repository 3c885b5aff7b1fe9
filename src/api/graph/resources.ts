import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathParam, typed, validatedBody } from '../route-input.js';
import { catalogsWhere } from '../../domain/authorization.js';
import { ForbiddenError, ValidationError } from '../../domain/errors.js';
import { REQUEST_STATES, REQUEST_TYPES, RESOURCE_REQUEST_TYPES, type ResourceRequestType } from '../../domain/resources.js';
import type { Services } from '../../services/index.js';
import type { ResourceRequestRow, ResourceRoleRow, ResourceRow, ResourceScopeRow } from '../../services/resources.js';
import type { Db } from '../../store/db.js';
import type { CatalogRow } from '../../services/catalogs.js';
import { attachMany, attachOne, pageIds as ids, listCollection, shapeOne, type EntitySet, type GraphObject } from '../odata/collection.js';
import { parseQueryOptions } from '../odata/query-options.js';
import { canonicalEnum } from '../odata/sql.js';
import { Body, CollectionOf, EnumString, GraphObjectSchema, IdParams, Nullable, Ref } from '../schemas.js';
import { callerOf } from '../security.js';
import { catalogSet, type GraphCtx } from './catalogs.js';
import { resourceRequestRule, resourceRoleRule, resourceRule, resourceScopeRule } from '../read/resources.js';
import { EM } from './paths.js';
import { whereCatalogIn } from './scope.js';

// Catalog resources, their roles and scopes, and the resource requests that add and remove them.


export function resourceToGraph(r: ResourceRow): GraphObject {
  return {
    id: r.id,
    displayName: r.displayName,
    description: r.description,
    originId: r.originId,
    originSystem: r.originSystem,
    attributes: JSON.parse(r.attributes) as unknown[],
    createdDateTime: r.createdAt,
    modifiedDateTime: r.modifiedAt,
  };
}

export function roleToGraph(r: ResourceRoleRow): GraphObject {
  return { id: r.id, displayName: r.displayName, description: r.description, originId: r.originId, originSystem: r.originSystem };
}

export function scopeToGraph(r: ResourceScopeRow): GraphObject {
  return {
    id: r.id, displayName: r.displayName, description: r.description, originId: r.originId, originSystem: r.originSystem, isRootScope: !!r.isRootScope,
  };
}

function requestToGraph(r: ResourceRequestRow): GraphObject {
  return { id: r.id, requestType: r.requestType, state: r.state, createdDateTime: r.createdAt };
}

export const resourceSet: EntitySet<ResourceRow, GraphCtx> = {
  entity: 'accessPackageResource',
  fields: {
    id: { column: 'resources.id', type: 'guid' },
    displayName: { column: 'resources.displayName', type: 'string' },
    description: { column: 'resources.description', type: 'string' },
    originId: { column: 'resources.originId', type: 'string' },
    originSystem: { column: 'resources.originSystem', type: 'string' },
    createdDateTime: { column: 'resources.createdAt', type: 'datetime' },
    modifiedDateTime: { column: 'resources.modifiedAt', type: 'datetime' },
  },
  properties: ['id', 'displayName', 'description', 'originId', 'originSystem', 'attributes', 'createdDateTime', 'modifiedDateTime'],
  navigation: {
    roles: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceRoles').selectAll('resourceRoles').select('resourceRoles.resourceId as ownerId')
        .where('resourceRoles.resourceId', 'in', ids(items)).orderBy('resourceRoles.displayName').orderBy('resourceRoles.id');
      await attachMany(items, item, ctx, resourceRoleSet, rows);
    },
    scopes: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceScopes').selectAll('resourceScopes').select('resourceScopes.resourceId as ownerId')
        .where('resourceScopes.resourceId', 'in', ids(items)).orderBy('resourceScopes.displayName').orderBy('resourceScopes.id');
      await attachMany(items, item, ctx, resourceScopeSet, rows);
    },
  },
  defaultOrder: 'displayName',
  idColumn: 'resources.id',
  toGraph: resourceToGraph,
  readable: resourceRule,
};

export const resourceRoleSet: EntitySet<ResourceRoleRow, GraphCtx> = {
  entity: 'accessPackageResourceRole',
  fields: {
    id: { column: 'resourceRoles.id', type: 'guid' },
    displayName: { column: 'resourceRoles.displayName', type: 'string' },
    description: { column: 'resourceRoles.description', type: 'string' },
    originId: { column: 'resourceRoles.originId', type: 'string' },
    originSystem: { column: 'resourceRoles.originSystem', type: 'string' },
    'resource/id': { column: 'resourceRoles.resourceId', type: 'guid' },
  },
  properties: ['id', 'displayName', 'description', 'originId', 'originSystem'],
  navigation: {
    resource: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceRoles').innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
        .selectAll('resources').select('resourceRoles.id as ownerId').where('resourceRoles.id', 'in', ids(items));
      await attachOne(items, item, ctx, resourceSet, rows);
    },
  },
  defaultOrder: 'displayName',
  idColumn: 'resourceRoles.id',
  toGraph: roleToGraph,
  readable: resourceRoleRule,
};

export const resourceScopeSet: EntitySet<ResourceScopeRow, GraphCtx> = {
  entity: 'accessPackageResourceScope',
  fields: {
    id: { column: 'resourceScopes.id', type: 'guid' },
    displayName: { column: 'resourceScopes.displayName', type: 'string' },
    description: { column: 'resourceScopes.description', type: 'string' },
    originId: { column: 'resourceScopes.originId', type: 'string' },
    originSystem: { column: 'resourceScopes.originSystem', type: 'string' },
    isRootScope: { column: 'resourceScopes.isRootScope', type: 'boolean' },
    'resource/id': { column: 'resourceScopes.resourceId', type: 'guid' },
  },
  properties: ['id', 'displayName', 'description', 'originId', 'originSystem', 'isRootScope'],
  navigation: {
    resource: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceScopes').innerJoin('resources', 'resources.id', 'resourceScopes.resourceId')
        .selectAll('resources').select('resourceScopes.id as ownerId').where('resourceScopes.id', 'in', ids(items));
      await attachOne(items, item, ctx, resourceSet, rows);
    },
  },
  defaultOrder: 'displayName',
  idColumn: 'resourceScopes.id',
  toGraph: scopeToGraph,
  readable: resourceScopeRule,
};

export const resourceRequestSet: EntitySet<ResourceRequestRow, GraphCtx> = {
  entity: 'accessPackageResourceRequest',
  fields: {
    id: { column: 'resourceRequests.id', type: 'guid' },
    requestType: { column: 'resourceRequests.requestType', type: 'enum', values: REQUEST_TYPES },
    state: { column: 'resourceRequests.state', type: 'enum', values: REQUEST_STATES },
    createdDateTime: { column: 'resourceRequests.createdAt', type: 'datetime' },
    'catalog/id': { column: 'resourceRequests.catalogId', type: 'guid' },
    'resource/id': { column: 'resourceRequests.resourceId', type: 'guid' },
  },
  properties: ['id', 'requestType', 'state', 'createdDateTime'],
  navigation: {
    catalog: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceRequests').innerJoin('catalogs', 'catalogs.id', 'resourceRequests.catalogId')
        .selectAll('catalogs').select('resourceRequests.id as ownerId').where('resourceRequests.id', 'in', ids(items));
      await attachOne<CatalogRow, GraphCtx>(items, item, ctx, catalogSet, rows);
    },
    // a removed resource is gone from the catalog, so the request of its removal expands to null
    resource: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceRequests').innerJoin('resources', 'resources.id', 'resourceRequests.resourceId')
        .selectAll('resources').select('resourceRequests.id as ownerId').where('resourceRequests.id', 'in', ids(items));
      await attachOne(items, item, ctx, resourceSet, rows);
    },
  },
  defaultOrder: 'createdDateTime',
  idColumn: 'resourceRequests.id',
  toGraph: requestToGraph,
  readable: resourceRequestRule,
};

/** Navigation properties of catalogs that this module owns. */
function registerCatalogNavigation(): void {
  catalogSet.navigation.resources = async (items, item, ctx) => {
    const rows = ctx.db.selectFrom('resources').selectAll('resources').select('resources.catalogId as ownerId')
      .where('resources.catalogId', 'in', ids(items)).orderBy('resources.displayName').orderBy('resources.id');
    await attachMany(items, item, ctx, resourceSet, rows);
  };
  catalogSet.navigation.resourceRoles = async (items, item, ctx) => {
    const rows = ctx.db.selectFrom('resourceRoles').innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
      .selectAll('resourceRoles').select('resources.catalogId as ownerId')
      .where('resources.catalogId', 'in', ids(items)).orderBy('resourceRoles.displayName').orderBy('resourceRoles.id');
    await attachMany(items, item, ctx, resourceRoleSet, rows);
  };
  catalogSet.navigation.resourceScopes = async (items, item, ctx) => {
    const rows = ctx.db.selectFrom('resourceScopes').innerJoin('resources', 'resources.id', 'resourceScopes.resourceId')
      .selectAll('resourceScopes').select('resources.catalogId as ownerId')
      .where('resources.catalogId', 'in', ids(items)).orderBy('resourceScopes.displayName').orderBy('resourceScopes.id');
    await attachMany(items, item, ctx, resourceScopeSet, rows);
  };
}

const ResourceSchema = GraphObjectSchema('accessPackageResource', {
  displayName: Type.String(),
  description: Nullable(Type.String()),
  originId: Type.String(),
  originSystem: Type.String(),
  attributes: Type.Array(Type.Any()),
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
  registerCatalogNavigation();
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

  app.get(`${EM}/resourceRequests`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['resources'], summary: 'List resource requests of the catalogs the caller may read', response: { 200: CollectionOf(RequestSchema) } },
  }, async (req) => {
    const q = whereCatalogIn(db.selectFrom('resourceRequests').selectAll('resourceRequests'), 'resourceRequests.catalogId', catalogsWhere(req.principal!, 'catalog.read'));
    return listCollection(resourceRequestSet, q, req, ctxOf(req));
  });

  app.get(`${EM}/resourceRequests/:id`, {
    config: { auth: { catalog: 'catalog.read', of: async (req) => (await services.resources.getRequest(pathParam(req, 'id'))).catalogId } },
    schema: { tags: ['resources'], summary: 'Get a resource request', params: IdParams, response: { 200: RequestSchema } },
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
      ...requestToGraph(r.request),
      catalog: { id: catalogId },
      resource: { ...resourceToGraph(r.resource), roles: r.roles.map(roleToGraph), scopes: r.scopes.map(scopeToGraph) },
    };
    return reply.status(201).header('Location', `${EM}/resourceRequests/${r.request.id}`).send(body);
  });

  app.get(`${EM}/catalogs/:id/resources`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: { tags: ['resources'], summary: "List a catalog's resources ($expand=roles,scopes)", params: IdParams, response: { 200: CollectionOf(ResourceSchema) } },
  }, async (req) => {
    const catalogId = await catalogOfParam(req);
    return listCollection(resourceSet, db.selectFrom('resources').selectAll('resources').where('resources.catalogId', '=', catalogId), req, ctxOf(req));
  });

  app.get(`${EM}/catalogs/:id/resources/:resourceId`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: {
      tags: ['resources'], summary: 'Get a resource of a catalog',
      params: Type.Object({ id: Type.String({ maxLength: 200 }), resourceId: Type.String({ maxLength: 200 }) }),
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
    schema: { tags: ['resources'], summary: 'List the roles of a resource of a catalog ($expand=resource)', params: ResourceParams, response: { 200: CollectionOf(RoleSchema) } },
  }, async (req) => {
    const resource = await services.resources.getResource(await catalogOfParam(req), req.params.resourceId);
    return listCollection(resourceRoleSet, db.selectFrom('resourceRoles').selectAll('resourceRoles').where('resourceRoles.resourceId', '=', resource.id), req, ctxOf(req));
  });

  app.get(`${EM}/catalogs/:id/resources/:resourceId/scopes`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: { tags: ['resources'], summary: 'List the scopes of a resource of a catalog ($expand=resource)', params: ResourceParams, response: { 200: CollectionOf(ScopeSchema) } },
  }, async (req) => {
    const resource = await services.resources.getResource(await catalogOfParam(req), req.params.resourceId);
    return listCollection(resourceScopeSet, db.selectFrom('resourceScopes').selectAll('resourceScopes').where('resourceScopes.resourceId', '=', resource.id), req, ctxOf(req));
  });

  // tenant-wide: the resources of every catalog the caller reads (the resource read rule narrows the list)
  app.get(`${EM}/resources`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['resources'], summary: "List the resources of the catalogs the caller may read (catalog.read; $expand=roles,scopes)", response: { 200: CollectionOf(ResourceSchema) } },
  }, async (req) => listCollection(resourceSet, db.selectFrom('resources').selectAll('resources'), req, ctxOf(req)));

  // Multi-Geo environments of SharePoint Online: Latchkey governs no such service, so there are none.
  // Still a catalog permission: a caller who may read no catalog is refused, as for any catalog data.
  app.get(`${EM}/resourceEnvironments`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['resources'], summary: 'List resource environments (catalog.read in some catalog; always empty: no Multi-Geo services are governed)', response: { 200: CollectionOf(GraphObjectSchema('accessPackageResourceEnvironment')) } },
  }, async (req) => {
    const readable = catalogsWhere(req.principal!, 'catalog.read');
    if (readable !== 'all' && readable.length === 0) throw new ForbiddenError("Listing resource environments needs the 'catalog.read' permission in a catalog.");
    parseQueryOptions(req.query);
    return { value: [] };
  });

  app.get(`${EM}/catalogs/:id/resourceRoles`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: {
      tags: ['resources'], summary: "List the roles of a catalog's resources ($filter=originSystem eq 'AadGroup' and resource/id eq '…', $expand=resource)",
      params: IdParams, response: { 200: CollectionOf(RoleSchema) },
    },
  }, async (req) => {
    const catalogId = await catalogOfParam(req);
    const q = db.selectFrom('resourceRoles').innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
      .selectAll('resourceRoles').where('resources.catalogId', '=', catalogId);
    return listCollection(resourceRoleSet, q, req, ctxOf(req));
  });

  app.get(`${EM}/catalogs/:id/resourceScopes`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: { tags: ['resources'], summary: "List the scopes of a catalog's resources ($expand=resource)", params: IdParams, response: { 200: CollectionOf(ScopeSchema) } },
  }, async (req) => {
    const catalogId = await catalogOfParam(req);
    const q = db.selectFrom('resourceScopes').innerJoin('resources', 'resources.id', 'resourceScopes.resourceId')
      .selectAll('resourceScopes').where('resources.catalogId', '=', catalogId);
    return listCollection(resourceScopeSet, q, req, ctxOf(req));
  });
}
