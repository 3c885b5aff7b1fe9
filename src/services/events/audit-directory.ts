import { diffProperties, type AuditEntry } from '../../store/audit.js';
import type { DirectoryEvent } from './directory-types.js';

// The audit trail of the directory: each event becomes the audit record these use cases have always
// written (activity strings, categories and properties as the reference's audit log names them).

const USERS = { category: 'UserManagement', targetType: 'user' } as const;
const GROUPS = { category: 'GroupManagement', targetType: 'group' } as const;
const ROLES = { category: 'RoleManagement', targetType: 'unifiedRoleAssignment' } as const;
const TOKENS = { category: 'UserManagement', targetType: 'apiToken' } as const;

/** The audit records of one directory event. */
export function directoryAuditEntries(e: DirectoryEvent): AuditEntry[] {
  switch (e.type) {
    case 'userCreated':
      return [{ activity: 'Add user', ...USERS, targetId: e.userId, targetDisplayName: e.userPrincipalName, modifiedProperties: e.changes }];
    case 'userUpdated':
      return [{ activity: 'Update user', ...USERS, targetId: e.userId, targetDisplayName: e.userPrincipalName, modifiedProperties: e.changes }];
    case 'userDeleted':
      return [{ activity: 'Delete user', ...USERS, targetId: e.userId, targetDisplayName: e.userPrincipalName }];
    case 'subjectLifecycleChanged':
      return [{
        activity: 'Update user', ...USERS, targetId: e.userId, targetDisplayName: e.userPrincipalName,
        modifiedProperties: diffProperties({ subjectLifecycle: e.oldLifecycle }, { subjectLifecycle: e.newLifecycle }, ['subjectLifecycle']),
      }];
    case 'managerSet':
      return [{
        activity: 'Set manager', ...USERS, targetId: e.userId, targetDisplayName: e.userPrincipalName,
        modifiedProperties: [{ displayName: 'manager', oldValue: e.oldManagerId, newValue: e.managerId }],
      }];
    case 'managerRemoved':
      return [{
        activity: 'Remove manager', ...USERS, targetId: e.userId, targetDisplayName: e.userPrincipalName,
        modifiedProperties: [{ displayName: 'manager', oldValue: e.oldManagerId, newValue: null }],
      }];
    case 'groupCreated':
      return [{ activity: 'Add group', ...GROUPS, targetId: e.groupId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'groupUpdated':
      return [{ activity: 'Update group', ...GROUPS, targetId: e.groupId, targetDisplayName: e.name, modifiedProperties: e.changes }];
    case 'groupDeleted':
      return [{ activity: 'Delete group', ...GROUPS, targetId: e.groupId, targetDisplayName: e.name }];
    case 'groupMemberAdded':
      return [{
        activity: 'Add member to group', ...GROUPS, targetId: e.groupId, targetDisplayName: e.groupName,
        modifiedProperties: [{ displayName: 'members', oldValue: null, newValue: { id: e.member.id, type: e.member.type, displayName: e.member.displayName } }],
      }];
    case 'groupMemberRemoved':
      return [{
        activity: 'Remove member from group', ...GROUPS, targetId: e.groupId, targetDisplayName: e.groupName,
        modifiedProperties: [{ displayName: 'members', oldValue: { id: e.member.id, type: e.member.type }, newValue: null }],
      }];
    case 'groupOwnerAdded':
      return [{
        activity: 'Add owner to group', ...GROUPS, targetId: e.groupId, targetDisplayName: e.groupName,
        modifiedProperties: [{ displayName: 'owners', oldValue: null, newValue: { id: e.owner.id, displayName: e.owner.displayName } }],
      }];
    case 'groupOwnerRemoved':
      return [{
        activity: 'Remove owner from group', ...GROUPS, targetId: e.groupId, targetDisplayName: e.groupName,
        modifiedProperties: [{ displayName: 'owners', oldValue: { id: e.ownerId }, newValue: null }],
      }];
    case 'roleAssigned':
    case 'roleAssignmentRemoved': {
      const added = e.type === 'roleAssigned';
      const prop = (displayName: string, value: string) => (added ? { displayName, oldValue: null, newValue: value } : { displayName, oldValue: value, newValue: null });
      return [{
        activity: added ? 'Add role assignment' : 'Remove role assignment', ...ROLES, targetId: e.roleAssignmentId, targetDisplayName: e.name,
        modifiedProperties: [prop('principalId', e.principalId), prop('roleDefinitionId', e.roleDefinitionId), prop('appScopeId', e.appScopeId)],
      }];
    }
    case 'firstAdministratorBootstrapped':
      return [{ activity: 'Add role assignment', ...ROLES, targetId: e.roleAssignmentId, targetDisplayName: `Administrator: ${e.userPrincipalName}` }];
    case 'tokenCreated':
      return [{ activity: 'Create API token', ...TOKENS, targetId: e.tokenId, targetDisplayName: e.name }];
    case 'tokenRevoked':
      return [{ activity: 'Revoke API token', ...TOKENS, targetId: e.tokenId, targetDisplayName: e.name }];
  }
}
