import { isoNow } from '../domain/clock.js';
import { listDirectMembersOf, listMembershipsOf, namesOf } from '../store/identity-sync.js';
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
import { ownerOf, type DirectoryChange } from './users.js';
import { checkNotOwned } from '../domain/identity-source.js';
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

/** Who adds links, and when: the links' creation time and their events' caller (users.ts's DirectoryChange). */
type Change = DirectoryChange;

const publishOpts = (c: Change) => ({ at: c.at, ...(c.by ? { by: c.by } : {}) });

/** Adds direct members (users or groups) and publishes groupMemberAdded for each; 400 when one is already a member. */
export async function addMembers(tx: Tx, change: Change, group: GroupRow, refs: DirectoryRef[]): Promise<void> {
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
    }, publishOpts(change));
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
    await change.events.publish(tx, change.caller, { type: 'groupOwnerAdded', groupId: group.id, groupName: group.displayName, owner: { id: obj.id, displayName: obj.displayName } }, publishOpts(change));
  }
}

/** Removes a direct member and publishes groupMemberRemoved; false when it was no member. */
export async function removeMemberIn(tx: Tx, change: Change, group: GroupRow, memberId: string): Promise<boolean> {
  const link = isGuid(memberId) ? await findGroupMember(tx, group.id, memberId.toLowerCase()) : undefined;
  if (!link) return false;
  await deleteGroupMember(tx, group.id, link.memberId);
  await change.events.publish(tx, change.caller, { type: 'groupMemberRemoved', groupId: group.id, groupName: group.displayName, member: { id: link.memberId, type: link.memberType } }, publishOpts(change));
  return true;
}

/** Inserts a group and publishes groupCreated (a security group, not mail-enabled, unless said otherwise). */
export async function createGroupIn(tx: Tx, change: Change, input: GroupInput & { displayName: string }, source: { sourceId: string | null; sourceKey?: string | null; externalId?: string | null } = { sourceId: null }): Promise<GroupRow> {
  const id = newId();
  const row: GroupRow = {
    id,
    displayName: input.displayName,
    description: input.description ?? null,
    mail: null,
    mailNickname: checkMailNickname(input.mailNickname) ?? deriveMailNickname(input.displayName, `group-${id.slice(0, 8)}`),
    mailEnabled: input.mailEnabled ? 1 : 0,
    securityEnabled: input.securityEnabled === false ? 0 : 1,
    createdAt: change.at,
    modifiedAt: change.at,
    sourceId: source.sourceId,
    sourceKey: source.sourceKey ?? null,
    externalId: source.externalId ?? null,
  };
  await insertGroup(tx, row);
  await change.events.publish(tx, change.caller, { type: 'groupCreated', groupId: id, name: row.displayName, changes: diffProperties(null, auditView(row), AUDITED) }, publishOpts(change));
  return row;
}

/** Writes a patch onto a group and publishes groupUpdated with the properties that differ. */
export async function updateGroupIn(tx: Tx, change: Change, current: GroupRow, patch: GroupInput & { externalId?: string | null }): Promise<GroupRow> {
  const nick = checkMailNickname(patch.mailNickname);
  const next: GroupRow = {
    ...current,
    displayName: patch.displayName ?? current.displayName,
    description: patch.description !== undefined ? patch.description : current.description,
    mailNickname: nick ?? current.mailNickname,
    mailEnabled: patch.mailEnabled === undefined ? current.mailEnabled : patch.mailEnabled ? 1 : 0,
    securityEnabled: patch.securityEnabled === undefined ? current.securityEnabled : patch.securityEnabled ? 1 : 0,
    externalId: patch.externalId !== undefined ? patch.externalId : current.externalId,
    modifiedAt: change.at,
  };
  const changes = diffProperties(auditView(current), auditView(next), AUDITED);
  if (changes.length === 0 && next.externalId === current.externalId) return current;
  await updateGroup(tx, next);
  if (changes.length > 0) await change.events.publish(tx, change.caller, { type: 'groupUpdated', groupId: current.id, name: next.displayName, changes }, publishOpts(change));
  return next;
}

