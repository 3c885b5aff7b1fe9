import type { ModifiedProperty } from '../../store/audit.js';
import type { SponsorKind } from '../../domain/connected-organization.js';

// What happened to the entitlement configuration (catalogs, their resources, access packages, policies,
// connected organizations, the tenant's settings), one event per state change, published inside the
// change's transaction like the lifecycle's (types.ts). `changes` are the properties that differ between
// the object before and after (diffProperties): computed by the use case that holds both versions.

export type CatalogEvent =
  /** `changes` is empty for the built-in General catalog, created at start-up */
  | { type: 'catalogCreated'; catalogId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'catalogUpdated'; catalogId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'catalogDeleted'; catalogId: string; name: string }
  /** the creator of a catalog (not an administrator) became its first owner */
  | { type: 'catalogCreatorMadeOwner'; catalogId: string; catalogName: string; principalId: string }
  | { type: 'resourceAdded'; resourceId: string; name: string; catalogId: string; originSystem: string; originId: string }
  | { type: 'resourceRemoved'; resourceId: string; name: string; catalogId: string; originSystem: string; originId: string }
  | { type: 'accessPackageCreated'; accessPackageId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'accessPackageUpdated'; accessPackageId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'accessPackageDeleted'; accessPackageId: string; name: string; changes: ModifiedProperty[] }
  /** a resource role in a scope joined or left a package; names are null when the role is gone */
  | { type: 'resourceRoleAdded'; accessPackageId: string; packageName: string; roleScopeId: string; resourceName: string; roleName: string }
  | { type: 'resourceRoleRemoved'; accessPackageId: string; packageName: string; roleScopeId: string; resourceName: string | null; roleName: string | null }
  | { type: 'incompatiblePackageAdded'; accessPackageId: string; packageName: string; otherPackageId: string }
  | { type: 'incompatiblePackageRemoved'; accessPackageId: string; packageName: string; otherPackageId: string }
  | { type: 'incompatibleGroupAdded'; accessPackageId: string; packageName: string; groupId: string }
  | { type: 'incompatibleGroupRemoved'; accessPackageId: string; packageName: string; groupId: string }
  | { type: 'policyCreated'; policyId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'policyUpdated'; policyId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'policyDeleted'; policyId: string; name: string }
  | { type: 'connectedOrganizationCreated'; organizationId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'connectedOrganizationUpdated'; organizationId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'connectedOrganizationDeleted'; organizationId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'sponsorAdded'; organizationId: string; organizationName: string; kind: SponsorKind; directoryObjectId: string }
  | { type: 'sponsorRemoved'; organizationId: string; organizationName: string; kind: SponsorKind; directoryObjectId: string }
  | { type: 'settingsUpdated'; changes: ModifiedProperty[] }
  /** connections to target systems: `changes` never hold a secret's value, only that it was set or replaced */
  | { type: 'connectionCreated'; connectionId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'connectionUpdated'; connectionId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'connectionDeleted'; connectionId: string; name: string }
  /** an administrator tested a connection: what it found, or the error */
  | { type: 'connectionTested'; connectionId: string; name: string; ok: boolean; outcome: string }
  /** identity sources (SCIM, LDAP sync): `changes` of their settings (never a secret: those stay on the connection) */
  | { type: 'identitySourceCreated'; sourceId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'identitySourceUpdated'; sourceId: string; name: string; changes: ModifiedProperty[] }
  /** `released`: the users and groups it owned, kept and owned by nobody from now on */
  | { type: 'identitySourceDeleted'; sourceId: string; name: string; released: { users: number; groups: number } };

/** Every configuration event's type, so a subscriber can tell them from the others (checked complete by the compiler). */
const CATALOG_EVENT_TYPES: Record<CatalogEvent['type'], true> = {
  catalogCreated: true,
  catalogUpdated: true,
  catalogDeleted: true,
  catalogCreatorMadeOwner: true,
  resourceAdded: true,
  resourceRemoved: true,
  accessPackageCreated: true,
  accessPackageUpdated: true,
  accessPackageDeleted: true,
  resourceRoleAdded: true,
  resourceRoleRemoved: true,
  incompatiblePackageAdded: true,
  incompatiblePackageRemoved: true,
  incompatibleGroupAdded: true,
  incompatibleGroupRemoved: true,
  policyCreated: true,
  policyUpdated: true,
  policyDeleted: true,
  connectedOrganizationCreated: true,
  connectedOrganizationUpdated: true,
  connectedOrganizationDeleted: true,
  sponsorAdded: true,
  sponsorRemoved: true,
  settingsUpdated: true,
  connectionCreated: true,
  connectionUpdated: true,
  connectionDeleted: true,
  connectionTested: true,
  identitySourceCreated: true,
  identitySourceUpdated: true,
  identitySourceDeleted: true,
};

export function isCatalogEvent(e: { type: string }): e is CatalogEvent {
  return Object.hasOwn(CATALOG_EVENT_TYPES, e.type);
}
