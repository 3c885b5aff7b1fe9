import {
  canCatalog,
  canTenant,
  findRoleDefinition,
  type CatalogAction,
  type Principal,
  type TenantAction,
} from './authorization.js';

// What a signed-in person may do, spelled out for the web portals (GET /latchkey/v1/me). Derived only
// through canTenant/canCatalog, so that what the UI offers and what the API allows cannot disagree.

// Records keyed by the action unions: adding an action to authorization.ts without listing it here
// fails to compile.
const TENANT_ACTIONS: Record<TenantAction, true> = {
  'directory.read': true,
  'directory.write': true,
  'catalog.create': true,
  'connectedOrganization.read': true,
  'connectedOrganization.write': true,
  'settings.read': true,
  'settings.write': true,
  'roleAssignment.tenant.write': true,
  'audit.read': true,
};
const CATALOG_ACTIONS: Record<CatalogAction, true> = {
  'catalog.read': true,
  'catalog.write': true,
  'catalog.resources.write': true,
  'catalog.roles.write': true,
  'package.write': true,
  'assignment.read': true,
  'assignment.write': true,
};

export const allTenantActions = Object.keys(TENANT_ACTIONS) as TenantAction[];
export const allCatalogActions = Object.keys(CATALOG_ACTIONS) as CatalogAction[];

export interface Capabilities {
  tenant: TenantAction[];
  /** catalog actions granted in every catalog by tenant roles alone (all of them for the administrator) */
  anyCatalog: CatalogAction[];
  /** per catalog where the person holds a role (directly or through groups): the actions there */
  catalogs: Record<string, CatalogAction[]>;
}

/** A catalog id no principal holds a role in: what canCatalog allows there comes from tenant roles alone. */
const NO_CATALOG = '';

export function capabilitiesOf(p: Principal): Capabilities {
  const tenantOnly: Principal = { ...p, catalogRoles: new Map() };
  const catalogs: Record<string, CatalogAction[]> = {};
  for (const catalogId of [...p.catalogRoles.keys()].sort()) {
    catalogs[catalogId] = allCatalogActions.filter((a) => canCatalog(p, a, catalogId));
  }
  return {
    tenant: allTenantActions.filter((a) => canTenant(p, a)),
    anyCatalog: allCatalogActions.filter((a) => canCatalog(tenantOnly, a, NO_CATALOG)),
    catalogs,
  };
}

export interface RoleHeld {
  roleDefinitionId: string;
  displayName: string;
}

/** The roles of a principal with their names, tenant-wide and per catalog, in a stable order. */
export function rolesOf(p: Principal): { tenantRoles: RoleHeld[]; catalogRoles: (RoleHeld & { catalogId: string })[] } {
  const named = (id: string): RoleHeld => ({ roleDefinitionId: id, displayName: findRoleDefinition(id)?.displayName ?? id });
  const byName = (a: RoleHeld, b: RoleHeld) => a.displayName.localeCompare(b.displayName);
  return {
    tenantRoles: [...p.tenantRoles].map(named).sort(byName),
    catalogRoles: [...p.catalogRoles.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([catalogId, roles]) => [...roles].map(named).sort(byName).map((r) => ({ catalogId, ...r }))),
  };
}
