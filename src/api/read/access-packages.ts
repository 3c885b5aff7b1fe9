// Access packages and their resource role scopes as the API reads them: who may read which, the entity
// sets with their expansions, and the queries of the list routes.
import { catalogsWhere, type Principal } from '../../domain/authorization.js';
import { visibleToRequestor } from '../../domain/access-package.js';
import type { AudienceEntry } from '../../domain/policy/scope.js';
import type { AccessPackageRow, ResourceRoleScopeRow } from '../../services/access-packages.js';
import type { CatalogRow } from '../../services/catalogs.js';
import { findCatalogById } from '../../store/catalogs.js';
import type { Db } from '../../store/db.js';
import { packageRequestableBy } from '../../store/policy-audience.js';
import { groupObjectSet, type GroupView } from './groups.js';
import { attachMany, attachOne, pageIds as ids, type EntitySet, type GraphObject, type ReadRule } from '../odata/collection.js';
import { catalogSet } from './catalogs.js';
import { byCatalogs, packagesIn, personalRequests, readCatalogs, requestorCatalogs, whereCatalogIn, type ReadCtx } from './common.js';
import { directoryRule } from './directory.js';
import { assignmentPolicySet } from './policies.js';
import { resourceRoleSet, resourceScopeSet } from './resources.js';

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
      // a correlated exists, not `catalogId in (…)`: with every branch of this OR indexable, SQLite (given
      // statistics) answered a list with one index lookup per branch and a sort of everything they found,
      // instead of reading the list's own order (allowedRequestor: 29 ms against 1 ms at 20k packages)
      eb.exists(requestorCatalogs(eb, p).whereRef('catalogs.id', '=', 'accessPackages.catalogId')),
      eb('accessPackages.id', 'in', personalRequests(eb, p.userId)),
      eb('accessPackages.id', 'in', eb.selectFrom('assignments').select('assignments.accessPackageId').where('assignments.targetId', '=', p.userId)),
    ]),
  };
}


/** A package's resource roles are read with the catalog (as GET accessPackages/{id}/resourceRoleScopes). */
export function roleScopeRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('resourceRoleScopes.accessPackageId', 'in', packagesIn(eb, ids)));
}

export function accessPackageToGraph(r: AccessPackageRow): GraphObject {
  return {
    id: r.id,
    displayName: r.displayName,
    description: r.description,
    isHidden: !!r.isHidden,
    createdDateTime: r.createdAt,
    modifiedDateTime: r.modifiedAt,
  };
}

export function roleScopeToGraph(r: ResourceRoleScopeRow): GraphObject {
  return { id: r.id, createdDateTime: r.createdAt };
}

export const roleScopeSet: EntitySet<ResourceRoleScopeRow, ReadCtx> = {
  entity: 'accessPackageResourceRoleScope',
  fields: {
    id: { column: 'resourceRoleScopes.id', type: 'string' },
    createdDateTime: { column: 'resourceRoleScopes.createdAt', type: 'datetime' },
    'role/id': { column: 'resourceRoleScopes.roleId', type: 'guid' },
    'scope/id': { column: 'resourceRoleScopes.scopeId', type: 'guid' },
  },
  properties: ['id', 'createdDateTime'],
  navigation: {
    // a role scope id is `${roleId}_${scopeId}`, the same role and scope in every package that has it
    role: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceRoleScopes').innerJoin('resourceRoles', 'resourceRoles.id', 'resourceRoleScopes.roleId')
        .selectAll('resourceRoles').select('resourceRoleScopes.id as ownerId').where('resourceRoleScopes.id', 'in', ids(items));
      await attachOne(items, item, ctx, resourceRoleSet, rows);
    },
    scope: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceRoleScopes').innerJoin('resourceScopes', 'resourceScopes.id', 'resourceRoleScopes.scopeId')
        .selectAll('resourceScopes').select('resourceRoleScopes.id as ownerId').where('resourceRoleScopes.id', 'in', ids(items));
      await attachOne(items, item, ctx, resourceScopeSet, rows);
    },
  },
  defaultOrder: 'createdDateTime',
  idColumn: 'resourceRoleScopes.id',
  toGraph: roleScopeToGraph,
  readable: roleScopeRule,
};

/** Incompatible groups are directory objects: shown to those who may read the directory. */
const incompatibleGroupSet = (): EntitySet<GroupView, ReadCtx> => ({ ...groupObjectSet, readable: directoryRule });

