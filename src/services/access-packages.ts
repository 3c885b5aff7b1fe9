import { sql } from 'kysely';
import { isoNow } from '../domain/clock.js';
import { assignmentBlocksDeletion, incompatibilityProblem } from '../domain/access-package.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import { OPEN_REQUEST_STATES } from '../domain/request-lifecycle.js';
import { isGuid, newId } from '../domain/ids.js';
import { roleScopeId, roleScopeMismatch } from '../domain/resources.js';
import { diffProperties, recordAudit } from '../store/audit.js';
import type { Db, Tx } from '../store/db.js';
import type { AccessPackagesTable, ResourceRoleScopesTable } from '../store/schema.js';
import { findCatalog } from './catalogs.js';
import { auditContext, type Caller, type ServiceDeps } from './deps.js';
import { isUniqueViolation } from '../store/constraints.js';
import { deletePolicyAudience } from '../store/policy-audience.js';
import type { ResourceRoleRow, ResourceRow, ResourceScopeRow } from './resources.js';

export type AccessPackageRow = AccessPackagesTable;
export type ResourceRoleScopeRow = ResourceRoleScopesTable;

export interface AccessPackageInput {
  displayName?: string;
  description?: string | null;
  isHidden?: boolean;
  /** on update only the current catalog is accepted: packages do not move between catalogs */
  catalogId?: string;
}

/** A role or scope named the way Graph bodies name them: by id, or by originId + originSystem (within a resource). */
export interface RoleOrScopeRef {
  id?: string;
  originId?: string;
  originSystem?: string;
  isRootScope?: boolean;
  resource?: { id?: string; originId?: string; originSystem?: string };
}

/**
 * What changed in a package's resource roles. This is the hook point for re-provisioning: adding a role
 * must grant it to every current assignee, removing it must revoke it (skipping people who hold it through
 * another assignment). The lifecycle engine passes `onRoleScopeChange` to enqueue that work in the same
 * transaction as the change.
 */
export interface RoleScopeChange {
  kind: 'added' | 'removed';
  accessPackageId: string;
  roleScopeId: string;
  roleId: string;
  scopeId: string;
}

export interface AccessPackageServiceOptions {
  onRoleScopeChange?: (tx: Tx, change: RoleScopeChange) => Promise<void>;
}

export interface AddedRoleScope {
  roleScope: ResourceRoleScopeRow;
  role: ResourceRoleRow;
  scope: ResourceScopeRow;
  resource: ResourceRow;
  change: RoleScopeChange;
}

const AUDITED = ['displayName', 'description', 'isHidden', 'catalogId'] as const;

function auditView(r: AccessPackageRow) {
  return { displayName: r.displayName, description: r.description, isHidden: !!r.isHidden, catalogId: r.catalogId };
}

export async function findAccessPackage(db: Db | Tx, id: string): Promise<AccessPackageRow> {
  const row = isGuid(id) ? await db.selectFrom('accessPackages').selectAll().where('id', '=', id.toLowerCase()).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError('Access package', id);
  return row;
}

async function findRole(tx: Tx, pkg: AccessPackageRow, ref: RoleOrScopeRef): Promise<ResourceRoleRow & { catalogId: string }> {
  const base = tx.selectFrom('resourceRoles').innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
    .selectAll('resourceRoles').select('resources.catalogId');
  if (ref.id) {
    const row = isGuid(ref.id) ? await base.where('resourceRoles.id', '=', ref.id.toLowerCase()).executeTakeFirst() : undefined;
    if (!row) throw new ValidationError(`No resource role with id '${ref.id}' exists.`, 'role.id');
    return row;
  }
  if (!ref.originId || !ref.originSystem) {
    throw new ValidationError("Name the role with 'role.id', or with 'role.originId', 'role.originSystem' and 'role.resource.id'.", 'role.id');
  }
  let q = base.where('resourceRoles.originId', '=', ref.originId).where(sqlLower('resourceRoles.originSystem'), '=', ref.originSystem.toLowerCase());
  if (ref.resource?.id) {
    if (!isGuid(ref.resource.id)) throw new ValidationError(`'${ref.resource.id}' is not a resource id.`, 'role.resource.id');
    q = q.where('resources.id', '=', ref.resource.id.toLowerCase());
  } else {
    // without a resource id, look among the resources of the package's catalog, where the role has to be
    q = q.where('resources.catalogId', '=', pkg.catalogId);
    if (ref.resource?.originId) q = q.where('resources.originId', '=', ref.resource.originId);
  }
  const rows = await q.limit(2).execute();
  if (rows.length === 0) {
    throw new ValidationError(
      `No resource role with originId '${ref.originId}' (${ref.originSystem}) exists${ref.resource?.id ? ` on resource '${ref.resource.id}'` : ` in catalog '${pkg.catalogId}'`}; add the resource to the catalog first.`,
      'role.originId',
    );
  }
  if (rows.length > 1) throw new ValidationError(`Several roles have originId '${ref.originId}'; name the resource with 'role.resource.id'.`, 'role.resource.id');
  return rows[0];
}

