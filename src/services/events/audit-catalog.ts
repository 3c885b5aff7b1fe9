import type { AuditEntry } from '../../store/audit.js';
import type { CatalogEvent } from './catalog-types.js';

// The audit trail of the entitlement configuration: each event becomes the audit record these use cases
// have always written (activity strings and properties as the reference's audit log names them).

const CATALOG = 'accessPackageCatalog';
const PACKAGE = 'accessPackage';
const POLICY = 'accessPackageAssignmentPolicy';
const ORGANIZATION = 'connectedOrganization';
const IDENTITY_SOURCE = 'identitySource';
const CONNECTION = 'latchkeyConnection';

/** The audit records of one configuration event. */
export function catalogAuditEntries(e: CatalogEvent): AuditEntry[] {
  switch (e.type) {
    case 'catalogCreated':
      return [{ activity: 'Create catalog', targetType: CATALOG, targetId: e.catalogId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'catalogUpdated':
      return [{ activity: 'Update catalog', targetType: CATALOG, targetId: e.catalogId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'catalogDeleted':
      return [{ activity: 'Delete catalog', targetType: CATALOG, targetId: e.catalogId, targetDisplayName: e.name }];
    case 'catalogCreatorMadeOwner':
      return [{
        activity: 'Add role assignment', category: 'RoleManagement', targetType: 'unifiedRoleAssignment', targetId: e.catalogId,
        targetDisplayName: `Catalog owner of ${e.catalogName}`,
        modifiedProperties: [{ displayName: 'principalId', oldValue: null, newValue: e.principalId }],
      }];
    case 'resourceAdded':
    case 'resourceRemoved': {
      const added = e.type === 'resourceAdded';
      const prop = (displayName: string, value: string) => (added ? { displayName, oldValue: null, newValue: value } : { displayName, oldValue: value, newValue: null });
      return [{
        activity: added ? 'Add resource to catalog' : 'Remove resource from catalog', targetType: 'accessPackageResource', targetId: e.resourceId, targetDisplayName: e.name,
        modifiedProperties: [prop('catalogId', e.catalogId), prop('originSystem', e.originSystem), prop('originId', e.originId)],
      }];
    }
    case 'accessPackageCreated':
      return [{ activity: 'Create access package', targetType: PACKAGE, targetId: e.accessPackageId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'accessPackageUpdated':
      return [{ activity: 'Update access package', targetType: PACKAGE, targetId: e.accessPackageId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'accessPackageDeleted':
      return [{ activity: 'Delete access package', targetType: PACKAGE, targetId: e.accessPackageId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'resourceRoleAdded':
      return [{
        activity: 'Add resource role to access package', targetType: PACKAGE, targetId: e.accessPackageId, targetDisplayName: e.packageName,
        modifiedProperties: [{ displayName: 'resourceRoleScopes', oldValue: null, newValue: `${e.resourceName}: ${e.roleName} (${e.roleScopeId})` }],
      }];
    case 'resourceRoleRemoved':
      return [{
        activity: 'Remove resource role from access package', targetType: PACKAGE, targetId: e.accessPackageId, targetDisplayName: e.packageName,
        modifiedProperties: [{ displayName: 'resourceRoleScopes', oldValue: `${e.resourceName ?? '?'}: ${e.roleName ?? '?'} (${e.roleScopeId})`, newValue: null }],
      }];
    case 'incompatiblePackageAdded':
      return [{
        activity: 'Add incompatible access package', targetType: PACKAGE, targetId: e.accessPackageId, targetDisplayName: e.packageName,
        modifiedProperties: [{ displayName: 'incompatibleAccessPackages', oldValue: null, newValue: e.otherPackageId }],
      }];
    case 'incompatiblePackageRemoved':
      return [{
        activity: 'Remove incompatible access package', targetType: PACKAGE, targetId: e.accessPackageId, targetDisplayName: e.packageName,
        modifiedProperties: [{ displayName: 'incompatibleAccessPackages', oldValue: e.otherPackageId, newValue: null }],
      }];
    case 'incompatibleGroupAdded':
      return [{
        activity: 'Add incompatible group', targetType: PACKAGE, targetId: e.accessPackageId, targetDisplayName: e.packageName,
        modifiedProperties: [{ displayName: 'incompatibleGroups', oldValue: null, newValue: e.groupId }],
      }];
    case 'incompatibleGroupRemoved':
      return [{
        activity: 'Remove incompatible group', targetType: PACKAGE, targetId: e.accessPackageId, targetDisplayName: e.packageName,
        modifiedProperties: [{ displayName: 'incompatibleGroups', oldValue: e.groupId, newValue: null }],
      }];
    case 'policyCreated':
      return [{ activity: 'Create access package assignment policy', targetType: POLICY, targetId: e.policyId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'policyUpdated':
      return [{ activity: 'Update access package assignment policy', targetType: POLICY, targetId: e.policyId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'policyDeleted':
      return [{ activity: 'Delete access package assignment policy', targetType: POLICY, targetId: e.policyId, targetDisplayName: e.name }];
    case 'connectedOrganizationCreated':
      return [{ activity: 'Create connected organization', targetType: ORGANIZATION, targetId: e.organizationId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'connectedOrganizationUpdated':
      return [{ activity: 'Update connected organization', targetType: ORGANIZATION, targetId: e.organizationId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'connectedOrganizationDeleted':
      return [{ activity: 'Delete connected organization', targetType: ORGANIZATION, targetId: e.organizationId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'sponsorAdded':
      return [{
        activity: `Add ${e.kind} sponsor to connected organization`, targetType: ORGANIZATION, targetId: e.organizationId, targetDisplayName: e.organizationName,
        modifiedProperties: [{ displayName: `${e.kind}Sponsors`, oldValue: null, newValue: e.directoryObjectId }],
      }];
    case 'sponsorRemoved':
      return [{
        activity: `Remove ${e.kind} sponsor from connected organization`, targetType: ORGANIZATION, targetId: e.organizationId, targetDisplayName: e.organizationName,
        modifiedProperties: [{ displayName: `${e.kind}Sponsors`, oldValue: e.directoryObjectId, newValue: null }],
      }];
    case 'settingsUpdated':
      return [{
        activity: 'Update entitlement management settings', targetType: 'entitlementManagementSettings', targetId: 'settings',
        targetDisplayName: 'Entitlement management settings', modifiedProperties: e.changes,
      }];
    case 'connectionCreated':
      return [{ activity: 'Create connection', targetType: CONNECTION, targetId: e.connectionId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'connectionUpdated':
      return [{ activity: 'Update connection', targetType: CONNECTION, targetId: e.connectionId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'connectionDeleted':
      return [{ activity: 'Delete connection', targetType: CONNECTION, targetId: e.connectionId, targetDisplayName: e.name }];
    case 'connectionTested':
      return [{
        activity: 'Test connection', targetType: CONNECTION, targetId: e.connectionId, targetDisplayName: e.name, result: e.ok ? 'success' : 'failure',
        modifiedProperties: [{ displayName: e.ok ? 'summary' : 'error', oldValue: null, newValue: e.outcome }],
      }];
    case 'identitySourceCreated':
      return [{ activity: 'Create identity source', targetType: IDENTITY_SOURCE, targetId: e.sourceId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'identitySourceUpdated':
      return [{ activity: 'Update identity source', targetType: IDENTITY_SOURCE, targetId: e.sourceId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'identitySourceDeleted':
      return [{
        activity: 'Delete identity source', targetType: IDENTITY_SOURCE, targetId: e.sourceId, targetDisplayName: e.name,
        modifiedProperties: [{ displayName: 'released', oldValue: null, newValue: e.released }],
      }];
  }
}
