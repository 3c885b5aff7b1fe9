// Catalogs: containers of resources and access packages, and the unit of delegation.

export const CATALOG_STATES = ['unpublished', 'published'] as const;
export const CATALOG_TYPES = ['userManaged', 'serviceDefault', 'serviceManaged'] as const;
export type CatalogState = (typeof CATALOG_STATES)[number];
export type CatalogType = (typeof CATALOG_TYPES)[number];

export const GENERAL_CATALOG_NAME = 'General';

export const DISPLAY_NAME_MAX = 256;
export const DESCRIPTION_MAX = 2048;

/** Policy scopes for people outside the directory: a catalog closed to external users (isExternallyVisible false) takes none. */
export const EXTERNAL_TARGET_SCOPES = ['specificConnectedOrganizationUsers', 'allConfiguredConnectedOrganizationUsers', 'allExternalUsers'] as const;

export function isExternalTargetScope(scope: string): boolean {
  return (EXTERNAL_TARGET_SCOPES as readonly string[]).includes(scope);
}

/** Why a policy with this scope cannot be in the catalog, or undefined when it can. */
export function externalScopeProblem(scope: string, catalog: { displayName: string; isExternallyVisible: boolean | number }): string | undefined {
  if (catalog.isExternallyVisible || !isExternalTargetScope(scope)) return undefined;
  return `Catalog '${catalog.displayName}' is not open to external users (isExternallyVisible is false), so its policies cannot be for connected organizations or external users ('${scope}'); choose users in your directory, or open the catalog to external users first.`;
}