async function findScope(tx: Tx, role: ResourceRoleRow, ref: RoleOrScopeRef): Promise<ResourceScopeRow> {
  if (ref.id) {
    const row = isGuid(ref.id) ? await tx.selectFrom('resourceScopes').selectAll().where('id', '=', ref.id.toLowerCase()).executeTakeFirst() : undefined;
    if (!row) throw new ValidationError(`No resource scope with id '${ref.id}' exists.`, 'scope.id');
    return row;
  }
  // otherwise the scope is one of the role's resource: by originId, or its root scope
  let q = tx.selectFrom('resourceScopes').selectAll().where('resourceId', '=', role.resourceId);
  if (ref.originId) q = q.where('originId', '=', ref.originId);
  else if (ref.isRootScope) q = q.where('isRootScope', '=', 1);
  else throw new ValidationError("Name the scope with 'scope.id', 'scope.originId', or 'scope.isRootScope: true'.", 'scope.id');
  const row = await q.orderBy('isRootScope', 'desc').executeTakeFirst();
  if (!row) throw new ValidationError(`The role's resource has no scope with originId '${ref.originId}'.`, 'scope.originId');
  return row;
}

// lower() on a column, for case-insensitive comparison of originSystem (Graph enum-like values)
function sqlLower(column: string) {
  return sql<string>`lower(${sql.ref(column)})`;
}

