import { isoNow } from '../../../domain/clock.js';
import { deriveMailNickname } from '../../../domain/directory.js';
import type { HeldUser, Plan, UserFields } from '../../../domain/identity-sync.js';
import { diffProperties, type ModifiedProperty } from '../../../store/audit.js';
import { chunks } from '../../../store/chunks.js';
import type { Tx } from '../../../store/db.js';
import { deleteGroupAndReferences, listCatalogsOfferingGroup } from '../../../store/groups.js';
import {
  deleteMembers, disableUsers, insertGroups, insertMembers, insertUsers, listDirectMembersOf, listMembershipsOf, patchGroup, patchUser, setUserManagers,
} from '../../../store/identity-sync.js';
import { newUserRow } from '../../../store/users.js';
import type { DirectoryEvent } from '../../events/directory-types.js';
import type { IdentitySyncDeps } from './deps.js';

// Writing a run's plan: in batches of BATCH changes a transaction, each batch with the directory events
// of its changes published inside it (userCreated / userUpdated with `changes`, managerSet /
// managerRemoved, groupCreated / groupUpdated / groupDeleted, groupMemberAdded / groupMemberRemoved),
// so that audit and the joiner/mover/leaver subscribers see every change the sync makes, exactly when it
// is committed. The phases go in the order their references need: users, then managers (who may have
// been created in this run), groups, memberships (of users and groups made before), and last what is
// gone: groups deleted, users disabled. A crash between batches leaves the earlier ones written; the
// run's job comes back and plans again from what is now there, so nothing is written twice.

/** Changes per transaction. */
export const BATCH = 500;

/** The user properties a sync writes and audits. */
const AUDITED = [
  'displayName', 'userPrincipalName', 'mail', 'mailNickname', 'givenName', 'surname', 'department', 'jobTitle', 'accountEnabled',
  'employeeId', 'costCenter', 'division', 'organization',
] as const;
const userView = (f: UserFields, enabled: boolean) => ({ ...f, accountEnabled: enabled });
const GROUP_AUDITED = ['displayName', 'description', 'mailNickname'] as const;

export interface ApplyContext {
  sourceId: string;
  /** the audit actor: the identity source's name */
  by: string;
  /** names of users (principal name) and groups by id, the plan's new ones included */
  names: Map<string, string>;
  /** told the running total of changes written after each batch */
  onWritten: (n: number) => Promise<void>;
}

