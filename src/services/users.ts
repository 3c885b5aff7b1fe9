import { sql } from 'kysely';
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
import { diffProperties, recordAudit } from '../store/audit.js';
import type { Db, Tx } from '../store/db.js';
import { newUserRow, type UserRow } from '../store/users.js';
import { auditContext, type Caller, type ServiceDeps } from './deps.js';
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
  const q = db.selectFrom('users').selectAll();
  const key: string = idOrUpn.toLowerCase();
  const byId = isGuid(key as unknown); // widened: the guard would narrow key to never in the else branch
  const row = byId
    ? await q.where('id', '=', key).executeTakeFirst()
    : key.includes('@')
      ? await q.where('upnKey', '=', key).executeTakeFirst()
      : undefined;
  if (!row) throw directoryObjectNotFound(idOrUpn);
  return row;
}

/** The chain of managers above a user (its manager, their manager, …). UNION stops on a cycle left by old data. */
async function managerChain(db: Db | Tx, userId: string): Promise<string[]> {
  const r = await sql<{ id: string }>`
    with recursive up(id) as (
      select manager_id from users where id = ${userId} and manager_id is not null
      union
      select u.manager_id from users u join up on u.id = up.id where u.manager_id is not null
    )
    select id from up`.execute(db);
  return r.rows.map((x) => x.id);
}

export function createUserService({ db, clock }: Pick<ServiceDeps, 'db' | 'clock'>) {
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
        await db.transaction().execute(async (tx) => {
          const clash = await tx.selectFrom('users').select('id').where('upnKey', '=', row.upnKey).executeTakeFirst();
          if (clash) throw duplicateUpn(upn);
          await tx.insertInto('users').values(row).execute();
          await recordAudit(tx, auditContext(caller, at), {
            activity: 'Add user', category: 'UserManagement', targetType: 'user', targetId: row.id, targetDisplayName: row.userPrincipalName,
            modifiedProperties: diffProperties(null, auditView(row), AUDITED),
          });
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
        return await db.transaction().execute(async (tx) => {
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
          if (next.upnKey !== current.upnKey) {
            const clash = await tx.selectFrom('users').select('id').where('upnKey', '=', next.upnKey).executeTakeFirst();
            if (clash) throw duplicateUpn(next.userPrincipalName);
          }
          await tx.updateTable('users').set(next).where('id', '=', current.id).execute();
          await recordAudit(tx, auditContext(caller, at), {
            activity: 'Update user', category: 'UserManagement', targetType: 'user', targetId: current.id,
            targetDisplayName: next.userPrincipalName, modifiedProperties: changes,
          });
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
      await db.transaction().execute(async (tx) => {
        const current = await findUser(tx, idOrUpn);
        check?.(current);
        const active = await tx
          .selectFrom('assignments')
          .select(({ fn }) => fn.countAll<number | string>().as('n'))
          .where('targetId', '=', current.id)
          .where('state', '<>', 'expired')
          .executeTakeFirst();
        const n = Number(active?.n ?? 0);
        if (n > 0) {
          throw new ConflictError(
            `User '${current.userPrincipalName}' still holds ${n} active access package assignment${n === 1 ? '' : 's'}; remove them before deleting the user.`,
            'InvalidDeleteUserHasActiveAssignments',
          );
        }
        await tx.deleteFrom('groupMembers').where('memberId', '=', current.id).execute();
        await tx.deleteFrom('groupOwners').where('userId', '=', current.id).execute();
        await tx.updateTable('users').set({ managerId: null, modifiedAt: at }).where('managerId', '=', current.id).execute();
        await tx.deleteFrom('roleAssignments').where('principalId', '=', current.id).execute();
        await tx.deleteFrom('connectedOrganizationSponsors').where('directoryObjectId', '=', current.id).execute();
        await tx.updateTable('apiTokens').set({ revokedAt: at }).where('userId', '=', current.id).where('revokedAt', 'is', null).execute();
        await tx.deleteFrom('users').where('id', '=', current.id).execute();
        await recordAudit(tx, auditContext(caller, at), {
          activity: 'Delete user', category: 'UserManagement', targetType: 'user', targetId: current.id, targetDisplayName: current.userPrincipalName,
        });
      });
    },

    /** The user's manager; 404 (Request_ResourceNotFound) when the user has none, as Graph answers. */
    async getManager(idOrUpn: string): Promise<UserRow> {
      const user = await findUser(db, idOrUpn);
      const manager = user.managerId ? await db.selectFrom('users').selectAll().where('id', '=', user.managerId).executeTakeFirst() : undefined;
      if (!manager) throw new DirectoryNotFoundError("Resource 'manager' does not exist or one of its queried reference-property objects are not present.");
      return manager;
    },

    async setManager(caller: Caller, idOrUpn: string, ref: DirectoryRef): Promise<void> {
      if (ref.kind === 'groups') throw new ValidationError('A manager must be a user, not a group.', '@odata.id');
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const user = await findUser(tx, idOrUpn);
        const manager = await tx.selectFrom('users').select(['id', 'userPrincipalName']).where('id', '=', ref.id).executeTakeFirst();
        if (!manager) throw directoryObjectNotFound(ref.id);
        checkManagerAssignment(user.id, manager.id, await managerChain(tx, manager.id));
        if (user.managerId === manager.id) return;
        await tx.updateTable('users').set({ managerId: manager.id, modifiedAt: at }).where('id', '=', user.id).execute();
        await recordAudit(tx, auditContext(caller, at), {
          activity: 'Set manager', category: 'UserManagement', targetType: 'user', targetId: user.id, targetDisplayName: user.userPrincipalName,
          modifiedProperties: [{ displayName: 'manager', oldValue: user.managerId, newValue: manager.id }],
        });
      });
    },

    async removeManager(caller: Caller, idOrUpn: string): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const user = await findUser(tx, idOrUpn);
        if (!user.managerId) throw new DirectoryNotFoundError("Resource 'manager' does not exist or one of its queried reference-property objects are not present.");
        await tx.updateTable('users').set({ managerId: null, modifiedAt: at }).where('id', '=', user.id).execute();
        await recordAudit(tx, auditContext(caller, at), {
          activity: 'Remove manager', category: 'UserManagement', targetType: 'user', targetId: user.id, targetDisplayName: user.userPrincipalName,
          modifiedProperties: [{ displayName: 'manager', oldValue: user.managerId, newValue: null }],
        });
      });
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
