import { checkUserPrincipalName, deriveMailNickname } from './directory.js';
import { addDuration, tryParseDuration } from './duration.js';

// Directory sync's pure rules (issue 13): how an LDAP entry becomes a Latchkey user or group (the
// attribute mapping of a preset, with the source's overrides), and what a run changes, given what the
// directory holds and what Latchkey holds of the source (the plan). The services read the directory,
// load the source's users and groups, call planSync and write the plan in batches with its events; a
// dry run stops after the plan.
//
// Entries arrive with their DN and the DN-valued attributes (manager, member, uniqueMember) already in
// the connector's normal form (connectors/ldap/dn.ts normalizeDn), and attribute names lower-cased, so
// this file compares strings only.

export type SyncPreset = 'openldap' | 'activeDirectory';
export type SyncMode = 'full' | 'incremental' | 'compare';
export const SYNC_MODES: readonly SyncMode[] = ['full', 'incremental', 'compare'];

/** The user properties a source maps from attributes; each is read from the first of its attributes an entry has. */
export const USER_FIELDS = [
  'userPrincipalName', 'displayName', 'mail', 'mailNickname', 'givenName', 'surname', 'jobTitle', 'department',
  'employeeId', 'costCenter', 'division', 'organization',
] as const;
export type UserField = (typeof USER_FIELDS)[number];
export type UserFields = { userPrincipalName: string; displayName: string } & { [K in Exclude<UserField, 'userPrincipalName' | 'displayName'>]: string | null };

/** The attributes a source reads, by what they become: users' fields, and the special ones. */
export interface AttributeMapping {
  user: Record<UserField, string[]> & {
    /** the stable id: entryUUID (OpenLDAP) or objectGUID (Active Directory) */
    key: string[];
    /** the manager's DN */
    manager: string[];
    /** when the entry last changed: modifyTimestamp, or whenChanged on AD */
    modified: string[];
  };
  group: { key: string[]; displayName: string[]; description: string[]; members: string[]; modified: string[] };
}

/** When an entry is a disabled account: its attribute has one of `values` (any case), or as an integer has `bit` set. */
export interface DisabledRule {
  attribute: string;
  values?: string[];
  bit?: number;
}

export interface PresetDefaults {
  usersFilter: string;
  groupsFilter: string;
  mapping: AttributeMapping;
  disabled: DisabledRule | null;
}

export const PRESETS: Record<SyncPreset, PresetDefaults> = {
  openldap: {
    usersFilter: '(objectClass=inetOrgPerson)',
    groupsFilter: '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))',
    mapping: {
      user: {
        key: ['entryUUID'], userPrincipalName: ['mail'], displayName: ['displayName', 'cn'], mail: ['mail'], mailNickname: ['uid'],
        givenName: ['givenName'], surname: ['sn'], jobTitle: ['title'], department: ['departmentNumber', 'ou'], employeeId: ['employeeNumber'],
        costCenter: [], division: [], organization: ['o'], manager: ['manager'], modified: ['modifyTimestamp'],
      },
      group: { key: ['entryUUID'], displayName: ['cn'], description: ['description'], members: ['member', 'uniqueMember'], modified: ['modifyTimestamp'] },
    },
    disabled: null,
  },
  activeDirectory: {
    usersFilter: '(&(objectCategory=person)(objectClass=user))',
    groupsFilter: '(objectClass=group)',
    mapping: {
      user: {
        key: ['objectGUID'], userPrincipalName: ['userPrincipalName'], displayName: ['displayName', 'cn'], mail: ['mail'], mailNickname: ['sAMAccountName'],
        givenName: ['givenName'], surname: ['sn'], jobTitle: ['title'], department: ['department'], employeeId: ['employeeID', 'employeeNumber'],
        costCenter: [], division: ['division'], organization: ['company'], manager: ['manager'], modified: ['whenChanged'],
      },
      group: { key: ['objectGUID'], displayName: ['cn'], description: ['description'], members: ['member'], modified: ['whenChanged'] },
    },
    // userAccountControl ACCOUNTDISABLE
    disabled: { attribute: 'userAccountControl', bit: 2 },
  },
};