export const accessPackageSet: EntitySet<AccessPackageRow, ReadCtx> = {
  entity: 'accessPackage',
  fields: {
    id: { column: 'accessPackages.id', type: 'guid' },
    displayName: { column: 'accessPackages.displayName', type: 'string' },
    description: { column: 'accessPackages.description', type: 'string' },
    isHidden: { column: 'accessPackages.isHidden', type: 'boolean' },
    'catalog/id': { column: 'accessPackages.catalogId', type: 'guid' },
    createdDateTime: { column: 'accessPackages.createdAt', type: 'datetime' },
    modifiedDateTime: { column: 'accessPackages.modifiedAt', type: 'datetime' },
  },
  properties: ['id', 'displayName', 'description', 'isHidden', 'createdDateTime', 'modifiedDateTime'],
  navigation: {
    catalog: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('accessPackages').innerJoin('catalogs', 'catalogs.id', 'accessPackages.catalogId')
        .selectAll('catalogs').select('accessPackages.id as ownerId').where('accessPackages.id', 'in', ids(items));
      await attachOne<CatalogRow, ReadCtx>(items, item, ctx, catalogSet, rows);
    },
    resourceRoleScopes: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceRoleScopes').selectAll('resourceRoleScopes').select('resourceRoleScopes.accessPackageId as ownerId')
        .where('resourceRoleScopes.accessPackageId', 'in', ids(items)).orderBy('resourceRoleScopes.createdAt').orderBy('resourceRoleScopes.id');
      await attachMany(items, item, ctx, roleScopeSet, rows);
    },
    incompatibleAccessPackages: async (items, item, ctx) => {
      const q = ctx.db.selectFrom('incompatibleAccessPackages')
        .innerJoin('accessPackages', 'accessPackages.id', 'incompatibleAccessPackages.incompatibleAccessPackageId')
        .selectAll('accessPackages').select('incompatibleAccessPackages.accessPackageId as ownerId')
        .where('incompatibleAccessPackages.accessPackageId', 'in', ids(items)).orderBy('accessPackages.displayName');
      // a link may point into a catalog the caller cannot read: as GET …/incompatibleAccessPackages, such
      // packages stay invisible even when the package rule would let the caller open them by their link
      const rows = whereCatalogIn(q, 'accessPackages.catalogId', catalogsWhere(ctx.principal, 'catalog.read'));
      await attachMany(items, item, ctx, accessPackageSet, rows);
    },
    accessPackagesIncompatibleWith: async (items, item, ctx) => {
      const q = ctx.db.selectFrom('incompatibleAccessPackages')
        .innerJoin('accessPackages', 'accessPackages.id', 'incompatibleAccessPackages.accessPackageId')
        .selectAll('accessPackages').select('incompatibleAccessPackages.incompatibleAccessPackageId as ownerId')
        .where('incompatibleAccessPackages.incompatibleAccessPackageId', 'in', ids(items)).orderBy('accessPackages.displayName');
      const rows = whereCatalogIn(q, 'accessPackages.catalogId', catalogsWhere(ctx.principal, 'catalog.read'));
      await attachMany(items, item, ctx, accessPackageSet, rows);
    },
    incompatibleGroups: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('incompatibleGroups').innerJoin('groups', 'groups.id', 'incompatibleGroups.groupId')
        .selectAll('groups').select('incompatibleGroups.accessPackageId as ownerId')
        .where('incompatibleGroups.accessPackageId', 'in', ids(items)).orderBy('groups.displayName');
      await attachMany(items, item, ctx, incompatibleGroupSet(), rows);
    },
    // the full policy objects, as GET accessPackages/{id}/assignmentPolicies returns them
    assignmentPolicies: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('assignmentPolicies').selectAll('assignmentPolicies').select('assignmentPolicies.accessPackageId as ownerId')
        .where('assignmentPolicies.accessPackageId', 'in', ids(items)).orderBy('assignmentPolicies.displayName').orderBy('assignmentPolicies.id');
      await attachMany(items, item, ctx, assignmentPolicySet, rows);
    },
  },
  defaultOrder: 'displayName',
  idColumn: 'accessPackages.id',
  toGraph: accessPackageToGraph,
  readable: accessPackageRule,
};

// ---- the queries of the list routes

/**
 * GET accessPackages: packages of catalogs where the principal holds a role, plus what any signed-in
 * person may browse (the SQL form of visibleToRequestor with direct=false).
 */
