import type { Principal } from '../domain/authorization.js';
import type { Clock } from '../domain/clock.js';
import { isoNow } from '../domain/clock.js';
import { isGuid } from '../domain/ids.js';
import { GROUP_ROLES, groupRoleOriginId, parseGroupRoleOriginId, type GroupRole } from '../domain/resources.js';
import type { Db } from '../store/db.js';
import { addDirectMember, addOwner, deleteGroupMember, deleteGroupOwner, findGroupById, findGroupMember, findGroupOwner } from '../store/groups.js';
import {
  ConnectorError,
  type ConnectorRole,
  type ConnectorScope,
  type GrantOutcome,
  type GrantRole,
  type GrantScope,
  type GrantTarget,
  type ResourceConnector,
  type ResourceDescriptor,
} from './types.js';

// The built-in connector: groups of Latchkey's own directory (tables groups, group_members,
// group_owners). Member grants a direct membership, Owner a direct ownership.

export const AAD_GROUP = 'AadGroup';

function groupKind(g: { mailEnabled: number; securityEnabled: number }): string {
  if (g.securityEnabled) return g.mailEnabled ? 'Mail-enabled security group' : 'Security group';
  return g.mailEnabled ? 'Microsoft 365 group' : 'Group';
}

export function createDirectoryGroupsConnector({ db, clock }: { db: Db; clock: Clock }): ResourceConnector {
  /** The group a role names; grants go to that group whatever scope is given, since groups have only the root scope. */
  const parseRole = (role: GrantRole): { role: GroupRole; groupId: string } => {
    const parsed = parseGroupRoleOriginId(role.originId);
    if (!parsed || !isGuid(parsed.groupId)) {
      throw new ConnectorError(`'${role.originId}' is not a group role; expected Member_<groupId> or Owner_<groupId>.`, false);
    }
    return parsed;
  };

  const groupExists = async (groupId: string) => !!(await findGroupById(db, groupId));

  return {
    originSystem: AAD_GROUP,
    resourceNoun: 'group',
    manageRequirement: 'ownership of the group',

    async lookup(originId: string): Promise<ResourceDescriptor | undefined> {
      if (!isGuid(originId)) return undefined;
      const g = await findGroupById(db, originId.toLowerCase());
      if (!g) return undefined;
      return { originId: g.id, displayName: g.displayName, description: g.description, resourceType: groupKind(g), addable: true };
    },

    rolesOf(resource: ResourceDescriptor): ConnectorRole[] {
      return GROUP_ROLES.map((r) => ({ originId: groupRoleOriginId(r, resource.originId), displayName: r, description: null }));
    },

    scopesOf(resource: ResourceDescriptor): ConnectorScope[] {
      return [{ originId: resource.originId, displayName: 'Root', description: 'Root Scope', isRootScope: true }];
    },

    async canManage(principal: Principal, originId: string): Promise<boolean> {
      if (!isGuid(originId)) return false;
      return !!(await findGroupOwner(db, originId.toLowerCase(), principal.userId));
    },

    async grant(target: GrantTarget, role: GrantRole, _scope: GrantScope): Promise<GrantOutcome> {
      const { role: kind, groupId } = parseRole(role);
      // a group deleted since it was added to the catalog cannot come back by retrying
      if (!(await groupExists(groupId))) throw new ConnectorError(`Group '${groupId}' no longer exists.`, false);
      const at = isoNow(clock);
      // a replayed grant is a no-op on both stores, even when two run at once (see store/groups.ts)
      const changed = kind === 'Member' ? await addDirectMember(db, groupId, target.objectId, at) : await addOwner(db, groupId, target.objectId, at);
      return { changed };
    },

    async revoke(target: GrantTarget, role: GrantRole, _scope: GrantScope): Promise<GrantOutcome> {
      const { role: kind, groupId } = parseRole(role);
      const changed = kind === 'Member' ? await deleteGroupMember(db, groupId, target.objectId) : await deleteGroupOwner(db, groupId, target.objectId);
      return { changed };
    },

    async check(target: GrantTarget, role: GrantRole, _scope: GrantScope): Promise<boolean> {
      const { role: kind, groupId } = parseRole(role);
      return !!(kind === 'Member' ? await findGroupMember(db, groupId, target.objectId) : await findGroupOwner(db, groupId, target.objectId));
    },
  };
}