/** The preset's mapping with the source's overrides (an override replaces the preset's attributes for that field). */
export function resolveMapping(
  preset: SyncPreset,
  overrides: { user?: Partial<Record<keyof AttributeMapping['user'], string | string[]>>; group?: Partial<Record<keyof AttributeMapping['group'], string | string[]>> } = {},
): AttributeMapping {
  const base = PRESETS[preset].mapping;
  const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]).filter((a) => a.length > 0);
  const user = { ...base.user };
  for (const [k, v] of Object.entries(overrides.user ?? {})) if (v !== undefined) user[k as keyof typeof user] = list(v);
  const group = { ...base.group };
  for (const [k, v] of Object.entries(overrides.group ?? {})) if (v !== undefined) group[k as keyof typeof group] = list(v);
  return { user, group };
}

/** Every attribute the mapping reads of users (or groups), for the search. */
export function attributesOf(m: AttributeMapping['user'] | AttributeMapping['group'], disabled?: DisabledRule | null): string[] {
  const all = new Set<string>();
  for (const names of Object.values(m)) for (const n of names as string[]) all.add(n);
  if (disabled) all.add(disabled.attribute);
  return [...all];
}

/** An entry as the directory reader hands it over: DN normal, attribute names lower-cased, values as text. */
export interface DirectoryEntry {
  dn: string;
  attributes: Record<string, string[]>;
}

const firstOf = (e: DirectoryEntry, names: readonly string[]): string | null => {
  for (const n of names) {
    const v = e.attributes[n.toLowerCase()]?.find((x) => x.trim().length > 0);
    if (v !== undefined) return v.trim();
  }
  return null;
};
const allOf = (e: DirectoryEntry, names: readonly string[]): string[] => names.flatMap((n) => e.attributes[n.toLowerCase()] ?? []);

export function isDisabled(e: DirectoryEntry, rule: DisabledRule | null | undefined): boolean {
  if (!rule) return false;
  const vs = e.attributes[rule.attribute.toLowerCase()] ?? [];
  if (rule.values?.length) {
    const wanted = new Set(rule.values.map((v) => v.toLowerCase()));
    if (vs.some((v) => wanted.has(v.toLowerCase()))) return true;
  }
  if (rule.bit) return vs.some((v) => /^-?\d+$/.test(v.trim()) && (Number(v) & rule.bit!) !== 0);
  return false;
}

/** A user as the directory has it. */
export interface SourceUser {
  key: string;
  dn: string;
  fields: UserFields;
  managerDn: string | null;
  enabled: boolean;
  modified: string | null;
}

export interface SourceGroup {
  key: string;
  dn: string;
  displayName: string;
  description: string | null;
  memberDns: string[];
  modified: string | null;
}

export type Mapped<T> = { ok: true; value: T } | { ok: false; error: string };

export function mapUserEntry(e: DirectoryEntry, m: AttributeMapping, disabled: DisabledRule | null | undefined): Mapped<SourceUser> {
  const u = m.user;
  const key = firstOf(e, u.key);
  if (!key) return { ok: false, error: `${e.dn}: no ${u.key.join(' or ')} (the stable id), skipped.` };
  const upnValue = firstOf(e, u.userPrincipalName);
  if (!upnValue) return { ok: false, error: `${e.dn}: no ${u.userPrincipalName.join(' or ')} for the userPrincipalName, skipped.` };
  let upn: string;
  try {
    upn = checkUserPrincipalName(upnValue);
  } catch (err) {
    return { ok: false, error: `${e.dn}: ${(err as Error).message} Skipped.` };
  }
  const get = (f: UserField) => firstOf(e, u[f]);
  const nick = get('mailNickname');
  const fields: UserFields = {
    userPrincipalName: upn,
    displayName: get('displayName') ?? upn,
    mail: get('mail'),
    mailNickname: nick ? deriveMailNickname(nick, 'user') : deriveMailNickname(upn.split('@')[0], 'user'),
    givenName: get('givenName'),
    surname: get('surname'),
    jobTitle: get('jobTitle'),
    department: get('department'),
    employeeId: get('employeeId'),
    costCenter: get('costCenter'),
    division: get('division'),
    organization: get('organization'),
  };
  return { ok: true, value: { key, dn: e.dn, fields, managerDn: firstOf(e, u.manager), enabled: !isDisabled(e, disabled), modified: firstOf(e, u.modified) } };
}

