import { isoNow } from '../domain/clock.js';
import {
  checkMailNickname,
  DirectoryNotFoundError,
  directoryObjectNotFound,
  deriveMailNickname,
  type DirectoryRef,
} from '../domain/directory.js';
import { ConflictError, ValidationError } from '../domain/errors.js';
import { isGuid, newId } from '../domain/ids.js';
import { diffProperties } from '../store/audit.js';
import type { Db, Tx } from '../store/db.js';
import {
  deleteGroupAndReferences,
  deleteGroupMember,
  deleteGroupOwner,
  findGroupById,
  findGroupMember,
  findGroupOwner,
  insertGroup,
  insertGroupMember,
  insertGroupOwner,
  listCatalogsOfferingGroup,
  updateGroup,
  type GroupRow,
} from '../store/groups.js';
import { findUserById } from '../store/users.js';
import type { Caller, ServiceDeps } from './deps.js';
import type { EventBus } from './events/index.js';
import { isUniqueViolation } from '../store/constraints.js';

export type { GroupRow };

export interface GroupInput {
  displayName?: string;
  description?: string | null;
  mailNickname?: string;
  mailEnabled?: boolean;
  securityEnabled?: boolean;
}

/** Directory objects to link while creating or updating a group (Graph's members@odata.bind / owners@odata.bind). */
export interface GroupBinds {
  members?: DirectoryRef[];
  owners?: DirectoryRef[];
}

const AUDITED = ['displayName', 'description', 'mailNickname', 'mailEnabled', 'securityEnabled'] as const;

function auditView(r: GroupRow) {
  return { displayName: r.displayName, description: r.description, mailNickname: r.mailNickname, mailEnabled: !!r.mailEnabled, securityEnabled: !!r.securityEnabled };
}

// Graph's own wording for adding a link that exists, so clients that match on it keep working.
const ALREADY_EXISTS = (property: 'members' | 'owners') =>
  new ValidationError(`One or more added object references already exist for the following modified properties: '${property}'.`, property, 'Request_BadRequest');

export async function findGroup(db: Db | Tx, id: string): Promise<GroupRow> {
  const row = isGuid(id) ? await findGroupById(db, id.toLowerCase()) : undefined;
  if (!row) throw directoryObjectNotFound(id);
  return row;
}

interface ResolvedObject {
  id: string;
  type: 'user' | 'group';
  displayName: string;
}

/** Finds what a reference names; /directoryObjects/{id} may be either a user or a group. */
async function resolveRef(db: Db | Tx, ref: DirectoryRef): Promise<ResolvedObject> {
  if (ref.kind !== 'groups') {
    const u = await findUserById(db, ref.id);
    if (u) return { id: u.id, type: 'user', displayName: u.userPrincipalName };
  }
  if (ref.kind !== 'users') {
    const g = await findGroupById(db, ref.id);
    if (g) return { id: g.id, type: 'group', displayName: g.displayName };
  }
  throw directoryObjectNotFound(ref.id);
}

/** Who adds links, and when: the links' creation time and their events' caller. */
interface Change {
  events: EventBus;
  caller: Caller;
  at: string;
}

async function addMembers(tx: Tx, change: Change, group: GroupRow, refs: DirectoryRef[]): Promise<void> {
  const seen = new Set<string>();
  for (const ref of refs) {
    if (ref.id === group.id) throw new ValidationError('A group cannot be a member of itself.', 'members');
    if (seen.has(ref.id)) throw ALREADY_EXISTS('members');
    seen.add(ref.id);
    const obj = await resolveRef(tx, ref);
    if (await findGroupMember(tx, group.id, obj.id)) throw ALREADY_EXISTS('members');
    await insertGroupMember(tx, { groupId: group.id, memberId: obj.id, memberType: obj.type, createdAt: change.at });
    await change.events.publish(tx, change.caller, {
      type: 'groupMemberAdded', groupId: group.id, groupName: group.displayName, member: { id: obj.id, type: obj.type, displayName: obj.displayName },
    }, { at: change.at });
  }
}

async function addOwners(tx: Tx, change: Change, group: GroupRow, refs: DirectoryRef[]): Promise<void> {
  const seen = new Set<string>();
  for (const ref of refs) {
    if (ref.kind === 'groups') throw new ValidationError('Group owners must be users.', 'owners');
    if (seen.has(ref.id)) throw ALREADY_EXISTS('owners');
    seen.add(ref.id);
    const obj = await resolveRef(tx, ref);
    if (obj.type !== 'user') throw new ValidationError('Group owners must be users.', 'owners');
    if (await findGroupOwner(tx, group.id, obj.id)) throw ALREADY_EXISTS('owners');
    await insertGroupOwner(tx, { groupId: group.id, userId: obj.id, createdAt: change.at });
    await change.events.publish(tx, change.caller, { type: 'groupOwnerAdded', groupId: group.id, groupName: group.displayName, owner: { id: obj.id, displayName: obj.displayName } }, { at: change.at });
  }
}

