// Catalog resources, their roles and scopes, and resource requests as the API reads them: who may read
// which, the entity sets with their expansions, and the queries of the list routes.
import { catalogsWhere, type Principal } from '../../domain/authorization.js';
import { REQUEST_STATES, REQUEST_TYPES } from '../../domain/resources.js';
import type { CatalogRow } from '../../services/catalogs.js';
import type { ResourceRequestRow, ResourceRoleRow, ResourceRow, ResourceScopeRow } from '../../services/resources.js';
import type { Db } from '../../store/db.js';
import { attachMany, attachOne, pageIds as ids, type EntitySet, type GraphObject, type ReadRule } from '../odata/collection.js';
import { catalogSet } from './catalogs.js';
import { ENVIRONMENT_COLUMNS, resourceEnvironmentSet } from './resource-environments.js';
import { byCatalogs, readCatalogs, resourcesIn, whereCatalogIn, type ReadCtx } from './common.js';

export function resourceRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('resources.catalogId', 'in', ids));
}

export function resourceRoleRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('resourceRoles.resourceId', 'in', resourcesIn(eb, ids)));
}

export function resourceScopeRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('resourceScopes.resourceId', 'in', resourcesIn(eb, ids)));
}

export function resourceRequestRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('resourceRequests.catalogId', 'in', ids));
}

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

export function resourceRequestToGraph(r: ResourceRequestRow): GraphObject {
  return { id: r.id, requestType: r.requestType, state: r.state, createdDateTime: r.createdAt };
}

export const resourceSet: EntitySet<ResourceRow, ReadCtx> = {
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
    // the connection a resource lives in (null for the built-in directory's groups)
    environment: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resources').innerJoin('connections', 'connections.id', 'resources.connectionId')
        .select(ENVIRONMENT_COLUMNS).select('resources.id as ownerId').where('resources.id', 'in', ids(items));
      await attachOne(items, item, ctx, resourceEnvironmentSet, rows);
    },
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

export const resourceRoleSet: EntitySet<ResourceRoleRow, ReadCtx> = {
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

export const resourceScopeSet: EntitySet<ResourceScopeRow, ReadCtx> = {
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

export const resourceRequestSet: EntitySet<ResourceRequestRow, ReadCtx> = {
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
      await attachOne<CatalogRow, ReadCtx>(items, item, ctx, catalogSet, rows);
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
  toGraph: resourceRequestToGraph,
  readable: resourceRequestRule,
};

// ---- the queries of the list routes

/** GET resourceRequests: the requests of the catalogs the principal reads. */
export const resourceRequestsReadBy = (db: Db, p: Principal) =>
  whereCatalogIn(db.selectFrom('resourceRequests').selectAll('resourceRequests'), 'resourceRequests.catalogId', catalogsWhere(p, 'catalog.read'));

export const allResources = (db: Db) => db.selectFrom('resources').selectAll('resources');

export const resourcesOfCatalog = (db: Db, catalogId: string) => allResources(db).where('resources.catalogId', '=', catalogId);

export const rolesOfResource = (db: Db, resourceId: string) =>
  db.selectFrom('resourceRoles').selectAll('resourceRoles').where('resourceRoles.resourceId', '=', resourceId);

export const scopesOfResource = (db: Db, resourceId: string) =>
  db.selectFrom('resourceScopes').selectAll('resourceScopes').where('resourceScopes.resourceId', '=', resourceId);

export const rolesOfCatalog = (db: Db, catalogId: string) =>
  db.selectFrom('resourceRoles').innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
    .selectAll('resourceRoles').where('resources.catalogId', '=', catalogId);

export const scopesOfCatalog = (db: Db, catalogId: string) =>
  db.selectFrom('resourceScopes').innerJoin('resources', 'resources.id', 'resourceScopes.resourceId')
    .selectAll('resourceScopes').where('resources.catalogId', '=', catalogId);