/** The catalogs offering a group as a resource, as the sentence a refused deletion gives; null when none does. */
export async function groupDeletionRefusal(tx: Tx, group: GroupRow): Promise<string | null> {
  const catalogs = await listCatalogsOfferingGroup(tx, group.id);
  if (catalogs.length === 0) return null;
  const names = catalogs.map((c) => `'${c.displayName}' (${c.id})`).join(', ');
  return `Group '${group.displayName}' is a resource in catalog${catalogs.length === 1 ? '' : 's'} ${names}; remove it from ${catalogs.length === 1 ? 'that catalog' : 'those catalogs'} before deleting the group.`;
}

/**
 * Deletes a group with its links and publishes groupDeleted (the caller has checked no catalog offers it),
 * after a groupMemberRemoved for each of its direct members and for its place in each group it was nested
 * in: whoever follows membership (the mover, auto-assignment) learns of the people who left that way.
 */
export async function deleteGroupIn(tx: Tx, change: Change, group: GroupRow): Promise<void> {
  const members = await listDirectMembersOf(tx, [group.id]);
  const parents = await listMembershipsOf(tx, [group.id]);
  const names = await namesOf(tx, parents.map((p) => p.groupId));
  await change.events.publish(tx, change.caller, [
    ...members.map((m) => ({ type: 'groupMemberRemoved' as const, groupId: group.id, groupName: group.displayName, member: { id: m.memberId, type: m.memberType } })),
    ...parents.map((p) => ({ type: 'groupMemberRemoved' as const, groupId: p.groupId, groupName: names.get(p.groupId) ?? p.groupId, member: { id: group.id, type: 'group' } })),
  ], publishOpts(change));
  await deleteGroupAndReferences(tx, group.id);
  await change.events.publish(tx, change.caller, { type: 'groupDeleted', groupId: group.id, name: group.displayName }, publishOpts(change));
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
      return write(binds.owners?.length ? 'owners' : 'members', async (tx) => {
        const row = await createGroupIn(tx, { events, caller, at }, input);
        await addOwners(tx, { events, caller, at }, row, binds.owners ?? []);
        await addMembers(tx, { events, caller, at }, row, binds.members ?? []);
        return row;
      });
    },

    async update(caller: Caller, id: string, patch: GroupInput, binds: GroupBinds = {}, check?: (current: GroupRow) => void): Promise<GroupRow> {
      const at = isoNow(clock);
      return write('members', async (tx) => {
        const current = await findGroup(tx, id);
        check?.(current);
        const touched = [
          ...(patch.displayName !== undefined && patch.displayName !== current.displayName ? ['displayName'] : []),
          ...(binds.members?.length ? ['members'] : []),
        ];
        checkNotOwned(await ownerOf(tx, current.sourceId), 'group', touched);
        const next = await updateGroupIn(tx, { events, caller, at }, current, patch);
        await addOwners(tx, { events, caller, at }, next, binds.owners ?? []);
        await addMembers(tx, { events, caller, at }, next, binds.members ?? []);
        return next;
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
        const refusal = await groupDeletionRefusal(tx, current);
        if (refusal) throw new ConflictError(refusal, 'InvalidDeleteGroupIsCatalogResource');
        await deleteGroupIn(tx, { events, caller, at }, current);
      });
    },

    async addMember(caller: Caller, groupId: string, ref: DirectoryRef): Promise<void> {
      const at = isoNow(clock);
      await write('members', async (tx) => {
        const group = await findGroup(tx, groupId);
        checkNotOwned(await ownerOf(tx, group.sourceId), 'group', ['members']);
        await addMembers(tx, { events, caller, at }, group, [ref]);
      });
    },

    async removeMember(caller: Caller, groupId: string, memberId: string): Promise<void> {
      const at = isoNow(clock);
      await events.transaction(async (tx) => {
        const group = await findGroup(tx, groupId);
        checkNotOwned(await ownerOf(tx, group.sourceId), 'group', ['members']);
        if (!(await removeMemberIn(tx, { events, caller, at }, group, memberId))) throw new DirectoryNotFoundError(`'${memberId}' is not a member of group '${group.displayName}'.`);
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
