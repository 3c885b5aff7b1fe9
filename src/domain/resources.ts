// Catalog resources: the enums of resource requests and the pure rules about resource roles and scopes.

/** originSystem values Graph documents; a connector may serve any of them (or a new one). */
export const KNOWN_ORIGIN_SYSTEMS = ['AadGroup', 'AadApplication', 'SharePointOnline', 'DirectoryRole'] as const;

/** accessPackageRequestType, the literals of the reference (also used by assignment requests) */
export const REQUEST_TYPES = [
  'notSpecified', 'userAdd', 'userUpdate', 'userRemove', 'adminAdd', 'adminUpdate', 'adminRemove',
  'systemAdd', 'systemUpdate', 'systemRemove', 'onBehalfAdd', 'unknownFutureValue',
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/** The resource request types Latchkey carries out: adding a resource to a catalog and removing it. */
export const RESOURCE_REQUEST_TYPES = ['adminAdd', 'adminRemove'] as const;
export type ResourceRequestType = (typeof RESOURCE_REQUEST_TYPES)[number];

/** accessPackageRequestState */
export const REQUEST_STATES = [
  'submitted', 'pendingApproval', 'delivering', 'delivered', 'deliveryFailed', 'denied', 'scheduled', 'canceled',
  'partiallyDelivered', 'unknownFutureValue',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/** The id of a resource role scope, as Graph forms it. */
export function roleScopeId(roleId: string, scopeId: string): string {
  return `${roleId}_${scopeId}`;
}

/** The two roles a directory group offers. */
export const GROUP_ROLES = ['Member', 'Owner'] as const;
export type GroupRole = (typeof GROUP_ROLES)[number];

/** `Member_<groupId>` / `Owner_<groupId>`: the reference's originId of a group role. */
export function groupRoleOriginId(role: GroupRole, groupId: string): string {
  return `${role}_${groupId}`;
}

/** Reads a group role originId back; undefined when it is not one. Case-insensitive on the role name like Graph's enums. */
export function parseGroupRoleOriginId(originId: string): { role: GroupRole; groupId: string } | undefined {
  const m = /^(member|owner)_(.+)$/i.exec(originId);
  if (!m) return undefined;
  const role = GROUP_ROLES.find((r) => r.toLowerCase() === m[1].toLowerCase())!;
  return { role, groupId: m[2].toLowerCase() };
}

/**
 * Which roles and scopes a resource role scope may join: the role must belong to a resource of the
 * package's catalog (a package only bundles what its catalog holds), and the scope to the role's resource.
 * Returns the reason when they may not, else undefined.
 */
export function roleScopeMismatch(
  pkg: { catalogId: string },
  role: { resourceId: string; catalogId: string },
  scope: { resourceId: string },
): { field: 'role' | 'scope'; reason: string } | undefined {
  if (role.catalogId !== pkg.catalogId) {
    return {
      field: 'role',
      reason: `The role belongs to a resource of catalog '${role.catalogId}', but the access package is in catalog '${pkg.catalogId}'. Add the resource to the package's catalog first and use its role.`,
    };
  }
  if (scope.resourceId !== role.resourceId) {
    return { field: 'scope', reason: 'The scope must belong to the same resource as the role.' };
  }
  return undefined;
}
