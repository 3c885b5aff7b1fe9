import { isoNow } from '../domain/clock.js';
import {
  checkMail,
  checkMailNickname,
  checkManagerAssignment,
  checkUserPrincipalName,
  deriveMailNickname,
  DirectoryNotFoundError,
  directoryObjectNotFound,
  type DirectoryRef,
  type UserType,
} from '../domain/directory.js';
import { ConflictError, ValidationError } from '../domain/errors.js';
import { isGuid, newId } from '../domain/ids.js';
import { diffProperties } from '../store/audit.js';
import type { Db, Tx } from '../store/db.js';
import {
  countActiveAssignmentsOfUser,
  deleteUserAndReferences,
  findUserById,
  findUserByUpn,
  insertUser,
  managerChain,
  newUserRow,
  setUserManager,
  updateUser,
  type UserRow,
} from '../store/users.js';
import type { Caller, ServiceDeps } from './deps.js';
import type { EventBus } from './events/index.js';
import { isUniqueViolation } from '../store/constraints.js';
import { findIdentitySource } from '../store/identity-sources.js';
import { checkNotOwned } from '../domain/identity-source.js';

export type { UserRow };

/**
 * What a client may set on a user. There is deliberately no password here: people sign in through
 * an identity provider, so the API layer drops passwordProfile before a service ever sees it.
 */
export interface UserInput {
  displayName?: string;
  userPrincipalName?: string;
  mail?: string | null;
  mailNickname?: string | null;
  givenName?: string | null;
  surname?: string | null;
  department?: string | null;
  jobTitle?: string | null;
  userType?: UserType;
  accountEnabled?: boolean;
  /** the enterprise attributes identity sources bring (SCIM's enterprise extension, LDAP) */
  employeeId?: string | null;
  costCenter?: string | null;
  division?: string | null;
  organization?: string | null;
  /** the SCIM externalId an identity provider sent (not a Graph property) */
  externalId?: string | null;
}

// the properties whose changes userCreated / userUpdated carry (joiner/mover/leaver rules read them)
const AUDITED = [
  'displayName', 'userPrincipalName', 'mail', 'mailNickname', 'givenName', 'surname', 'department', 'jobTitle', 'userType', 'accountEnabled',
  'employeeId', 'costCenter', 'division', 'organization',
] as const;

function auditView(r: UserRow) {
  return {
    displayName: r.displayName, userPrincipalName: r.userPrincipalName, mail: r.mail, mailNickname: r.mailNickname, givenName: r.givenName,
    surname: r.surname, department: r.department, jobTitle: r.jobTitle, userType: r.userType, accountEnabled: !!r.accountEnabled,
    employeeId: r.employeeId, costCenter: r.costCenter, division: r.division, organization: r.organization,
  };
}

/**
 * Who changes the directory, and when, inside a transaction someone else holds: the Graph routes' service
 * methods below and the identity sources (SCIM provisioning, LDAP sync) write users through the same
 * functions, so every change publishes the same events. `by` names a tool acting without a caller.
 */
export interface DirectoryChange {
  events: EventBus;
  caller: Caller | null;
  at: string;
  by?: string;
}

const publishOpts = (c: DirectoryChange) => ({ at: c.at, ...(c.by ? { by: c.by } : {}) });

/** Inserts a new user (checked and normalised) and publishes userCreated; 409 on a taken userPrincipalName. */
export async function createUserIn(
  tx: Tx,
  change: DirectoryChange,
  input: UserInput & { displayName: string; userPrincipalName: string },
  source: { sourceId: string | null; sourceKey?: string | null } = { sourceId: null },
): Promise<UserRow> {
  const upn = checkUserPrincipalName(input.userPrincipalName);
  const mail = checkMail(input.mail);
  const nick = checkMailNickname(input.mailNickname) ?? deriveMailNickname(upn.split('@')[0], 'user');
  const row: UserRow = {
    ...newUserRow({
      id: newId(), displayName: input.displayName, userPrincipalName: upn, mail, mailNickname: nick, givenName: input.givenName,
      surname: input.surname, department: input.department, jobTitle: input.jobTitle, userType: input.userType ?? 'Member',
      accountEnabled: input.accountEnabled ?? true,
    }, change.at),
    sourceId: source.sourceId,
    sourceKey: source.sourceKey ?? null,
    externalId: input.externalId ?? null,
    employeeId: input.employeeId ?? null,
    costCenter: input.costCenter ?? null,
    division: input.division ?? null,
    organization: input.organization ?? null,
  };
  if (await findUserByUpn(tx, row.upnKey)) throw duplicateUpn(upn);
  await insertUser(tx, row);
  await change.events.publish(tx, change.caller, { type: 'userCreated', userId: row.id, userPrincipalName: row.userPrincipalName, changes: diffProperties(null, auditView(row), AUDITED) }, publishOpts(change));
  return row;
}

