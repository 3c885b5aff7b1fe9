import type { Principal } from '../domain/authorization.js';
import type { Clock } from '../domain/clock.js';
import { isoNow } from '../domain/clock.js';
import { isGuid } from '../domain/ids.js';
import { GROUP_ROLES, groupRoleOriginId, parseGroupRoleOriginId, type GroupRole } from '../domain/resources.js';
import type { Db } from '../store/db.js';
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

  const groupExists = async (groupId: string) =>
    !!(await db.selectFrom('groups').select('id').where('id', '=', groupId).executeTakeFirst());

  return {
    originSystem: AAD_GROUP,
    resourceNoun: 'group',
    manageRequirement: 'ownership of the group',

    async lookup(originId: string): Promise<ResourceDescriptor | undefined> {
      if (!isGuid(originId)) return undefined;
      const g = await db.selectFrom('groups').selectAll().where('id', '=', originId.toLowerCase()).executeTakeFirst();
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
      const row = await db
        .selectFrom('groupOwners')
        .select('groupId')
        .where('groupId', '=', originId.toLowerCase())
        .where('userId', '=', principal.userId)
        .executeTakeFirst();
      return !!row;
    },

    async grant(target: GrantTarget, role: GrantRole, _scope: GrantScope): Promise<GrantOutcome> {
      const { role: kind, groupId } = parseRole(role);
      // a group deleted since it was added to the catalog cannot come back by retrying
      if (!(await groupExists(groupId))) throw new ConnectorError(`Group '${groupId}' no longer exists.`, false);
      const at = isoNow(clock);
      // ON CONFLICT DO NOTHING makes a replayed grant a no-op on both stores, even when two run at once
      const r =
        kind === 'Member'
          ? await db.insertInto('groupMembers').values({ groupId, memberId: target.objectId, memberType: 'user', createdAt: at })
            .onConflict((oc) => oc.columns(['groupId', 'memberId']).doNothing()).executeTakeFirst()
          : await db.insertInto('groupOwners').values({ groupId, userId: target.objectId, createdAt: at })
            .onConflict((oc) => oc.columns(['groupId', 'userId']).doNothing()).executeTakeFirst();
      return { changed: Number(r.numInsertedOrUpdatedRows ?? 0) > 0 };
    },

    async revoke(target: GrantTarget, role: GrantRole, _scope: GrantScope): Promise<GrantOutcome> {
      const { role: kind, groupId } = parseRole(role);
      const r =
        kind === 'Member'
          ? await db.deleteFrom('groupMembers').where('groupId', '=', groupId).where('memberId', '=', target.objectId).executeTakeFirst()
          : await db.deleteFrom('groupOwners').where('groupId', '=', groupId).where('userId', '=', target.objectId).executeTakeFirst();
      return { changed: Number(r.numDeletedRows) > 0 };
    },

    async check(target: GrantTarget, role: GrantRole, _scope: GrantScope): Promise<boolean> {
      const { role: kind, groupId } = parseRole(role);
      const row =
        kind === 'Member'
          ? await db.selectFrom('groupMembers').select('groupId').where('groupId', '=', groupId).where('memberId', '=', target.objectId).executeTakeFirst()
          : await db.selectFrom('groupOwners').select('groupId').where('groupId', '=', groupId).where('userId', '=', target.objectId).executeTakeFirst();
      return !!row;
    },
  };
}
