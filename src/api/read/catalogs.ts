// Catalogs as the API reads them: who may read which, the entity set, and the queries of the list routes.
import type { Principal } from '../../domain/authorization.js';
import { CATALOG_STATES, CATALOG_TYPES } from '../../domain/catalog.js';
import type { CatalogRow } from '../../services/catalogs.js';
import type { Db } from '../../store/db.js';
import { attachMany, pageIds as ids, type EntitySet, type GraphObject, type ReadRule } from '../odata/collection.js';
import { accessPackageSet } from './access-packages.js';
import { byCatalogs, readCatalogs, whereCatalogIn, type ReadCtx } from './common.js';
import { resourceRoleSet, resourceScopeSet, resourceSet } from './resources.js';

export function catalogRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('catalogs.id', 'in', ids));
}

export function catalogToGraph(r: CatalogRow): GraphObject {
  return {
    id: r.id,
    displayName: r.displayName,
    description: r.description,
    catalogType: r.catalogType,
    state: r.state,
    isExternallyVisible: !!r.isExternallyVisible,
    createdDateTime: r.createdAt,
    modifiedDateTime: r.modifiedAt,
  };
}

export const catalogSet: EntitySet<CatalogRow, ReadCtx> = {
  entity: 'accessPackageCatalog',
  fields: {
    id: { column: 'catalogs.id', type: 'guid' },
    displayName: { column: 'catalogs.displayName', type: 'string' },
    description: { column: 'catalogs.description', type: 'string' },
    state: { column: 'catalogs.state', type: 'enum', values: CATALOG_STATES },
    catalogType: { column: 'catalogs.catalogType', type: 'enum', values: CATALOG_TYPES },
    isExternallyVisible: { column: 'catalogs.isExternallyVisible', type: 'boolean' },
    createdDateTime: { column: 'catalogs.createdAt', type: 'datetime' },
    modifiedDateTime: { column: 'catalogs.modifiedAt', type: 'datetime' },
  },
  properties: ['id', 'displayName', 'description', 'catalogType', 'state', 'isExternallyVisible', 'createdDateTime', 'modifiedDateTime'],
  // in the order the expand error lists them: resources, their roles and scopes, then packages
  navigation: {
    resources: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resources').selectAll('resources').select('resources.catalogId as ownerId')
        .where('resources.catalogId', 'in', ids(items)).orderBy('resources.displayName').orderBy('resources.id');
      await attachMany(items, item, ctx, resourceSet, rows);
    },
    resourceRoles: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceRoles').innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
        .selectAll('resourceRoles').select('resources.catalogId as ownerId')
        .where('resources.catalogId', 'in', ids(items)).orderBy('resourceRoles.displayName').orderBy('resourceRoles.id');
      await attachMany(items, item, ctx, resourceRoleSet, rows);
    },
    resourceScopes: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceScopes').innerJoin('resources', 'resources.id', 'resourceScopes.resourceId')
        .selectAll('resourceScopes').select('resources.catalogId as ownerId')
        .where('resources.catalogId', 'in', ids(items)).orderBy('resourceScopes.displayName').orderBy('resourceScopes.id');
      await attachMany(items, item, ctx, resourceScopeSet, rows);
    },
    accessPackages: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('accessPackages').selectAll('accessPackages').select('accessPackages.catalogId as ownerId')
        .where('accessPackages.catalogId', 'in', ids(items)).orderBy('accessPackages.displayName').orderBy('accessPackages.id');
      await attachMany(items, item, ctx, accessPackageSet, rows);
    },
  },
  defaultOrder: 'displayName',
  idColumn: 'catalogs.id',
  toGraph: catalogToGraph,
  readable: catalogRule,
};

/** GET catalogs: the catalogs the principal reads (all for administrators, else those it holds a role in). */
export const catalogsReadBy = (db: Db, p: Principal) => whereCatalogIn(db.selectFrom('catalogs').selectAll('catalogs'), 'catalogs.id', readCatalogs(p));