/** Writes the plan; answers the errors met (a group a catalog still offers is emptied rather than deleted). */
export async function applyPlan(deps: Pick<IdentitySyncDeps, 'db' | 'clock' | 'events'>, plan: Plan, ctx: ApplyContext): Promise<string[]> {
  const errors: string[] = [];
  let written = 0;
  const batch = async <T>(items: readonly T[], write: (tx: Tx, chunk: T[], at: string) => Promise<DirectoryEvent[]>) => {
    for (const chunk of chunks(items, BATCH)) {
      await deps.events.transaction(async (tx) => {
        const at = isoNow(deps.clock);
        const events = await write(tx, chunk, at);
        await deps.events.publish(tx, null, events, { at, by: ctx.by });
      });
      written += chunk.length;
      await ctx.onWritten(written);
    }
  };
  const name = (id: string) => ctx.names.get(id) ?? id;

  await batch(plan.userCreates, async (tx, chunk, at) => {
    const rows = chunk.map((c) => ({
      ...newUserRow({ id: c.id, ...c.after.fields, accountEnabled: c.after.enabled, userType: 'Member' }, at),
      sourceId: ctx.sourceId, sourceKey: c.key, externalId: c.dn,
      employeeId: c.after.fields.employeeId, costCenter: c.after.fields.costCenter, division: c.after.fields.division, organization: c.after.fields.organization,
    }));
    await insertUsers(tx, rows);
    return chunk.map((c) => ({
      type: 'userCreated', userId: c.id, userPrincipalName: c.after.fields.userPrincipalName,
      changes: diffProperties(null, userView(c.after.fields, c.after.enabled), AUDITED),
    }));
  });

  await batch(plan.userUpdates, async (tx, chunk, at) => {
    const events: DirectoryEvent[] = [];
    for (const c of chunk) {
      const f = c.after.fields;
      await patchUser(tx, c.id, {
        ...f, upnKey: f.userPrincipalName.toLowerCase(), mailNickname: f.mailNickname ?? deriveMailNickname(f.userPrincipalName.split('@')[0], 'user'),
        accountEnabled: c.after.enabled ? 1 : 0, sourceId: ctx.sourceId, sourceKey: c.key, externalId: c.dn, modifiedAt: at,
      });
      const changes: ModifiedProperty[] = diffProperties(c.before ? userView(c.before.fields, c.before.enabled) : null, userView(f, c.after.enabled), AUDITED);
      // a move or a rename of the entry alone changes no property of the user: nothing to tell
      if (changes.length > 0 || c.adopted) events.push({ type: 'userUpdated', userId: c.id, userPrincipalName: f.userPrincipalName, changes });
    }
    return events;
  });

  await batch(plan.managers, async (tx, chunk, at) => {
    await setUserManagers(tx, chunk, at);
    return chunk.map((m): DirectoryEvent => (m.managerId
      ? { type: 'managerSet', userId: m.userId, userPrincipalName: m.upn, oldManagerId: m.oldManagerId, managerId: m.managerId }
      : { type: 'managerRemoved', userId: m.userId, userPrincipalName: m.upn, oldManagerId: m.oldManagerId! }));
  });

  await batch(plan.groupCreates, async (tx, chunk, at) => {
    const rows = chunk.map((g) => ({
      id: g.id, displayName: g.displayName, description: g.description, mail: null, mailNickname: deriveMailNickname(g.displayName, 'group'),
      mailEnabled: 0, securityEnabled: 1, createdAt: at, modifiedAt: at, sourceId: ctx.sourceId, sourceKey: g.key, externalId: g.dn,
    }));
    await insertGroups(tx, rows);
    return rows.map((r) => ({
      type: 'groupCreated', groupId: r.id, name: r.displayName,
      changes: diffProperties(null, { displayName: r.displayName, description: r.description, mailNickname: r.mailNickname }, GROUP_AUDITED),
    }));
  });

  await batch(plan.groupUpdates, async (tx, chunk, at) => {
    const events: DirectoryEvent[] = [];
    for (const g of chunk) {
      await patchGroup(tx, g.id, { displayName: g.displayName, description: g.description, externalId: g.dn, modifiedAt: at });
      const changes = diffProperties({ displayName: g.before.displayName, description: g.before.description }, { displayName: g.displayName, description: g.description }, ['displayName', 'description']);
      if (changes.length > 0) events.push({ type: 'groupUpdated', groupId: g.id, name: g.displayName, changes });
    }
    return events;
  });

  await batch(plan.memberAdds, async (tx, chunk, at) => {
    await insertMembers(tx, chunk.map((m) => ({ groupId: m.groupId, memberId: m.memberId, memberType: m.type, createdAt: at })));
    return chunk.map((m) => ({ type: 'groupMemberAdded', groupId: m.groupId, groupName: name(m.groupId), member: { id: m.memberId, type: m.type, displayName: name(m.memberId) } }));
  });

  await batch(plan.memberRemoves, async (tx, chunk) => {
    const byGroup = new Map<string, string[]>();
    for (const m of chunk) {
      const ids = byGroup.get(m.groupId);
      if (ids) ids.push(m.memberId);
      else byGroup.set(m.groupId, [m.memberId]);
    }
    for (const [groupId, ids] of byGroup) await deleteMembers(tx, groupId, ids);
    return chunk.map((m) => ({ type: 'groupMemberRemoved', groupId: m.groupId, groupName: name(m.groupId), member: { id: m.memberId, type: m.type } }));
  });

  // a group gone from the directory goes, with its memberships and its place in other groups (each
  // told); one a catalog offers as a
  // resource stays, emptied, so that the catalog's packages are not left pointing at nothing
  await batch(plan.groupDeletes, async (tx, chunk) => {
    const events: DirectoryEvent[] = [];
    const members = await listDirectMembersOf(tx, chunk.map((g) => g.id));
    const parents = await listMembershipsOf(tx, chunk.map((g) => g.id));
    for (const g of chunk) {
      for (const m of members.filter((x) => x.groupId === g.id)) {
        events.push({ type: 'groupMemberRemoved', groupId: g.id, groupName: g.displayName, member: { id: m.memberId, type: m.memberType } });
      }
      const catalogs = await listCatalogsOfferingGroup(tx, g.id);
      if (catalogs.length > 0) {
        await deleteMembers(tx, g.id, members.filter((x) => x.groupId === g.id).map((x) => x.memberId));
        errors.push(`Group '${g.displayName}' is gone from the directory, but catalog '${catalogs[0].displayName}' offers it: it was emptied, not deleted.`);
        continue;
      }
      // the group leaves the groups it was nested in, too
      for (const p of parents.filter((x) => x.memberId === g.id)) {
        events.push({ type: 'groupMemberRemoved', groupId: p.groupId, groupName: name(p.groupId), member: { id: g.id, type: 'group' } });
      }
      await deleteGroupAndReferences(tx, g.id);
      events.push({ type: 'groupDeleted', groupId: g.id, name: g.displayName });
    }
    return events;
  });

  await batch(plan.userDisables, async (tx, chunk: HeldUser[], at) => {
    await disableUsers(tx, chunk.map((u) => u.id), at);
    return chunk.map((u) => ({
      type: 'userUpdated', userId: u.id, userPrincipalName: u.fields.userPrincipalName,
      changes: [{ displayName: 'accountEnabled', oldValue: true, newValue: false }],
    }));
  });
  return errors;
}