export function packagesVisibleTo(db: Db, p: Principal) {
  const base = db.selectFrom('accessPackages').innerJoin('catalogs', 'catalogs.id', 'accessPackages.catalogId').selectAll('accessPackages');
  const readable = catalogsWhere(p, 'catalog.read');
  if (readable === 'all') return base;
  const guest = p.userType.toLowerCase() === 'guest';
  return base.where((eb) => {
    const browse = [eb('accessPackages.isHidden', '=', 0), eb('catalogs.state', '=', 'published')];
    if (guest) browse.push(eb('catalogs.isExternallyVisible', '=', 1));
    const any = [eb.and(browse)];
    if (readable.length > 0) any.push(eb('accessPackages.catalogId', 'in', readable));
    return eb.or(any);
  });
}

/**
 * accessPackages/filterByCurrentUser(on='allowedRequestor'), in one indexed query: packages of published
 * catalogs (external-enabled for guests), not hidden, with a policy whose self-add audience holds one of
 * `keys` (the caller, the caller's groups or organization; migration 0005).
 *
 * In the default order (displayName, id) the packages are read in the order of their index (migration
 * 0016) and each is checked as it comes, so a page costs about a page of packages, not the tenant's. The
 * catalog is joined with CROSS JOIN, which SQLite never reorders: written as `catalogId in (published
 * catalogs)` its planner, once it has statistics, read the packages catalog by catalog and sorted them
 * all (29 ms against 1 ms at 20k packages). PostgreSQL reads it as an inner join.
 */
export function packagesRequestableBy(db: Db, p: Principal, keys: AudienceEntry[]) {
  const q = db.selectFrom('accessPackages').crossJoin('catalogs').selectAll('accessPackages')
    .whereRef('catalogs.id', '=', 'accessPackages.catalogId')
    .where('catalogs.state', '=', 'published')
    .where('accessPackages.isHidden', '=', 0)
    .where(packageRequestableBy('access_packages.id', keys));
  return p.userType.toLowerCase() === 'guest' ? q.where('catalogs.isExternallyVisible', '=', 1) : q;
}

/**
 * Whether a signed-in person may see a package as a requestor: catalog published (and, for a guest,
 * enabled for external users); hidden packages count only through a direct link.
 */
export async function requestorCanSee(db: Db, p: Principal, pkg: AccessPackageRow, direct: boolean): Promise<boolean> {
  const catalog = await findCatalogById(db, pkg.catalogId);
  if (!catalog) return false;
  return visibleToRequestor({ isHidden: !!pkg.isHidden, catalogState: catalog.state, catalogIsExternallyVisible: !!catalog.isExternallyVisible }, p.userType, direct);
}

export const packagesOfCatalog = (db: Db, catalogId: string) =>
  db.selectFrom('accessPackages').selectAll('accessPackages').where('accessPackages.catalogId', '=', catalogId);

export const roleScopesOfPackage = (db: Db, packageId: string) =>
  db.selectFrom('resourceRoleScopes').selectAll('resourceRoleScopes').where('resourceRoleScopes.accessPackageId', '=', packageId);

export const allRoleScopes = (db: Db) => db.selectFrom('resourceRoleScopes').selectAll('resourceRoleScopes');

/**
 * The packages linked to `id` as incompatible: `forward` those it lists (incompatibleAccessPackages),
 * otherwise those that list it (accessPackagesIncompatibleWith). Only packages in catalogs the principal
 * may read: a link may cross into another catalog.
 */
export function incompatiblePackagesOf(db: Db, p: Principal, id: string, forward: boolean) {
  const linked = forward
    ? db.selectFrom('incompatibleAccessPackages').select('incompatibleAccessPackageId').where('accessPackageId', '=', id)
    : db.selectFrom('incompatibleAccessPackages').select('accessPackageId').where('incompatibleAccessPackageId', '=', id);
  return whereCatalogIn(
    db.selectFrom('accessPackages').selectAll('accessPackages').where('accessPackages.id', 'in', linked),
    'accessPackages.catalogId',
    catalogsWhere(p, 'catalog.read'),
  );
}

export const incompatibleGroupsOf = (db: Db, packageId: string) =>
  db.selectFrom('groups').selectAll('groups').where('groups.id', 'in', db.selectFrom('incompatibleGroups').select('groupId').where('accessPackageId', '=', packageId));