export function mapGroupEntry(e: DirectoryEntry, m: AttributeMapping): Mapped<SourceGroup> {
  const g = m.group;
  const key = firstOf(e, g.key);
  if (!key) return { ok: false, error: `${e.dn}: no ${g.key.join(' or ')} (the stable id), skipped.` };
  return {
    ok: true,
    value: {
      key, dn: e.dn, displayName: firstOf(e, g.displayName) ?? e.dn, description: firstOf(e, g.description),
      memberDns: [...new Set(allOf(e, g.members))], modified: firstOf(e, g.modified),
    },
  };
}

/** The newer of two directory timestamps (GeneralizedTime text: YYYYMMDDHHMMSS[.f]Z sorts as it reads). */
export function laterStamp(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return normalizeStamp(b) > normalizeStamp(a) ? b : a;
}

/** A GeneralizedTime without its fraction, for comparing: 20261207143650.0Z and 20261207143650Z are the same second. */
function normalizeStamp(s: string): string {
  return s.replace(/[.,]\d+/, '').replace(/Z$/i, '');
}

/** Which run the schedule starts now: a full one when none has been done or the full one is due, else incremental. */
export function scheduledMode(source: { syncCursor: string | null; nextFullAt: string | null }, at: string): SyncMode {
  if (!source.syncCursor) return 'full';
  return source.nextFullAt && source.nextFullAt <= at ? 'full' : 'incremental';
}

// ---- the plan

/** A user of the source as Latchkey holds it (or one a created user may adopt: sourceId null). */
export interface HeldUser {
  id: string;
  sourceId: string | null;
  sourceKey: string | null;
  /** the DN (users.external_id for a directory source) */
  dn: string | null;
  fields: UserFields;
  enabled: boolean;
  managerId: string | null;
}

export interface HeldGroup {
  id: string;
  sourceKey: string | null;
  dn: string | null;
  displayName: string;
  description: string | null;
}

export interface PlanInput {
  sourceId: string;
  /** users read (full, incremental); empty in a compare */
  users: readonly SourceUser[];
  groups: readonly SourceGroup[];
  /** the keys of every user and group in the directory now (full, compare): those of the source not among them are gone; null: not known (incremental) */
  presentUserKeys: ReadonlySet<string> | null;
  presentGroupKeys: ReadonlySet<string> | null;
  /** every user and group the source owns */
  heldUsers: readonly HeldUser[];
  heldGroups: readonly HeldGroup[];
  /** users outside the source with the userPrincipalName (lower-cased) of a user to create */
  othersByUpn: ReadonlyMap<string, HeldUser>;
  /** the direct members of the groups read, by group id */
  heldMembers: ReadonlyMap<string, ReadonlyMap<string, 'user' | 'group'>>;
  newId: () => string;
}

export interface UserChange {
  id: string;
  dn: string;
  key: string;
  before: HeldUser | null;
  after: { fields: UserFields; enabled: boolean };
  /** the user existed outside the source (same userPrincipalName) and becomes the source's */
  adopted: boolean;
}

export interface Plan {
  userCreates: UserChange[];
  userUpdates: UserChange[];
  /** users gone from the directory: disabled, never deleted (see README) */
  userDisables: HeldUser[];
  managers: { userId: string; upn: string; oldManagerId: string | null; managerId: string | null }[];
  groupCreates: { id: string; key: string; dn: string; displayName: string; description: string | null }[];
  groupUpdates: { id: string; key: string; dn: string; before: HeldGroup; displayName: string; description: string | null }[];
  groupDeletes: HeldGroup[];
  memberAdds: { groupId: string; memberId: string; type: 'user' | 'group' }[];
  memberRemoves: { groupId: string; memberId: string; type: 'user' | 'group' }[];
  errors: string[];
  /** the newest modification time read (the next incremental run's start) */
  cursor: string | null;
}

