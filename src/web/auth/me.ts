// The signed-in person as /latchkey/v1/me describes them, and the permission checks the UI uses to show
// or hide actions. The server enforces the same rules (src/domain/authorization.ts); these only decide
// what to offer.

export type TenantAction =
  | 'directory.read'
  | 'directory.write'
  | 'catalog.create'
  | 'connectedOrganization.read'
  | 'connectedOrganization.write'
  | 'settings.read'
  | 'settings.write'
  | 'roleAssignment.tenant.write'
  | 'audit.read';

export type CatalogAction =
  | 'catalog.read'
  | 'catalog.write'
  | 'catalog.resources.write'
  | 'catalog.roles.write'
  | 'package.write'
  | 'assignment.read'
  | 'assignment.write';

export interface Me {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  userType: string;
  tenantRoles: { roleDefinitionId: string; displayName: string }[];
  catalogRoles: { catalogId: string; roleDefinitionId: string; displayName: string }[];
  can: { tenant: TenantAction[]; anyCatalog: CatalogAction[]; catalogs: Record<string, CatalogAction[]> };
}

export function canTenant(me: Me, action: TenantAction): boolean {
  return me.can.tenant.includes(action);
}

export function canCatalog(me: Me, action: CatalogAction, catalogId: string | undefined): boolean {
  if (me.can.anyCatalog.includes(action)) return true;
  // own keys only: a catalog id from the URL such as 'constructor' must not reach Object.prototype
  return !!catalogId && Object.hasOwn(me.can.catalogs, catalogId) && me.can.catalogs[catalogId].includes(action);
}

/** True when the person holds a catalog permission in at least one catalog (or everywhere). */
export function canSomeCatalog(me: Me, action: CatalogAction): boolean {
  return me.can.anyCatalog.includes(action) || Object.values(me.can.catalogs).some((a) => a.includes(action));
}

/** Whether the admin portal has anything to show this person. */
export function isAdministrative(me: Me): boolean {
  return me.can.tenant.length > 0 || me.can.anyCatalog.length > 0 || Object.keys(me.can.catalogs).length > 0;
}
