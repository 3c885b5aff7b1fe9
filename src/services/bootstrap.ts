import { RoleDefinitionIds } from '../domain/authorization.js';
import { isoNow } from '../domain/clock.js';
import { ConflictError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { insertRoleAssignment, listTenantAdministratorUsers } from '../store/role-assignments.js';
import { findUserByUpn, insertUser, newUserRow } from '../store/users.js';
import type { ServiceDeps } from './deps.js';
import type { DomainEvent, EventBus } from './events/index.js';

export interface BootstrapResult {
  userId: string;
  createdUser: boolean;
  createdRole: boolean;
}

/**
 * Makes a fresh database usable from scripts: creates the named user (if missing) as the tenant-wide
 * administrator. Idempotent for the same user; refuses once anyone else is administrator.
 */
export function createBootstrapService({ db, clock, events }: Pick<ServiceDeps, 'db' | 'clock'> & { events: EventBus }) {
  return {
    async bootstrapAdmin(userPrincipalName: string): Promise<BootstrapResult> {
      if (!/^[^\s@]+@[^\s@]+$/.test(userPrincipalName)) throw new ValidationError(`'${userPrincipalName}' is not a user principal name (name@domain).`, 'userPrincipalName');
      const at = isoNow(clock);
      return db.transaction().execute(async (tx) => {
        const admins = await listTenantAdministratorUsers(tx);
        const other = admins.find((a) => a.userPrincipalName.toLowerCase() !== userPrincipalName.toLowerCase());
        if (other) throw new ConflictError(`An administrator already exists (${other.userPrincipalName}); bootstrap only sets up an empty installation.`);
        let user = await findUserByUpn(tx, userPrincipalName);
        let createdUser = false;
        const happened: DomainEvent[] = [];
        if (!user) {
          const local = userPrincipalName.split('@')[0];
          user = newUserRow({ displayName: local, userPrincipalName, mail: userPrincipalName, mailNickname: local }, at);
          await insertUser(tx, user);
          happened.push({ type: 'userCreated', userId: user.id, userPrincipalName, changes: [] });
          createdUser = true;
        }
        const createdRole = admins.length === 0;
        if (createdRole) {
          const id = newId();
          await insertRoleAssignment(tx, { id, principalId: user.id, roleDefinitionId: RoleDefinitionIds.administrator, appScopeId: '/', catalogId: null, createdAt: at });
          happened.push({ type: 'firstAdministratorBootstrapped', roleAssignmentId: id, userPrincipalName });
        }
        await events.publish(tx, null, happened, { at, by: 'latchkey bootstrap' });
        return { userId: user.id, createdUser, createdRole };
      });
    },
  };
}