const sameFields = (a: UserFields, b: UserFields) => USER_FIELDS.every((f) => (a[f] ?? null) === (b[f] ?? null));

/** What a run changes: pure, so that a dry run and the real one compute the same thing. */
export function planSync(input: PlanInput): Plan {
  const plan: Plan = {
    userCreates: [], userUpdates: [], userDisables: [], managers: [], groupCreates: [], groupUpdates: [], groupDeletes: [], memberAdds: [], memberRemoves: [], errors: [], cursor: null,
  };
  const heldByKey = new Map(input.heldUsers.filter((u) => u.sourceKey).map((u) => [u.sourceKey!, u]));
  const upnTaken = new Map(input.heldUsers.map((u) => [u.fields.userPrincipalName.toLowerCase(), u]));
  /** DN → the user or group it is, after this run: members and managers are named by DN */
  const byDn = new Map<string, { id: string; type: 'user' | 'group' }>();
  for (const u of input.heldUsers) if (u.dn) byDn.set(u.dn, { id: u.id, type: 'user' });
  for (const g of input.heldGroups) if (g.dn) byDn.set(g.dn, { id: g.id, type: 'group' });

  // users: created, updated (a DN that moved, changed fields, enabled or disabled there)
  const seenKeys = new Set<string>();
  const userIdOf = new Map<string, string>();
  /** each user's manager before this run */
  const managerBefore = new Map<string, string | null>(input.heldUsers.map((u) => [u.id, u.managerId]));
  for (const u of input.users) {
    plan.cursor = laterStamp(plan.cursor, u.modified);
    if (seenKeys.has(u.key)) continue;
    seenKeys.add(u.key);
    const held = heldByKey.get(u.key);
    const upnKey = u.fields.userPrincipalName.toLowerCase();
    const holder = upnTaken.get(upnKey);
    if (held) {
      if (holder && holder.id !== held.id) {
        plan.errors.push(`${u.dn}: userPrincipalName ${u.fields.userPrincipalName} belongs to another user of this source (${holder.dn ?? holder.id}); not updated.`);
        userIdOf.set(u.dn, held.id);
        continue;
      }
      if (held.dn && held.dn !== u.dn) byDn.delete(held.dn);
      byDn.set(u.dn, { id: held.id, type: 'user' });
      userIdOf.set(u.dn, held.id);
      upnTaken.delete(held.fields.userPrincipalName.toLowerCase());
      upnTaken.set(upnKey, held);
      if (!sameFields(held.fields, u.fields) || held.enabled !== u.enabled || held.dn !== u.dn) {
        plan.userUpdates.push({ id: held.id, dn: u.dn, key: u.key, before: held, after: { fields: u.fields, enabled: u.enabled }, adopted: false });
      }
      continue;
    }
    if (holder) {
      // a user of the source whose entry was made again (a new entryUUID) takes over its old row once the old entry is gone
      const oldGone = holder.sourceKey !== null && input.presentUserKeys !== null && !input.presentUserKeys.has(holder.sourceKey);
      if (!oldGone || !holder.sourceKey) {
        plan.errors.push(`${u.dn}: userPrincipalName ${u.fields.userPrincipalName} is already taken by another user of this source (${holder.dn ?? holder.id}); skipped.`);
        continue;
      }
    }
    const other = holder ? undefined : input.othersByUpn.get(upnKey);
    if (other && other.sourceId !== null && other.sourceId !== input.sourceId) {
      plan.errors.push(`${u.dn}: userPrincipalName ${u.fields.userPrincipalName} belongs to a user of another identity source; skipped.`);
      continue;
    }
    const previous = holder ?? other;
    if (previous) {
      // adopt the user Latchkey already has under that name (made through the API, or the source's own gone entry)
      byDn.set(u.dn, { id: previous.id, type: 'user' });
      userIdOf.set(u.dn, previous.id);
      managerBefore.set(previous.id, previous.managerId);
      upnTaken.set(upnKey, { ...previous, sourceKey: u.key, dn: u.dn });
      plan.userUpdates.push({ id: previous.id, dn: u.dn, key: u.key, before: previous, after: { fields: u.fields, enabled: u.enabled }, adopted: true });
      continue;
    }
    const id = input.newId();
    byDn.set(u.dn, { id, type: 'user' });
    userIdOf.set(u.dn, id);
    managerBefore.set(id, null);
    const created: HeldUser = { id, sourceId: input.sourceId, sourceKey: u.key, dn: u.dn, fields: u.fields, enabled: u.enabled, managerId: null };
    upnTaken.set(upnKey, created);
    plan.userCreates.push({ id, dn: u.dn, key: u.key, before: null, after: { fields: u.fields, enabled: u.enabled }, adopted: false });
  }

  // groups: created, updated; their DNs join the index before members are resolved
  const groupIdOf = new Map<string, string>();
  const heldGroupByKey = new Map(input.heldGroups.filter((g) => g.sourceKey).map((g) => [g.sourceKey!, g]));
  const groupsSeen = new Set<string>();
  for (const g of input.groups) {
    plan.cursor = laterStamp(plan.cursor, g.modified);
    if (groupsSeen.has(g.key)) continue;
    groupsSeen.add(g.key);
    const held = heldGroupByKey.get(g.key);
    if (held) {
      if (held.dn && held.dn !== g.dn) byDn.delete(held.dn);
      byDn.set(g.dn, { id: held.id, type: 'group' });
      groupIdOf.set(g.dn, held.id);
      if (held.displayName !== g.displayName || (held.description ?? null) !== g.description || held.dn !== g.dn) {
        plan.groupUpdates.push({ id: held.id, key: g.key, dn: g.dn, before: held, displayName: g.displayName, description: g.description });
      }
      continue;
    }
    const id = input.newId();
    byDn.set(g.dn, { id, type: 'group' });
    groupIdOf.set(g.dn, id);
    plan.groupCreates.push({ id, key: g.key, dn: g.dn, displayName: g.displayName, description: g.description });
  }

  // managers of the users read, by DN (a manager outside the synced users is none)
  for (const u of input.users) {
    const id = userIdOf.get(u.dn);
    if (!id) continue;
    const target = u.managerDn ? byDn.get(u.managerDn) : undefined;
    const managerId = target?.type === 'user' && target.id !== id ? target.id : null;
    const before = managerBefore.get(id) ?? null;
    if (before !== managerId) plan.managers.push({ userId: id, upn: u.fields.userPrincipalName, oldManagerId: before, managerId });
  }

  // memberships of the groups read: the directory's members that are users or groups of the source
  for (const g of input.groups) {
    const groupId = groupIdOf.get(g.dn);
    if (!groupId) continue;
    const desired = new Map<string, 'user' | 'group'>();
    for (const dn of g.memberDns) {
      const m = byDn.get(dn);
      if (m && m.id !== groupId) desired.set(m.id, m.type);
    }
    const held = input.heldMembers.get(groupId) ?? new Map<string, 'user' | 'group'>();
    for (const [memberId, type] of desired) if (!held.has(memberId)) plan.memberAdds.push({ groupId, memberId, type });
    for (const [memberId, type] of held) if (!desired.has(memberId)) plan.memberRemoves.push({ groupId, memberId, type });
  }

  // what is gone from the directory (full and compare runs know everything that is there)
  if (input.presentUserKeys) {
    const adopted = new Set(plan.userUpdates.filter((c) => c.adopted).map((c) => c.id));
    for (const u of input.heldUsers) {
      if (!u.sourceKey || input.presentUserKeys.has(u.sourceKey) || adopted.has(u.id)) continue;
      if (u.enabled) plan.userDisables.push(u);
    }
  }
  if (input.presentGroupKeys) {
    for (const g of input.heldGroups) if (g.sourceKey && !input.presentGroupKeys.has(g.sourceKey)) plan.groupDeletes.push(g);
  }
  return plan;
}

