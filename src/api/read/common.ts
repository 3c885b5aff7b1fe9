import { sql, type Expression, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { catalogsWhere, type Principal } from '../../domain/authorization.js';
import type { Db } from '../../store/db.js';
import type { Database } from '../../store/schema.js';
import type { AnyExpressionBuilder, ReadRule } from '../odata/collection.js';

// Who may read what, one rule per entity of the entitlement management API. Each entity set's
// `readable` returns its rule; listCollection, shapeOne (get by id) and attachOne/attachMany ($expand)
// all apply it, so a navigation can never show an object that the object's own route refuses.
// A rule's `where` names the entity's table by its own name and reaches other tables only through
// subqueries, so it fits any query that selects the entity (with or without joins).

export interface ReadCtx {
  db: Db;
  principal: Principal;
}

export type Where = (eb: AnyExpressionBuilder) => Expression<SqlBool>;

export const FALSE: Where = () => sql<SqlBool>`1 = 0`;
export const TRUE: Where = () => sql<SqlBool>`1 = 1`;

/** A rule over the catalog column of the entity: catalogs where the principal holds `catalog.read`. */
export function byCatalogs<Row>(allowed: 'all' | string[], where: (ids: string[]) => Where): ReadRule<Row> {
  if (allowed === 'all') return 'all';
  if (allowed.length === 0) return 'none';
  return { where: where(allowed) };
}


export const readCatalogs = (p: Principal) => catalogsWhere(p, 'catalog.read');
export const assignmentCatalogs = (p: Principal) => catalogsWhere(p, 'assignment.read');

/** The packages of catalogs in `ids` (a subquery). */
export const packagesIn = (eb: AnyExpressionBuilder, ids: string[]) => eb.selectFrom('accessPackages').select('accessPackages.id').where('accessPackages.catalogId', 'in', ids);

/** Catalogs anyone signed in may browse as a requestor: published, and enabled for external users for a guest. */
export function requestorCatalogs(eb: AnyExpressionBuilder, p: Principal) {
  let q = eb.selectFrom('catalogs').select('catalogs.id').where('catalogs.state', '=', 'published');
  if (p.userType.toLowerCase() === 'guest') q = q.where('catalogs.isExternallyVisible', '=', 1);
  return q;
}


/** Requests that concern the principal personally: as requestor, as target, or as an approver of one of its stages. */
export const personalRequests = (eb: AnyExpressionBuilder, me: string) => eb.selectFrom('assignmentRequests').select('assignmentRequests.accessPackageId').where((e) => e.or([
  e('assignmentRequests.requestorId', '=', me),
  e('assignmentRequests.targetId', '=', me),
  e('assignmentRequests.id', 'in', e.selectFrom('approvalStageApprovers').select('approvalStageApprovers.requestId').where('approvalStageApprovers.approverId', '=', me)),
]));


/** The resources of catalogs in `ids` (a subquery). */
export const resourcesIn = (eb: AnyExpressionBuilder, ids: string[]) => eb.selectFrom('resources').select('resources.id').where('resources.catalogId', 'in', ids);


// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyQuery = SelectQueryBuilder<Database, any, any>;

/** Narrows a list query to rows whose catalog column is in `allowed` ('all' leaves it as is; [] matches nothing). */
export function whereCatalogIn<Q extends AnyQuery>(q: Q, column: string, allowed: 'all' | string[]): Q {
  if (allowed === 'all') return q;
  if (allowed.length === 0) return q.where(sql<SqlBool>`1 = 0`) as Q;
  return q.where(sql.ref(column), 'in', allowed) as Q;
}
