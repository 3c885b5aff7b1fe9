import {
  canAssignRole,
  canCatalog,
  catalogsWhere,
  findRoleDefinition,
  isAdministrator,
  RoleDefinitionIds,
  type Principal,
  type RoleDefinition,
} from '../domain/authorization.js';
import { isoNow } from '../domain/clock.js';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import { isGuid, newId } from '../domain/ids.js';
import { resolveRoleScope, TENANT_SCOPE } from '../domain/role-assignment.js';
import type { Db, Tx } from '../store/db.js';
import { findCatalogById } from '../store/catalogs.js';
import { listGroupIdsAmong } from '../store/groups.js';
import { transitiveGroupIds, transitiveMemberIds } from '../store/membership.js';
import { anyEnabledUser } from '../store/users.js';
import {
  deleteRoleAssignment,
  findRoleAssignmentById,
  findSameRoleAssignment,
  insertRoleAssignment,
  listTenantAdministratorPrincipals,
  lockTenantAdministratorAssignments,
  type RoleAssignmentRow,
} from '../store/role-assignments.js';
import { findDirectoryObject } from './connected-organizations.js';
import { isUniqueViolation } from '../store/constraints.js';
import type { Caller, ServiceDeps } from './deps.js';
import type { EventBus } from './events/index.js';

export type { RoleAssignmentRow };

export interface RoleAssignmentInput {
  principalId: string;
  roleDefinitionId: string;
  appScopeId?: string | null;
  directoryScopeId?: string | null;
}

/** A 404 that names the request field holding the missing id (the generic NotFoundError names no field). */
class ReferencedObjectNotFoundError extends DomainError {
  readonly status = 404;
  constructor(message: string, target: string) {
    super('ResourceNotFound', message, target);
  }
}

/** What a principal may see of the role assignments: all, or those in some catalogs plus the ones that apply to it. */
export type RoleAssignmentVisibility = 'all' | { catalogIds: string[]; principalIds: string[] };

export async function findRoleAssignment(db: Db | Tx, id: string): Promise<RoleAssignmentRow> {
  const row = isGuid(id) ? await findRoleAssignmentById(db, id.toLowerCase()) : undefined;
  if (!row) throw new NotFoundError('Role assignment', id);
  return row;
}

/** Role definitions from the store may predate a rename; an unknown one is treated as tenant-wide (administrators only). */
function roleOf(row: RoleAssignmentRow): RoleDefinition {
  return findRoleDefinition(row.roleDefinitionId) ?? { id: row.roleDefinitionId, displayName: row.roleDefinitionId, description: '', scope: 'tenant' };
}

/**
 * True when some enabled user other than through `excludingId` still holds the administrator role,
 * directly or through a group at any depth.
 */
async function administratorRemains(tx: Tx, excludingId: string): Promise<boolean> {
  const ids = await listTenantAdministratorPrincipals(tx, excludingId);
  if (ids.length === 0) return false;
  if (await anyEnabledUser(tx, ids)) return true;
  for (const groupId of await listGroupIdsAmong(tx, ids)) {
    const userIds = (await transitiveMemberIds(tx, groupId)).filter((m) => m.type === 'user').map((m) => m.id);
    if (await anyEnabledUser(tx, userIds)) return true;
  }
  return false;
}

