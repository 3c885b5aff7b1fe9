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
}

const AUDITED = [
  'displayName', 'userPrincipalName', 'mail', 'mailNickname', 'givenName', 'surname', 'department', 'jobTitle', 'userType', 'accountEnabled',
] as const;

function auditView(r: UserRow) {
  return {
    displayName: r.displayName, userPrincipalName: r.userPrincipalName, mail: r.mail, mailNickname: r.mailNickname, givenName: r.givenName,
    surname: r.surname, department: r.department, jobTitle: r.jobTitle, userType: r.userType, accountEnabled: !!r.accountEnabled,
  };
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
      const upn = checkUserPrincipalName(input.userPrincipalName);
      const at = isoNow(clock);
      const mail = checkMail(input.mail);
      const nick = checkMailNickname(input.mailNickname) ?? deriveMailNickname(upn.split('@')[0], 'user');
      const row = newUserRow({
        id: newId(), displayName: input.displayName, userPrincipalName: upn, mail, mailNickname: nick, givenName: input.givenName,
        surname: input.surname, department: input.department, jobTitle: input.jobTitle, userType: input.userType ?? 'Member',
        accountEnabled: input.accountEnabled ?? true,
      }, at);
      try {
        await events.transaction(async (tx) => {
          if (await findUserByUpn(tx, row.upnKey)) throw duplicateUpn(upn);
          await insertUser(tx, row);
          await events.publish(tx, caller, { type: 'userCreated', userId: row.id, userPrincipalName: row.userPrincipalName, changes: diffProperties(null, auditView(row), AUDITED) }, { at });
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw duplicateUpn(upn);
        throw e;
      }
      return row;
    },

    async update(caller: Caller, idOrUpn: string, patch: UserInput, check?: (current: UserRow) => void): Promise<UserRow> {
      const at = isoNow(clock);
      const upn = patch.userPrincipalName === undefined ? undefined : checkUserPrincipalName(patch.userPrincipalName);
      const mail = checkMail(patch.mail);
      const nick = checkMailNickname(patch.mailNickname);
      try {
        return await events.transaction(async (tx) => {
          const current = await findUser(tx, idOrUpn);
          check?.(current);
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
            modifiedAt: at,
          };
          const changes = diffProperties(auditView(current), auditView(next), AUDITED);
          if (changes.length === 0) return current;
          if (next.upnKey !== current.upnKey && (await findUserByUpn(tx, next.upnKey))) throw duplicateUpn(next.userPrincipalName);
          await updateUser(tx, next);
          await events.publish(tx, caller, { type: 'userUpdated', userId: current.id, userPrincipalName: next.userPrincipalName, changes }, { at });
          return next;
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw duplicateUpn(upn ?? '');
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
        await deleteUserAndReferences(tx, current.id, at);
        await events.publish(tx, caller, { type: 'userDeleted', userId: current.id, userPrincipalName: current.userPrincipalName }, { at });
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
        if (!user.managerId) throw new DirectoryNotFoundError("Resource 'manager' does not exist or one of its queried reference-property objects are not present.");
        await setUserManager(tx, user.id, null, at);
        await events.publish(tx, caller, { type: 'managerRemoved', userId: user.id, userPrincipalName: user.userPrincipalName, oldManagerId: user.managerId }, { at });
      });
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
