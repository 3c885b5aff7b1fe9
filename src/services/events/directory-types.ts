import type { ModifiedProperty } from '../../store/audit.js';

// What happened in the directory (users, groups, role assignments, API tokens), one event per state
// change, published inside the change's transaction like the lifecycle's (types.ts). `changes` are the
// properties that differ between the object before and after (diffProperties). A token event names the
// token only: never the token or its hash.

export type DirectoryEvent =
  /** `changes` is empty for the user the bootstrap creates */
  | { type: 'userCreated'; userId: string; userPrincipalName: string; changes: ModifiedProperty[] }
  | { type: 'userUpdated'; userId: string; userPrincipalName: string; changes: ModifiedProperty[] }
  | { type: 'userDeleted'; userId: string; userPrincipalName: string }
  /** an external user became governed or not (accessPackageSubject's subjectLifecycle) */
  | { type: 'subjectLifecycleChanged'; userId: string; userPrincipalName: string; oldLifecycle: string; newLifecycle: string }
  | { type: 'managerSet'; userId: string; userPrincipalName: string; oldManagerId: string | null; managerId: string }
  | { type: 'managerRemoved'; userId: string; userPrincipalName: string; oldManagerId: string }
  | { type: 'groupCreated'; groupId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'groupUpdated'; groupId: string; name: string; changes: ModifiedProperty[] }
  | { type: 'groupDeleted'; groupId: string; name: string }
  | { type: 'groupMemberAdded'; groupId: string; groupName: string; member: { id: string; type: string; displayName: string } }
  | { type: 'groupMemberRemoved'; groupId: string; groupName: string; member: { id: string; type: string } }
  | { type: 'groupOwnerAdded'; groupId: string; groupName: string; owner: { id: string; displayName: string } }
  | { type: 'groupOwnerRemoved'; groupId: string; groupName: string; ownerId: string }
  /** `name` is how the audit log shows the assignment (role, catalog, principal) */
  | { type: 'roleAssigned'; roleAssignmentId: string; name: string; principalId: string; roleDefinitionId: string; appScopeId: string }
  | { type: 'roleAssignmentRemoved'; roleAssignmentId: string; name: string; principalId: string; roleDefinitionId: string; appScopeId: string }
  /** the bootstrap made this user the installation's first administrator */
  | { type: 'firstAdministratorBootstrapped'; roleAssignmentId: string; userPrincipalName: string }
  /** `name` is the token's name, or its user's principal name when it has none */
  | { type: 'tokenCreated'; tokenId: string; name: string }
  | { type: 'tokenRevoked'; tokenId: string; name: string | null };

/** Every directory event's type, so a subscriber can tell them from the others (checked complete by the compiler). */
const DIRECTORY_EVENT_TYPES: Record<DirectoryEvent['type'], true> = {
  userCreated: true,
  userUpdated: true,
  userDeleted: true,
  subjectLifecycleChanged: true,
  managerSet: true,
  managerRemoved: true,
  groupCreated: true,
  groupUpdated: true,
  groupDeleted: true,
  groupMemberAdded: true,
  groupMemberRemoved: true,
  groupOwnerAdded: true,
  groupOwnerRemoved: true,
  roleAssigned: true,
  roleAssignmentRemoved: true,
  firstAdministratorBootstrapped: true,
  tokenCreated: true,
  tokenRevoked: true,
};

export function isDirectoryEvent(e: { type: string }): e is DirectoryEvent {
  return Object.hasOwn(DIRECTORY_EVENT_TYPES, e.type);
}