export function createAccessPackageService({ db, clock }: Pick<ServiceDeps, 'db' | 'clock'>, options: AccessPackageServiceOptions = {}) {
  return {
    get: (id: string) => findAccessPackage(db, id),

    async create(caller: Caller, input: AccessPackageInput & { displayName: string; catalogId: string }): Promise<AccessPackageRow> {
      const at = isoNow(clock);
      const row: AccessPackageRow = {
        id: newId(), catalogId: input.catalogId, displayName: input.displayName, description: input.description ?? null,
        isHidden: input.isHidden ? 1 : 0, createdAt: at, modifiedAt: at,
      };
      await db.transaction().execute(async (tx) => {
        await findCatalog(tx, input.catalogId);
        await tx.insertInto('accessPackages').values(row).execute();
        await recordAudit(tx, auditContext(caller, at), {
          activity: 'Create access package', targetType: 'accessPackage', targetId: row.id, targetDisplayName: row.displayName,
          modifiedProperties: diffProperties(null, auditView(row), AUDITED),
        });
      });
      return row;
    },

    async update(caller: Caller, id: string, patch: AccessPackageInput, check?: (current: AccessPackageRow) => void): Promise<AccessPackageRow> {
      const at = isoNow(clock);
      return db.transaction().execute(async (tx) => {
        const current = await findAccessPackage(tx, id);
        check?.(current);
        if (patch.catalogId !== undefined && patch.catalogId.toLowerCase() !== current.catalogId) {
          throw new ValidationError('An access package cannot be moved to another catalog; create a new package in that catalog instead.', 'catalog.id');
        }
        const next: AccessPackageRow = {
          ...current,
          displayName: patch.displayName ?? current.displayName,
          description: patch.description !== undefined ? patch.description : current.description,
          isHidden: patch.isHidden === undefined ? current.isHidden : patch.isHidden ? 1 : 0,
          modifiedAt: at,
        };
        const changes = diffProperties(auditView(current), auditView(next), AUDITED);
        if (changes.length === 0) return current;
        await tx.updateTable('accessPackages').set(next).where('id', '=', current.id).execute();
        await recordAudit(tx, auditContext(caller, at), {
          activity: 'Update access package', targetType: 'accessPackage', targetId: current.id, targetDisplayName: next.displayName, modifiedProperties: changes,
        });
        return next;
      });
    },

    async delete(caller: Caller, id: string, check?: (current: AccessPackageRow) => void): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const current = await findAccessPackage(tx, id);
        check?.(current);
        const states = await tx.selectFrom('assignments').select('state').distinct().where('accessPackageId', '=', current.id).execute();
        if (states.some((s) => assignmentBlocksDeletion(s.state))) {
          throw new ConflictError(
            `Access package '${current.displayName}' still has assignments; remove them (adminRemove requests) and let them expire before deleting the package.`,
            'AccessPackageHasAssignments',
          );
        }
        await refuseOpenRequests(tx, current);
        await tx.deleteFrom('resourceRoleScopes').where('accessPackageId', '=', current.id).execute();
        await tx.deleteFrom('incompatibleAccessPackages')
          .where((eb) => eb.or([eb('accessPackageId', '=', current.id), eb('incompatibleAccessPackageId', '=', current.id)]))
          .execute();
        await tx.deleteFrom('incompatibleGroups').where('accessPackageId', '=', current.id).execute();
        await tx.deleteFrom('assignmentPolicies').where('accessPackageId', '=', current.id).execute();
        await deletePolicyAudience(tx, { accessPackageId: current.id });
        await tx.deleteFrom('accessPackages').where('id', '=', current.id).execute();
        await recordAudit(tx, auditContext(caller, at), {
          activity: 'Delete access package', targetType: 'accessPackage', targetId: current.id, targetDisplayName: current.displayName,
          modifiedProperties: diffProperties(auditView(current), {}, AUDITED),
        });
      });
    },

    /** Adds a resource role (in a scope) to a package; the role and scope must come from the package's catalog. */
    async addRoleScope(caller: Caller, packageId: string, roleRef: RoleOrScopeRef, scopeRef: RoleOrScopeRef): Promise<AddedRoleScope> {
      const at = isoNow(clock);
      try {
        return await db.transaction().execute(async (tx) => {
          const pkg = await findAccessPackage(tx, packageId);
          const role = await findRole(tx, pkg, roleRef);
          const scope = await findScope(tx, role, scopeRef);
          const mismatch = roleScopeMismatch(pkg, role, scope);
          if (mismatch) throw new ValidationError(mismatch.reason, mismatch.field);
          const resource = await tx.selectFrom('resources').selectAll().where('id', '=', role.resourceId).executeTakeFirstOrThrow();
          const id = roleScopeId(role.id, scope.id);
          const exists = await tx.selectFrom('resourceRoleScopes').select('id').where('accessPackageId', '=', pkg.id).where('id', '=', id).executeTakeFirst();
          if (exists) throw duplicateRoleScope(role, resource);
          const roleScope: ResourceRoleScopeRow = { id, accessPackageId: pkg.id, roleId: role.id, scopeId: scope.id, createdAt: at };
          await tx.insertInto('resourceRoleScopes').values(roleScope).execute();
          await recordAudit(tx, auditContext(caller, at), {
            activity: 'Add resource role to access package', targetType: 'accessPackage', targetId: pkg.id, targetDisplayName: pkg.displayName,
            modifiedProperties: [{ displayName: 'resourceRoleScopes', oldValue: null, newValue: `${resource.displayName}: ${role.displayName} (${id})` }],
          });
          const change: RoleScopeChange = { kind: 'added', accessPackageId: pkg.id, roleScopeId: id, roleId: role.id, scopeId: scope.id };
          await options.onRoleScopeChange?.(tx, change);
          const { catalogId: _c, ...roleRow } = role;
          return { roleScope, role: roleRow, scope, resource, change };
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw new ConflictError('This role and scope are already in the access package.', 'ResourceRoleScopeAlreadyExists');
        throw e;
      }
    },

    async removeRoleScope(caller: Caller, packageId: string, rrsId: string): Promise<RoleScopeChange> {
      const at = isoNow(clock);
      return db.transaction().execute(async (tx) => {
        const pkg = await findAccessPackage(tx, packageId);
        const rrs = await tx.selectFrom('resourceRoleScopes').selectAll().where('accessPackageId', '=', pkg.id).where('id', '=', rrsId.toLowerCase()).executeTakeFirst();
        if (!rrs) throw new NotFoundError('Resource role scope', rrsId);
        const role = await tx.selectFrom('resourceRoles').innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
          .select(['resourceRoles.displayName as roleName', 'resources.displayName as resourceName']).where('resourceRoles.id', '=', rrs.roleId).executeTakeFirst();
        await tx.deleteFrom('resourceRoleScopes').where('accessPackageId', '=', pkg.id).where('id', '=', rrs.id).execute();
        await recordAudit(tx, auditContext(caller, at), {
          activity: 'Remove resource role from access package', targetType: 'accessPackage', targetId: pkg.id, targetDisplayName: pkg.displayName,
          modifiedProperties: [{ displayName: 'resourceRoleScopes', oldValue: `${role?.resourceName ?? '?'}: ${role?.roleName ?? '?'} (${rrs.id})`, newValue: null }],
        });
        const change: RoleScopeChange = { kind: 'removed', accessPackageId: pkg.id, roleScopeId: rrs.id, roleId: rrs.roleId, scopeId: rrs.scopeId };
        await options.onRoleScopeChange?.(tx, change);
        return change;
      });
    },

    async getRoleScope(packageId: string, rrsId: string): Promise<ResourceRoleScopeRow> {
      const row = await db.selectFrom('resourceRoleScopes').selectAll().where('accessPackageId', '=', packageId).where('id', '=', rrsId.toLowerCase()).executeTakeFirst();
      if (!row) throw new NotFoundError('Resource role scope', rrsId);
      return row;
    },

    /** Marks `otherId` incompatible with the package: people holding `otherId` cannot get this one. */
    async addIncompatiblePackage(caller: Caller, packageId: string, otherId: string, checkOther?: (other: AccessPackageRow) => void): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const pkg = await findAccessPackage(tx, packageId);
        const problem = incompatibilityProblem(pkg.id, otherId);
        if (problem) throw new ValidationError(problem, '@odata.id');
        const other = isGuid(otherId) ? await tx.selectFrom('accessPackages').selectAll().where('id', '=', otherId.toLowerCase()).executeTakeFirst() : undefined;
        if (!other) throw new ValidationError(`No access package with id '${otherId}' exists.`, '@odata.id');
        checkOther?.(other);
        const exists = await tx.selectFrom('incompatibleAccessPackages').select('accessPackageId')
          .where('accessPackageId', '=', pkg.id).where('incompatibleAccessPackageId', '=', other.id).executeTakeFirst();
        if (exists) throw new ConflictError(`Access package '${other.displayName}' is already incompatible with '${pkg.displayName}'.`, 'Conflict');
        await tx.insertInto('incompatibleAccessPackages').values({ accessPackageId: pkg.id, incompatibleAccessPackageId: other.id, createdAt: at }).execute();
        await recordAudit(tx, auditContext(caller, at), {
          activity: 'Add incompatible access package', targetType: 'accessPackage', targetId: pkg.id, targetDisplayName: pkg.displayName,
          modifiedProperties: [{ displayName: 'incompatibleAccessPackages', oldValue: null, newValue: other.id }],
        });
      });
    },

    async removeIncompatiblePackage(caller: Caller, packageId: string, otherId: string): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const pkg = await findAccessPackage(tx, packageId);
        const r = await tx.deleteFrom('incompatibleAccessPackages')
          .where('accessPackageId', '=', pkg.id).where('incompatibleAccessPackageId', '=', otherId.toLowerCase()).executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) throw new NotFoundError(`Incompatible access package of '${pkg.id}'`, otherId);
        await recordAudit(tx, auditContext(caller, at), {
          activity: 'Remove incompatible access package', targetType: 'accessPackage', targetId: pkg.id, targetDisplayName: pkg.displayName,
          modifiedProperties: [{ displayName: 'incompatibleAccessPackages', oldValue: otherId.toLowerCase(), newValue: null }],
        });
      });
    },

    /** Marks a group incompatible with the package: its members cannot get the package. */
    async addIncompatibleGroup(caller: Caller, packageId: string, groupId: string): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const pkg = await findAccessPackage(tx, packageId);
        const group = isGuid(groupId) ? await tx.selectFrom('groups').select(['id', 'displayName']).where('id', '=', groupId.toLowerCase()).executeTakeFirst() : undefined;
        if (!group) throw new ValidationError(`No group with id '${groupId}' exists.`, '@odata.id');
        const exists = await tx.selectFrom('incompatibleGroups').select('groupId').where('accessPackageId', '=', pkg.id).where('groupId', '=', group.id).executeTakeFirst();
        if (exists) throw new ConflictError(`Group '${group.displayName}' is already incompatible with '${pkg.displayName}'.`, 'Conflict');
        await tx.insertInto('incompatibleGroups').values({ accessPackageId: pkg.id, groupId: group.id, createdAt: at }).execute();
        await recordAudit(tx, auditContext(caller, at), {
          activity: 'Add incompatible group', targetType: 'accessPackage', targetId: pkg.id, targetDisplayName: pkg.displayName,
          modifiedProperties: [{ displayName: 'incompatibleGroups', oldValue: null, newValue: group.id }],
        });
      });
    },

    async removeIncompatibleGroup(caller: Caller, packageId: string, groupId: string): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const pkg = await findAccessPackage(tx, packageId);
        const r = await tx.deleteFrom('incompatibleGroups').where('accessPackageId', '=', pkg.id).where('groupId', '=', groupId.toLowerCase()).executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) throw new NotFoundError(`Incompatible group of '${pkg.id}'`, groupId);
        await recordAudit(tx, auditContext(caller, at), {
          activity: 'Remove incompatible group', targetType: 'accessPackage', targetId: pkg.id, targetDisplayName: pkg.displayName,
          modifiedProperties: [{ displayName: 'incompatibleGroups', oldValue: groupId.toLowerCase(), newValue: null }],
        });
      });
    },
  };
}

