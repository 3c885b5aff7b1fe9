// Role assignments (roleManagement/entitlementManagement/roleAssignments): the entity set and the
// query of the assignments a principal may see.
import { sql, type SqlBool } from 'kysely';
import { findRoleDefinition, type Principal } from '../../domain/authorization.js';
import type { RoleAssignmentRow, RoleAssignmentVisibility } from '../../services/role-assignments.js';
import type { Db } from '../../store/db.js';
import { applySelect, type EntitySet, type GraphObject, type NavigationLoader } from '../odata/collection.js';
import { odataType } from '../graph/paths.js';
import { ROLE_DEFINITION_PROPERTIES, roleDefinitionToGraph } from './role-definitions.js';

export interface RoleCtx {
  db: Db;
  principal: Principal;
}

export function roleAssignmentToGraph(r: RoleAssignmentRow): GraphObject {
  return {
    id: r.id,
    principalId: r.principalId,
    roleDefinitionId: r.roleDefinitionId,
    appScopeId: r.appScopeId,
    // every entitlement management scope lies within the whole directory
    directoryScopeId: '/',
    condition: null,
  };
}

const principalLoader: NavigationLoader<RoleCtx> = async (items, item, ctx) => {
  const ids = [...new Set(items.map((i) => String(i.principalId)))];
  const [users, groups] = await Promise.all([
    ctx.db.selectFrom('users').select(['id', 'displayName', 'userPrincipalName', 'mail']).where('id', 'in', ids).execute(),
    ctx.db.selectFrom('groups').select(['id', 'displayName', 'mail']).where('id', 'in', ids).execute(),
  ]);
  const byId = new Map<string, GraphObject>();
  for (const u of users) byId.set(u.id, { '@odata.type': odataType('user'), id: u.id, displayName: u.displayName, userPrincipalName: u.userPrincipalName, mail: u.mail });
  for (const g of groups) byId.set(g.id, { '@odata.type': odataType('group'), id: g.id, displayName: g.displayName, mail: g.mail });
  for (const obj of items) {
    const p = byId.get(String(obj.principalId));
    obj.principal = p && item.select ? applySelect({ entity: 'directoryObject', properties: ['id', 'displayName', 'userPrincipalName', 'mail'] }, p, item.select, []) : (p ?? null);
  }
};

const roleDefinitionLoader: NavigationLoader<RoleCtx> = async (items, item) => {
  for (const obj of items) {
    const def = findRoleDefinition(String(obj.roleDefinitionId));
    obj.roleDefinition = def ? applySelect({ entity: 'unifiedRoleDefinition', properties: ROLE_DEFINITION_PROPERTIES }, roleDefinitionToGraph(def), item.select, []) : null;
  }
};

/** appScope: Graph's appScope object ({id, displayName, type}) for the catalog or the directory. */
const appScopeLoader: NavigationLoader<RoleCtx> = async (items, _item, ctx) => {
  const catalogIds = [...new Set(items.map((i) => /^\/AccessPackageCatalog\/(.+)$/.exec(String(i.appScopeId))?.[1]).filter((x): x is string => !!x))];
  const catalogs = catalogIds.length ? await ctx.db.selectFrom('catalogs').select(['id', 'displayName']).where('id', 'in', catalogIds).execute() : [];
  const names = new Map(catalogs.map((c) => [c.id, c.displayName]));
  for (const obj of items) {
    const scope = String(obj.appScopeId);
    const catalogId = /^\/AccessPackageCatalog\/(.+)$/.exec(scope)?.[1];
    obj.appScope = catalogId
      ? { id: scope, displayName: names.get(catalogId) ?? null, type: 'AccessPackageCatalog' }
      : { id: '/', displayName: 'Directory', type: 'Directory' };
  }
};

export const roleAssignmentSet: EntitySet<RoleAssignmentRow, RoleCtx> = {
  entity: 'unifiedRoleAssignment',
  fields: {
    id: { column: 'roleAssignments.id', type: 'guid' },
    principalId: { column: 'roleAssignments.principalId', type: 'guid' },
    roleDefinitionId: { column: 'roleAssignments.roleDefinitionId', type: 'guid' },
    appScopeId: { column: 'roleAssignments.appScopeId', type: 'string' },
  },
  properties: ['id', 'principalId', 'roleDefinitionId', 'appScopeId', 'directoryScopeId', 'condition'],
  navigation: { principal: principalLoader, roleDefinition: roleDefinitionLoader, appScope: appScopeLoader },
  defaultOrder: 'appScopeId',
  idColumn: 'roleAssignments.id',
  toGraph: roleAssignmentToGraph,
  // no navigation leads here; the two routes narrow by the service's visibility (async: it reads group memberships)
  readable: () => 'all',
};

/** The role assignments within a principal's visibility (services/role-assignments.ts decides it). */
export function visibleRoleAssignments(db: Db, visible: RoleAssignmentVisibility) {
  const q = db.selectFrom('roleAssignments').selectAll('roleAssignments');
  if (visible === 'all') return q;
  const { catalogIds, principalIds } = visible;
  return q.where((eb) => eb.or([
    eb('roleAssignments.principalId', 'in', principalIds),
    catalogIds.length > 0 ? eb('roleAssignments.catalogId', 'in', catalogIds) : sql<SqlBool>`1 = 0`,
  ]));
}