/** How many changes a plan makes, as a run records them. */
export function planCounts(p: Plan) {
  const updated = new Set([...p.userUpdates.map((c) => c.id), ...p.managers.map((m) => m.userId)]);
  for (const c of p.userCreates) updated.delete(c.id);
  return {
    usersCreated: p.userCreates.length,
    usersUpdated: updated.size,
    usersDisabled: p.userDisables.length + p.userUpdates.filter((c) => c.before?.enabled && !c.after.enabled).length,
    groupsCreated: p.groupCreates.length,
    groupsUpdated: p.groupUpdates.length,
    groupsDeleted: p.groupDeletes.length,
    membersAdded: p.memberAdds.length,
    membersRemoved: p.memberRemoves.length,
  };
}

/** A line of a dry run's sample: what would change. */
export interface SampleChange {
  action: 'createUser' | 'updateUser' | 'disableUser' | 'setManager' | 'createGroup' | 'updateGroup' | 'deleteGroup' | 'addMember' | 'removeMember';
  target: string;
  /** the properties that change (updates), or the member (memberships) */
  detail?: string;
}

/** The first `limit` changes of a plan, in the order they would be written. */
export function sampleOf(p: Plan, limit: number, names: (id: string) => string): SampleChange[] {
  const out: SampleChange[] = [];
  const push = (c: SampleChange) => out.length < limit && out.push(c);
  for (const c of p.userCreates) push({ action: 'createUser', target: c.after.fields.userPrincipalName });
  for (const c of p.userUpdates) {
    const changed = USER_FIELDS.filter((f) => (c.before?.fields[f] ?? null) !== (c.after.fields[f] ?? null));
    if (c.before && c.before.enabled !== c.after.enabled) changed.push('accountEnabled' as never);
    push({ action: c.before?.enabled && !c.after.enabled ? 'disableUser' : 'updateUser', target: c.after.fields.userPrincipalName, detail: c.adopted ? `adopted; ${changed.join(', ')}` : changed.join(', ') || 'dn' });
  }
  for (const m of p.managers) push({ action: 'setManager', target: m.upn, detail: m.managerId ? names(m.managerId) : 'none' });
  for (const g of p.groupCreates) push({ action: 'createGroup', target: g.displayName });
  for (const g of p.groupUpdates) push({ action: 'updateGroup', target: g.displayName });
  for (const m of p.memberAdds) push({ action: 'addMember', target: names(m.groupId), detail: names(m.memberId) });
  for (const m of p.memberRemoves) push({ action: 'removeMember', target: names(m.groupId), detail: names(m.memberId) });
  for (const g of p.groupDeletes) push({ action: 'deleteGroup', target: g.displayName });
  for (const u of p.userDisables) push({ action: 'disableUser', target: u.fields.userPrincipalName, detail: 'gone from the directory' });
  return out;
}