/** Open requests shown in a refusal; the rest are counted. */
const NAMED_OPEN_REQUESTS = 10;

/**
 * A package with open requests (waiting for approval, scheduled to start, delivering) is not deleted: the
 * requests would outlive it, counted in approvers' inboxes but listed nowhere and gone from requestors'
 * histories. The 409 names them (id, state, type, for whom) so they can be cancelled first.
 */
async function refuseOpenRequests(tx: Tx, pkg: AccessPackageRow): Promise<void> {
  const open = await tx.selectFrom('assignmentRequests').leftJoin('users', 'users.id', 'assignmentRequests.targetId')
    .select(['assignmentRequests.id', 'assignmentRequests.state', 'assignmentRequests.requestType', 'assignmentRequests.targetEmail', 'users.displayName'])
    .where('assignmentRequests.accessPackageId', '=', pkg.id).where('assignmentRequests.state', 'in', [...OPEN_REQUEST_STATES])
    .orderBy('assignmentRequests.createdAt').orderBy('assignmentRequests.id').limit(NAMED_OPEN_REQUESTS + 1).execute();
  if (open.length === 0) return;
  const named = open.slice(0, NAMED_OPEN_REQUESTS).map((r) => `${r.id} (${r.state}, ${r.requestType} for ${r.displayName ?? r.targetEmail ?? 'unknown'})`);
  const more = open.length > NAMED_OPEN_REQUESTS ? ' and more' : '';
  throw new ConflictError(
    `Access package '${pkg.displayName}' has open requests; cancel them (POST assignmentRequests/{id}/cancel) or let them complete before deleting the package: ${named.join(', ')}${more}.`,
    'AccessPackageHasOpenRequests',
  );
}

function duplicateRoleScope(role: ResourceRoleRow, resource: ResourceRow) {
  return new ConflictError(`Role '${role.displayName}' of '${resource.displayName}' is already in the access package.`, 'ResourceRoleScopeAlreadyExists');
}

export type AccessPackageService = ReturnType<typeof createAccessPackageService>;
