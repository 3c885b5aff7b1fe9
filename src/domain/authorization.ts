// Who may do what: the reference's delegation model as pure data and functions.
// Tenant roles apply everywhere; catalog roles apply to one catalog and nothing else.
// Everything not granted here is denied.

export const RoleDefinitionIds = {
  /** tenant-wide administrator of entitlement management (the reference's Identity Governance Administrator) */
  administrator: '45d8d3c5-c802-45c6-b32a-1d70b5e1e86e',
  catalogCreator: 'ba92d953-d8e0-4e39-a797-0cbedb0a89e8',
  connectedOrganizationAdministrator: 'e65cf63f-9cc2-4b48-8871-cb667e9d90fb',
  catalogOwner: 'ae79f266-94d4-4dab-b730-feca7e132178',
  catalogReader: '44272f93-9762-48e8-af59-1b5351b1d6b3',
  accessPackageManager: '7f480852-ebdc-47d4-87de-0d8498384a83',
  accessPackageAssignmentManager: 'e2182095-804a-4656-ae11-64734e9b7ae5',
} as const;

/** Some published documentation prints the connected organization administrator id one digit short; accept it. */
export const RoleDefinitionAliases: Record<string, string> = {
  'e65cf63f-9cc2-4b48-8871-cb667e9d90f': RoleDefinitionIds.connectedOrganizationAdministrator,
};

export type RoleScope = 'tenant' | 'catalog';

export interface RoleDefinition {
  id: string;
  displayName: string;
  description: string;
  scope: RoleScope;
}

export const roleDefinitions: readonly RoleDefinition[] = [
  {
    id: RoleDefinitionIds.administrator,
    displayName: 'Identity Governance Administrator',
    description: 'Manages every catalog, access package, policy, assignment, connected organization and setting.',
    scope: 'tenant',
  },
  {
    id: RoleDefinitionIds.catalogCreator,
    displayName: 'Catalog creator',
    description: 'Creates catalogs and becomes the first owner of each catalog it creates.',
    scope: 'tenant',
  },
  {
    id: RoleDefinitionIds.connectedOrganizationAdministrator,
    displayName: 'Connected organization administrator',
    description: 'Creates and manages connected organizations.',
    scope: 'tenant',
  },
  {
    id: RoleDefinitionIds.catalogOwner,
    displayName: 'Catalog owner',
    description: 'Edits the catalog, its resources and role assignments, and manages its access packages, policies and assignments.',
    scope: 'catalog',
  },
  {
    id: RoleDefinitionIds.catalogReader,
    displayName: 'Catalog reader',
    description: 'Views the catalog and its access packages.',
    scope: 'catalog',
  },
  {
    id: RoleDefinitionIds.accessPackageManager,
    displayName: 'Access package manager',
    description: 'Creates and edits access packages, their resource roles and policies, and manages assignments.',
    scope: 'catalog',
  },
  {
    id: RoleDefinitionIds.accessPackageAssignmentManager,
    displayName: 'Access package assignment manager',
    description: 'Assigns and removes users, views requests and delivery errors, reprocesses and cancels.',
    scope: 'catalog',
  },
];

export function findRoleDefinition(id: string): RoleDefinition | undefined {
  const canonical = RoleDefinitionAliases[id.toLowerCase()] ?? id.toLowerCase();
  return roleDefinitions.find((r) => r.id === canonical);
}

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

const R = RoleDefinitionIds;
const CATALOG_ROLES: Record<CatalogAction, readonly string[]> = {
  'catalog.read': [R.catalogOwner, R.catalogReader, R.accessPackageManager, R.accessPackageAssignmentManager],
  'catalog.write': [R.catalogOwner],
  'catalog.resources.write': [R.catalogOwner],
  'catalog.roles.write': [R.catalogOwner],
  'package.write': [R.catalogOwner, R.accessPackageManager],
  'assignment.read': [R.catalogOwner, R.accessPackageManager, R.accessPackageAssignmentManager],
  'assignment.write': [R.catalogOwner, R.accessPackageManager, R.accessPackageAssignmentManager],
};

/** Tenant actions and the tenant roles that grant them (the administrator has every action). */
const TENANT_ROLES: Record<TenantAction, readonly string[]> = {
  'directory.read': [R.catalogCreator, R.connectedOrganizationAdministrator],
  'directory.write': [],
  'catalog.create': [R.catalogCreator],
  'connectedOrganization.read': [R.connectedOrganizationAdministrator],
  'connectedOrganization.write': [R.connectedOrganizationAdministrator],
  'settings.read': [R.connectedOrganizationAdministrator],
  'settings.write': [],
  'roleAssignment.tenant.write': [],
  'audit.read': [],
};

/**
 * Tenant actions that holding any catalog role implies: people who manage a catalog must be able to
 * look up users and groups to assign them, and connected organizations to write policies for them.
 */
const IMPLIED_BY_ANY_CATALOG_ROLE: ReadonlySet<TenantAction> = new Set(['directory.read', 'connectedOrganization.read']);

export interface Principal {
  userId: string;
  displayName: string;
  userPrincipalName: string;
  userType: string;
  tenantRoles: ReadonlySet<string>;
  catalogRoles: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * The groups the user is in at any depth, as found when the request was authenticated (the roles came from
   * them): policy scope checks about the caller reuse them instead of walking the groups a second time
   */
  groupIds?: readonly string[];
}

export function isAdministrator(p: Principal): boolean {
  return p.tenantRoles.has(R.administrator);
}

export function canTenant(p: Principal, action: TenantAction): boolean {
  if (isAdministrator(p)) return true;
  if (TENANT_ROLES[action].some((r) => p.tenantRoles.has(r))) return true;
  return IMPLIED_BY_ANY_CATALOG_ROLE.has(action) && p.catalogRoles.size > 0;
}

export function canCatalog(p: Principal, action: CatalogAction, catalogId: string): boolean {
  if (isAdministrator(p)) return true;
  const roles = p.catalogRoles.get(catalogId);
  return !!roles && CATALOG_ROLES[action].some((r) => roles.has(r));
}

/** Catalogs where the principal may perform the action: 'all' for administrators, else an explicit list. */
export function catalogsWhere(p: Principal, action: CatalogAction): 'all' | string[] {
  if (isAdministrator(p)) return 'all';
  const ids: string[] = [];
  for (const [catalogId, roles] of p.catalogRoles) {
    if (CATALOG_ROLES[action].some((r) => roles.has(r))) ids.push(catalogId);
  }
  return ids;
}

/** Which principals may hand out a role: tenant roles only administrators; catalog roles also the catalog's owners. */
export function canAssignRole(p: Principal, role: RoleDefinition, catalogId: string | null): boolean {
  if (isAdministrator(p)) return true;
  if (role.scope === 'tenant' || !catalogId) return false;
  return canCatalog(p, 'catalog.roles.write', catalogId);
}