// ---- the schedule

/** The source's schedule: an incremental run every `incremental`, a full one every `full` (null: never). */
export interface SyncSchedule {
  incremental: string | null;
  full: string | null;
}

export const DEFAULT_SCHEDULE: SyncSchedule = { incremental: 'PT15M', full: 'P1D' };

/** The shortest time between two scheduled runs, whatever the schedule says. */
const MIN_INTERVAL_MS = 60_000;

const after = (interval: string | null, at: string): string | null => {
  const d = interval ? tryParseDuration(interval) : undefined;
  if (!d) return null;
  return new Date(Math.max(addDuration(at, d).getTime(), Date.parse(at) + MIN_INTERVAL_MS)).toISOString();
};

/**
 * When the schedule next starts a run, after one started (or finished) at `at`: the next full run moves
 * on when this one was full, and the next run of either kind is the sooner of the two.
 */
export function nextSchedule(s: SyncSchedule, at: string, ranFull: boolean, nextFullAt: string | null): { nextSyncAt: string | null; nextFullAt: string | null } {
  const full = ranFull || !nextFullAt ? after(s.full, at) : nextFullAt;
  const incremental = after(s.incremental, at);
  const soonest = [full, incremental].filter((x): x is string => x !== null).sort()[0] ?? null;
  return { nextSyncAt: soonest, nextFullAt: full };
}