export function createGroupService({ db, clock, events }: Pick<ServiceDeps, 'db' | 'clock'> & { events: EventBus }) {
  /** Runs a write; a unique index refusing a concurrent duplicate link becomes Graph's "already exist" 400. */
  const write = async <T>(property: 'members' | 'owners', fn: (tx: Tx) => Promise<T>): Promise<T> => {
    try {
      return await events.transaction(fn);
    } catch (e) {
      if (isUniqueViolation(e)) throw ALREADY_EXISTS(property);
      throw e;
    }
  };

  return {
    get: (id: string) => findGroup(db, id),

    /**
     * Graph requires displayName, mailEnabled, mailNickname and securityEnabled; only displayName is
     * required here: a group is a security group that is not mail-enabled unless said otherwise, and
     * mailNickname is derived from displayName.
     */
    async create(caller: Caller, input: GroupInput & { displayName: string }, binds: GroupBinds = {}): Promise<GroupRow> {
      const at = isoNow(clock);
      const id = newId();
      const row: GroupRow = {
        id,
        displayName: input.displayName,
        description: input.description ?? null,
        mail: null,
        mailNickname: checkMailNickname(input.mailNickname) ?? deriveMailNickname(input.displayName, `group-${id.slice(0, 8)}`),
        mailEnabled: input.mailEnabled ? 1 : 0,
        securityEnabled: input.securityEnabled === false ? 0 : 1,
        createdAt: at,
        modifiedAt: at,
        sourceId: null,
        sourceKey: null,
        externalId: null,
      };
      await write(binds.owners?.length ? 'owners' : 'members', async (tx) => {
        await insertGroup(tx, row);
        await events.publish(tx, caller, { type: 'groupCreated', groupId: id, name: row.displayName, changes: diffProperties(null, auditView(row), AUDITED) }, { at });
        await addOwners(tx, { events, caller, at }, row, binds.owners ?? []);
        await addMembers(tx, { events, caller, at }, row, binds.members ?? []);
      });
      return row;
    },

    async update(caller: Caller, id: string, patch: GroupInput, binds: GroupBinds = {}, check?: (current: GroupRow) => void): Promise<GroupRow> {
      const at = isoNow(clock);
      const nick = checkMailNickname(patch.mailNickname);
      return write('members', async (tx) => {
        const current = await findGroup(tx, id);
        check?.(current);
        const next: GroupRow = {
          ...current,
          displayName: patch.displayName ?? current.displayName,
          description: patch.description !== undefined ? patch.description : current.description,
          mailNickname: nick ?? current.mailNickname,
          mailEnabled: patch.mailEnabled === undefined ? current.mailEnabled : patch.mailEnabled ? 1 : 0,
          securityEnabled: patch.securityEnabled === undefined ? current.securityEnabled : patch.securityEnabled ? 1 : 0,
          modifiedAt: at,
        };
        const changes = diffProperties(auditView(current), auditView(next), AUDITED);
        if (changes.length > 0) {
          await updateGroup(tx, next);
          await events.publish(tx, caller, { type: 'groupUpdated', groupId: current.id, name: next.displayName, changes }, { at });
        }
        await addOwners(tx, { events, caller, at }, next, binds.owners ?? []);
        await addMembers(tx, { events, caller, at }, next, binds.members ?? []);
        return changes.length > 0 ? next : current;
      });
    },

    /**
     * Deletes a group with its memberships (as group and as member), ownerships and the references
     * other objects hold to it, refusing while a catalog offers it as a resource: access packages
     * would keep granting a group that no longer exists.
     */
    async delete(caller: Caller, id: string, check?: (current: GroupRow) => void): Promise<void> {
      const at = isoNow(clock);
      await events.transaction(async (tx) => {
        const current = await findGroup(tx, id);
        check?.(current);
        const catalogs = await listCatalogsOfferingGroup(tx, current.id);
        if (catalogs.length > 0) {
          const names = catalogs.map((c) => `'${c.displayName}' (${c.id})`).join(', ');
          throw new ConflictError(
            `Group '${current.displayName}' is a resource in catalog${catalogs.length === 1 ? '' : 's'} ${names}; remove it from ${catalogs.length === 1 ? 'that catalog' : 'those catalogs'} before deleting the group.`,
            'InvalidDeleteGroupIsCatalogResource',
          );
        }
        await deleteGroupAndReferences(tx, current.id);
        await events.publish(tx, caller, { type: 'groupDeleted', groupId: current.id, name: current.displayName }, { at });
      });
    },

    async addMember(caller: Caller, groupId: string, ref: DirectoryRef): Promise<void> {
      const at = isoNow(clock);
      await write('members', async (tx) => addMembers(tx, { events, caller, at }, await findGroup(tx, groupId), [ref]));
    },

    async removeMember(caller: Caller, groupId: string, memberId: string): Promise<void> {
      const at = isoNow(clock);
      await events.transaction(async (tx) => {
        const group = await findGroup(tx, groupId);
        const link = isGuid(memberId) ? await findGroupMember(tx, group.id, memberId.toLowerCase()) : undefined;
        if (!link) throw new DirectoryNotFoundError(`'${memberId}' is not a member of group '${group.displayName}'.`);
        await deleteGroupMember(tx, group.id, link.memberId);
        await events.publish(tx, caller, { type: 'groupMemberRemoved', groupId: group.id, groupName: group.displayName, member: { id: link.memberId, type: link.memberType } }, { at });
      });
    },

    async addOwner(caller: Caller, groupId: string, ref: DirectoryRef): Promise<void> {
      const at = isoNow(clock);
      await write('owners', async (tx) => addOwners(tx, { events, caller, at }, await findGroup(tx, groupId), [ref]));
    },

    async removeOwner(caller: Caller, groupId: string, userId: string): Promise<void> {
      const at = isoNow(clock);
      await events.transaction(async (tx) => {
        const group = await findGroup(tx, groupId);
        const link = isGuid(userId) ? await findGroupOwner(tx, group.id, userId.toLowerCase()) : undefined;
        if (!link) throw new DirectoryNotFoundError(`'${userId}' is not an owner of group '${group.displayName}'.`);
        await deleteGroupOwner(tx, group.id, link.userId);
        await events.publish(tx, caller, { type: 'groupOwnerRemoved', groupId: group.id, groupName: group.displayName, ownerId: link.userId }, { at });
      });
    },
  };
}

export type GroupService = ReturnType<typeof createGroupService>;