export function createRoleAssignmentService({ db, clock, events }: Pick<ServiceDeps, 'db' | 'clock'> & { events: EventBus }) {
  return {
    get: (id: string) => findRoleAssignment(db, id),

    /** Administrators see every assignment; others those in catalogs they may read, plus those that apply to them. */
    async visibility(p: Principal): Promise<RoleAssignmentVisibility> {
      if (isAdministrator(p)) return 'all';
      const catalogIds = catalogsWhere(p, 'catalog.read') as string[];
      return { catalogIds, principalIds: [p.userId, ...(await transitiveGroupIds(db, p.userId))] };
    },

    async canSee(p: Principal, row: RoleAssignmentRow): Promise<boolean> {
      if (isAdministrator(p)) return true;
      if (row.catalogId && canCatalog(p, 'catalog.read', row.catalogId)) return true;
      return row.principalId === p.userId || (await transitiveGroupIds(db, p.userId)).includes(row.principalId);
    },

    async create(caller: Caller, input: RoleAssignmentInput): Promise<RoleAssignmentRow> {
      const role = findRoleDefinition(input.roleDefinitionId);
      if (!role) {
        throw new ValidationError(`roleDefinitionId '${input.roleDefinitionId}' is not an entitlement management role; list them at roleManagement/entitlementManagement/roleDefinitions.`, 'roleDefinitionId');
      }
      if (!isGuid(input.principalId)) throw new ValidationError(`principalId '${input.principalId}' is not an object id (a GUID).`, 'principalId');
      const scope = resolveRoleScope(role, input.appScopeId, input.directoryScopeId);
      // checked before looking anything up, so that the answer does not reveal which catalogs exist
      if (!canAssignRole(caller.principal, role, scope.catalogId)) {
        throw new ForbiddenError(role.scope === 'tenant'
          ? `Only administrators can assign the tenant-wide role '${role.displayName}'.`
          : `Assigning '${role.displayName}' needs the 'catalog.roles.write' permission in catalog '${scope.catalogId}'.`);
      }
      const at = isoNow(clock);
      return db.transaction().execute(async (tx) => {
        let catalogName: string | null = null;
        if (scope.catalogId) {
          const catalog = await findCatalogById(tx, scope.catalogId);
          if (!catalog) throw new ValidationError(`appScopeId '${scope.appScopeId}' names a catalog that does not exist.`, 'appScopeId');
          catalogName = catalog.displayName;
        }
        const principal = await findDirectoryObject(tx, input.principalId);
        if (!principal) throw new ReferencedObjectNotFoundError(`principalId '${input.principalId}' is not a user or group in the directory.`, 'principalId');
        const row: RoleAssignmentRow = {
          id: newId(), principalId: principal.id, roleDefinitionId: role.id, appScopeId: scope.appScopeId, catalogId: scope.catalogId, createdAt: at,
        };
        const duplicate = () => new ConflictError(`'${principal.displayName}' already has the role '${role.displayName}' at scope '${row.appScopeId}'.`, 'RoleAssignmentExists');
        if (await findSameRoleAssignment(tx, row)) throw duplicate();
        try {
          await insertRoleAssignment(tx, row);
        } catch (e) {
          if (isUniqueViolation(e)) throw duplicate();
          throw e;
        }
        await events.publish(tx, caller, {
          type: 'roleAssigned', roleAssignmentId: row.id, name: `${role.displayName}${catalogName ? ` of '${catalogName}'` : ''}: ${principal.displayName}`,
          principalId: row.principalId, roleDefinitionId: row.roleDefinitionId, appScopeId: row.appScopeId,
        }, { at });
        return row;
      });
    },

    async delete(caller: Caller, id: string): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const row = await findRoleAssignment(tx, id);
        const role = roleOf(row);
        if (!canAssignRole(caller.principal, role, row.catalogId)) {
          throw new ForbiddenError(role.scope === 'tenant'
            ? `Only administrators can remove the tenant-wide role '${role.displayName}'.`
            : `Removing '${role.displayName}' needs the 'catalog.roles.write' permission in catalog '${row.catalogId}'.`);
        }
        if (row.roleDefinitionId === RoleDefinitionIds.administrator && row.appScopeId === TENANT_SCOPE) {
          // Touch every administrator assignment first: a no-op update that takes their row locks on
          // PostgreSQL and the write lock on SQLite, so two administrators removing each other at the
          // same moment are serialized and the second one sees the first removal.
          await lockTenantAdministratorAssignments(tx);
          if (!(await administratorRemains(tx, row.id))) {
            throw new ConflictError(
              'This is the last administrator assignment held by an enabled user; assign the administrator role to someone else first, so that the installation keeps an administrator.',
              'LastAdministrator',
            );
          }
        }
        if ((await deleteRoleAssignment(tx, row.id)) === 0) throw new NotFoundError('Role assignment', id);
        const principal = await findDirectoryObject(tx, row.principalId);
        await events.publish(tx, caller, {
          type: 'roleAssignmentRemoved', roleAssignmentId: row.id, name: `${role.displayName}: ${principal?.displayName ?? row.principalId}`,
          principalId: row.principalId, roleDefinitionId: row.roleDefinitionId, appScopeId: row.appScopeId,
        }, { at });
      });
    },
  };
}
