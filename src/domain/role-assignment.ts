// Where a role assignment applies. Graph's entitlement management provider names the scope in
// appScopeId: '/' for tenant-wide roles, '/AccessPackageCatalog/{catalogId}' for catalog roles.
// Older scripts send directoryScopeId '/' instead, which can only mean the tenant scope.

import type { RoleDefinition } from './authorization.js';
import { ValidationError } from './errors.js';
import { isGuid } from './ids.js';

export const TENANT_SCOPE = '/';
const CATALOG_SCOPE = /^\/AccessPackageCatalog\/([^/]+)$/i;

export const catalogScopeId = (catalogId: string) => `/AccessPackageCatalog/${catalogId}`;

export interface RoleScope {
  /** canonical appScopeId as stored */
  appScopeId: string;
  /** the catalog of a catalog-scoped assignment, else null */
  catalogId: string | null;
}

/** The scope of a new assignment of `role`, or a 400 that says which scope the role needs. */
export function resolveRoleScope(role: RoleDefinition, appScopeId: string | undefined | null, directoryScopeId: string | undefined | null): RoleScope {
  if (directoryScopeId != null && directoryScopeId !== TENANT_SCOPE) {
    throw new ValidationError(
      `directoryScopeId '${directoryScopeId}' is not supported: entitlement management roles apply to the whole directory ('/') or, through appScopeId, to one catalog.`,
      'directoryScopeId',
    );
  }
  const scope = appScopeId ?? (directoryScopeId === TENANT_SCOPE ? TENANT_SCOPE : undefined);
  const needs = role.scope === 'tenant'
    ? `'${role.displayName}' is a tenant-wide role: appScopeId must be '/'.`
    : `'${role.displayName}' is a catalog role: appScopeId must be '/AccessPackageCatalog/{catalogId}'.`;
  if (scope === undefined) throw new ValidationError(`appScopeId is required. ${needs}`, 'appScopeId');
  if (scope === TENANT_SCOPE) {
    if (role.scope !== 'tenant') throw new ValidationError(needs, 'appScopeId');
    return { appScopeId: TENANT_SCOPE, catalogId: null };
  }
  const m = CATALOG_SCOPE.exec(scope);
  if (!m) throw new ValidationError(`appScopeId '${scope}' is not a scope: use '/' or '/AccessPackageCatalog/{catalogId}'.`, 'appScopeId');
  if (role.scope !== 'catalog') throw new ValidationError(needs, 'appScopeId');
  if (!isGuid(m[1])) throw new ValidationError(`appScopeId '${scope}' does not name a catalog: '${m[1]}' is not a catalog id.`, 'appScopeId');
  const catalogId = m[1].toLowerCase();
  return { appScopeId: catalogScopeId(catalogId), catalogId };
}