/** Writes a patch onto `current` and publishes userUpdated with the properties that differ; `current` itself when nothing does. */
export async function updateUserIn(tx: Tx, change: DirectoryChange, current: UserRow, patch: UserInput & { sourceId?: string | null }): Promise<UserRow> {
  const upn = patch.userPrincipalName === undefined ? undefined : checkUserPrincipalName(patch.userPrincipalName);
  const mail = checkMail(patch.mail);
  const nick = checkMailNickname(patch.mailNickname);
  const pick = <T>(v: T | undefined, old: T): T => (v === undefined ? old : v);
  const next: UserRow = {
    ...current,
    displayName: pick(patch.displayName, current.displayName),
    userPrincipalName: pick(upn, current.userPrincipalName),
    upnKey: pick(upn, current.userPrincipalName).toLowerCase(),
    mail: pick(mail, current.mail),
    mailNickname: pick(nick, current.mailNickname),
    givenName: pick(patch.givenName, current.givenName),
    surname: pick(patch.surname, current.surname),
    department: pick(patch.department, current.department),
    jobTitle: pick(patch.jobTitle, current.jobTitle),
    userType: pick(patch.userType, current.userType),
    accountEnabled: patch.accountEnabled === undefined ? current.accountEnabled : patch.accountEnabled ? 1 : 0,
    employeeId: pick(patch.employeeId, current.employeeId),
    costCenter: pick(patch.costCenter, current.costCenter),
    division: pick(patch.division, current.division),
    organization: pick(patch.organization, current.organization),
    externalId: pick(patch.externalId, current.externalId),
    sourceId: pick(patch.sourceId, current.sourceId),
    modifiedAt: change.at,
  };
  const changes = diffProperties(auditView(current), auditView(next), AUDITED);
  // externalId and the owning source are no Graph properties: written, but no event of their own
  const quiet = next.externalId !== current.externalId || next.sourceId !== current.sourceId;
  if (changes.length === 0 && !quiet) return current;
  if (next.upnKey !== current.upnKey && (await findUserByUpn(tx, next.upnKey))) throw duplicateUpn(next.userPrincipalName);
  await updateUser(tx, next);
  if (changes.length > 0) {
    await change.events.publish(tx, change.caller, { type: 'userUpdated', userId: current.id, userPrincipalName: next.userPrincipalName, changes }, publishOpts(change));
  }
  return next;
}

/** Sets (a user id) or removes (null) a user's manager and publishes managerSet / managerRemoved; nothing when it is already so. */
export async function setManagerIn(tx: Tx, change: DirectoryChange, user: UserRow, managerId: string | null, field = 'manager'): Promise<void> {
  if (managerId === user.managerId) return;
  if (managerId === null) {
    await setUserManager(tx, user.id, null, change.at);
    await change.events.publish(tx, change.caller, { type: 'managerRemoved', userId: user.id, userPrincipalName: user.userPrincipalName, oldManagerId: user.managerId! }, publishOpts(change));
    return;
  }
  const manager = await findUserById(tx, managerId);
  if (!manager) throw new ValidationError(`The manager '${managerId}' is no user.`, field);
  checkManagerAssignment(user.id, manager.id, await managerChain(tx, manager.id));
  await setUserManager(tx, user.id, manager.id, change.at);
  await change.events.publish(tx, change.caller, { type: 'managerSet', userId: user.id, userPrincipalName: user.userPrincipalName, oldManagerId: user.managerId, managerId: manager.id }, publishOpts(change));
}

/** The identity source that owns a user or group, if any (its name and kind, for checkNotOwned). */
export async function ownerOf(tx: Db | Tx, sourceId: string | null): Promise<{ displayName: string; kind: string } | undefined> {
  return sourceId ? findIdentitySource(tx, sourceId) : undefined;
}

/** The Graph properties a patch would change on a user (a value sent back unchanged is no change). */
function changedProperties(current: UserRow, patch: UserInput): string[] {
  const now: Record<string, unknown> = { ...auditView(current) };
  return Object.entries(patch).filter(([k, v]) => v !== undefined && k in now && (k === 'userPrincipalName' ? String(v).toLowerCase() !== current.upnKey : v !== now[k])).map(([k]) => k);
}

/** How many of the user's access package assignments have not ended: a user holding any cannot be deleted. */
export const activeAssignmentsOf = (tx: Tx, userId: string) => countActiveAssignmentsOfUser(tx, userId);

/** Deletes a user with every reference to it and publishes userDeleted (the caller has checked it may go). */
export async function deleteUserIn(tx: Tx, change: DirectoryChange, current: UserRow): Promise<void> {
  await deleteUserAndReferences(tx, current.id, change.at);
  await change.events.publish(tx, change.caller, { type: 'userDeleted', userId: current.id, userPrincipalName: current.userPrincipalName }, publishOpts(change));
}

