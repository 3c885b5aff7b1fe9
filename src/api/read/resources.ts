// Who may read catalog resources, their roles and scopes, and resource requests.
import type { ReadRule } from '../odata/collection.js';
import { byCatalogs, readCatalogs, resourcesIn, type ReadCtx } from './common.js';

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

