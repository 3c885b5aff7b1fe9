// Who may read access packages and their resource role scopes.
import type { ReadRule } from '../odata/collection.js';
import { byCatalogs, packagesIn, personalRequests, readCatalogs, requestorCatalogs, type ReadCtx } from './common.js';

/**
 * Access packages: every package of a catalog the principal reads; any package (hidden or not) of a
 * catalog open to requestors, as My Access direct links need; and the package of any request or
 * assignment that concerns the principal (their history, their approvals).
 */
export function accessPackageRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  const p = ctx.principal;
  const readable = readCatalogs(p);
  if (readable === 'all') return 'all';
  return {
    where: (eb) => eb.or([
      ...(readable.length ? [eb('accessPackages.catalogId', 'in', readable)] : []),
      eb('accessPackages.catalogId', 'in', requestorCatalogs(eb, p)),
      eb('accessPackages.id', 'in', personalRequests(eb, p.userId)),
      eb('accessPackages.id', 'in', eb.selectFrom('assignments').select('assignments.accessPackageId').where('assignments.targetId', '=', p.userId)),
    ]),
  };
}


/** A package's resource roles are read with the catalog (as GET accessPackages/{id}/resourceRoleScopes). */
export function roleScopeRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('resourceRoleScopes.accessPackageId', 'in', packagesIn(eb, ids)));
}