function duplicateUpn(upn: string): ConflictError {
  return new ConflictError(`Another object with the same value for property userPrincipalName already exists: '${upn}'.`, 'ObjectConflict');
}

/** Loads a user by object id or by userPrincipalName (case-insensitive), as Graph's /users/{id-or-upn} does. */
export async function findUser(db: Db | Tx, idOrUpn: string): Promise<UserRow> {
  const key: string = idOrUpn.toLowerCase();
  const byId = isGuid(key as unknown); // widened: the guard would narrow key to never in the else branch
  const row = byId
    ? await findUserById(db, key)
    : key.includes('@')
      ? await findUserByUpn(db, key)
      : undefined;
  if (!row) throw directoryObjectNotFound(idOrUpn);
  return row;
}

export function createUserService({ db, clock, events }: Pick<ServiceDeps, 'db' | 'clock'> & { events: EventBus }) {
  return {
    get: (idOrUpn: string) => findUser(db, idOrUpn),

    async create(caller: Caller, input: UserInput & { displayName: string; userPrincipalName: string }): Promise<UserRow> {
      const at = isoNow(clock);
      try {
        return await events.transaction((tx) => createUserIn(tx, { events, caller, at }, input));
      } catch (e) {
        if (isUniqueViolation(e)) throw duplicateUpn(input.userPrincipalName);
        throw e;
      }
    },

    async update(caller: Caller, idOrUpn: string, patch: UserInput, check?: (current: UserRow) => void): Promise<UserRow> {
      const at = isoNow(clock);
      try {
        return await events.transaction(async (tx) => {
          const current = await findUser(tx, idOrUpn);
          check?.(current);
          // what an identity source brings changes at the source, not here
          checkNotOwned(await ownerOf(tx, current.sourceId), 'user', changedProperties(current, patch));
          return updateUserIn(tx, { events, caller, at }, current, patch);
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw duplicateUpn(patch.userPrincipalName ?? '');
        throw e;
      }
    },

    /**
     * Deletes a user and every reference to it (memberships, ownerships, manager links, role
     * assignments, sponsorships, API tokens), refusing while the user still holds access: ending
     * assignments is the lifecycle's job, and deleting under them would leave access nobody can see.
     */
    async delete(caller: Caller, idOrUpn: string, check?: (current: UserRow) => void): Promise<void> {
      const at = isoNow(clock);
      await events.transaction(async (tx) => {
        const current = await findUser(tx, idOrUpn);
        check?.(current);
        const n = await countActiveAssignmentsOfUser(tx, current.id);
        if (n > 0) {
          throw new ConflictError(
            `User '${current.userPrincipalName}' still holds ${n} active access package assignment${n === 1 ? '' : 's'}; remove them before deleting the user.`,
            'InvalidDeleteUserHasActiveAssignments',
          );
        }
        await deleteUserIn(tx, { events, caller, at }, current);
      });
    },

    /** The user's manager; 404 (Request_ResourceNotFound) when the user has none, as Graph answers. */
    async getManager(idOrUpn: string): Promise<UserRow> {
      const user = await findUser(db, idOrUpn);
      const manager = user.managerId ? await findUserById(db, user.managerId) : undefined;
      if (!manager) throw new DirectoryNotFoundError("Resource 'manager' does not exist or one of its queried reference-property objects are not present.");
      return manager;
    },

    async setManager(caller: Caller, idOrUpn: string, ref: DirectoryRef): Promise<void> {
      if (ref.kind === 'groups') throw new ValidationError('A manager must be a user, not a group.', '@odata.id');
      const at = isoNow(clock);
      await events.transaction(async (tx) => {
        const user = await findUser(tx, idOrUpn);
        checkNotOwned(await ownerOf(tx, user.sourceId), 'user', ['manager']);
        const manager = await findUserById(tx, ref.id);
        if (!manager) throw directoryObjectNotFound(ref.id);
        checkManagerAssignment(user.id, manager.id, await managerChain(tx, manager.id));
        if (user.managerId === manager.id) return;
        await setUserManager(tx, user.id, manager.id, at);
        await events.publish(tx, caller, { type: 'managerSet', userId: user.id, userPrincipalName: user.userPrincipalName, oldManagerId: user.managerId, managerId: manager.id }, { at });
      });
    },

    async removeManager(caller: Caller, idOrUpn: string): Promise<void> {
      const at = isoNow(clock);
      await events.transaction(async (tx) => {
        const user = await findUser(tx, idOrUpn);
        checkNotOwned(await ownerOf(tx, user.sourceId), 'user', ['manager']);
        if (!user.managerId) throw new DirectoryNotFoundError("Resource 'manager' does not exist or one of its queried reference-property objects are not present.");
        await setUserManager(tx, user.id, null, at);
        await events.publish(tx, caller, { type: 'managerRemoved', userId: user.id, userPrincipalName: user.userPrincipalName, oldManagerId: user.managerId }, { at });
      });
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
