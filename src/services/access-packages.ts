import { isoNow } from '../domain/clock.js';
import { assignmentBlocksDeletion, incompatibilityProblem } from '../domain/access-package.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import { OPEN_REQUEST_STATES } from '../domain/request-lifecycle.js';
import { isGuid, newId } from '../domain/ids.js';
import { roleScopeId, roleScopeMismatch } from '../domain/resources.js';
import { diffProperties } from '../store/audit.js';
import type { Db, Tx } from '../store/db.js';
import type { AccessPackagesTable, ResourceRoleScopesTable } from '../store/schema.js';
import { findCatalog } from './catalogs.js';
import type { Caller, ServiceDeps } from './deps.js';
import type { EventBus } from './events/index.js';
import { isUniqueViolation } from '../store/constraints.js';
import {
  deleteAccessPackage, deleteIncompatibleGroup, deleteIncompatiblePackage, deleteRoleScope, findAccessPackageById, findRoleScope,
  hasIncompatibleGroup, hasIncompatiblePackage, insertAccessPackage, insertIncompatibleGroup, insertIncompatiblePackage, insertRoleScope,
  listAssignmentStatesOfPackage, listRequestsOfPackageInStates, updateAccessPackage,
} from '../store/packages.js';
import { findRoleNames, findRoleWithCatalog, findScopeById, findScopeOfResource, getResource, listRolesByOrigin } from '../store/resources.js';
import { findDirectoryObject } from '../store/directory-objects.js';
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
  const row = isGuid(id) ? await findAccessPackageById(db, id.toLowerCase()) : undefined;
  if (!row) throw new NotFoundError('Access package', id);
  return row;
}

async function findRole(tx: Tx, pkg: AccessPackageRow, ref: RoleOrScopeRef): Promise<ResourceRoleRow & { catalogId: string }> {
  if (ref.id) {
    const row = isGuid(ref.id) ? await findRoleWithCatalog(tx, ref.id.toLowerCase()) : undefined;
    if (!row) throw new ValidationError(`No resource role with id '${ref.id}' exists.`, 'role.id');
    return row;
  }
  if (!ref.originId || !ref.originSystem) {
    throw new ValidationError("Name the role with 'role.id', or with 'role.originId', 'role.originSystem' and 'role.resource.id'.", 'role.id');
  }
  if (ref.resource?.id && !isGuid(ref.resource.id)) throw new ValidationError(`'${ref.resource.id}' is not a resource id.`, 'role.resource.id');
  // originSystem is compared case-insensitively (Graph enum-like values); without a resource id, the
  // role is looked for among the resources of the package's catalog, where it has to be
  const rows = await listRolesByOrigin(tx, {
    originId: ref.originId, originSystem: ref.originSystem, resourceId: ref.resource?.id?.toLowerCase(),
    catalogId: pkg.catalogId, resourceOriginId: ref.resource?.originId,
  }, 2);
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
    const row = isGuid(ref.id) ? await findScopeById(tx, ref.id.toLowerCase()) : undefined;
    if (!row) throw new ValidationError(`No resource scope with id '${ref.id}' exists.`, 'scope.id');
    return row;
  }
  // otherwise the scope is one of the role's resource: by originId, or its root scope
  if (!ref.originId && !ref.isRootScope) throw new ValidationError("Name the scope with 'scope.id', 'scope.originId', or 'scope.isRootScope: true'.", 'scope.id');
  const row = await findScopeOfResource(tx, role.resourceId, ref.originId ? { originId: ref.originId } : { root: true });
  if (!row) throw new ValidationError(`The role's resource has no scope with originId '${ref.originId}'.`, 'scope.originId');
  return row;
}

export function createAccessPackageService({ db, clock, events }: Pick<ServiceDeps, 'db' | 'clock'> & { events: EventBus }, options: AccessPackageServiceOptions = {}) {
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
        await insertAccessPackage(tx, row);
        await events.publish(tx, caller, { type: 'accessPackageCreated', accessPackageId: row.id, name: row.displayName, changes: diffProperties(null, auditView(row), AUDITED) }, { at });
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
        await updateAccessPackage(tx, next);
        await events.publish(tx, caller, { type: 'accessPackageUpdated', accessPackageId: current.id, name: next.displayName, changes }, { at });
        return next;
      });
    },

    async delete(caller: Caller, id: string, check?: (current: AccessPackageRow) => void): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const current = await findAccessPackage(tx, id);
        check?.(current);
        const states = await listAssignmentStatesOfPackage(tx, current.id);
        if (states.some(assignmentBlocksDeletion)) {
          throw new ConflictError(
            `Access package '${current.displayName}' still has assignments; remove them (adminRemove requests) and let them expire before deleting the package.`,
            'AccessPackageHasAssignments',
          );
        }
        await refuseOpenRequests(tx, current);
        await deleteAccessPackage(tx, current.id);
        await events.publish(tx, caller, { type: 'accessPackageDeleted', accessPackageId: current.id, name: current.displayName, changes: diffProperties(auditView(current), {}, AUDITED) }, { at });
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
          const resource = await getResource(tx, role.resourceId);
          const id = roleScopeId(role.id, scope.id);
          const exists = await findRoleScope(tx, pkg.id, id);
          if (exists) throw duplicateRoleScope(role, resource);
          const roleScope: ResourceRoleScopeRow = { id, accessPackageId: pkg.id, roleId: role.id, scopeId: scope.id, createdAt: at };
          await insertRoleScope(tx, roleScope);
          await events.publish(tx, caller, {
            type: 'resourceRoleAdded', accessPackageId: pkg.id, packageName: pkg.displayName, roleScopeId: id, resourceName: resource.displayName, roleName: role.displayName,
          }, { at });
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
        const rrs = await findRoleScope(tx, pkg.id, rrsId.toLowerCase());
        if (!rrs) throw new NotFoundError('Resource role scope', rrsId);
        const role = await findRoleNames(tx, rrs.roleId);
        await deleteRoleScope(tx, pkg.id, rrs.id);
        await events.publish(tx, caller, {
          type: 'resourceRoleRemoved', accessPackageId: pkg.id, packageName: pkg.displayName, roleScopeId: rrs.id, resourceName: role?.resourceName ?? null, roleName: role?.roleName ?? null,
        }, { at });
        const change: RoleScopeChange = { kind: 'removed', accessPackageId: pkg.id, roleScopeId: rrs.id, roleId: rrs.roleId, scopeId: rrs.scopeId };
        await options.onRoleScopeChange?.(tx, change);
        return change;
      });
    },

    async getRoleScope(packageId: string, rrsId: string): Promise<ResourceRoleScopeRow> {
      const row = await findRoleScope(db, packageId, rrsId.toLowerCase());
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
        const other = isGuid(otherId) ? await findAccessPackageById(tx, otherId.toLowerCase()) : undefined;
        if (!other) throw new ValidationError(`No access package with id '${otherId}' exists.`, '@odata.id');
        checkOther?.(other);
        if (await hasIncompatiblePackage(tx, pkg.id, other.id)) throw new ConflictError(`Access package '${other.displayName}' is already incompatible with '${pkg.displayName}'.`, 'Conflict');
        await insertIncompatiblePackage(tx, { accessPackageId: pkg.id, incompatibleAccessPackageId: other.id, createdAt: at });
        await events.publish(tx, caller, { type: 'incompatiblePackageAdded', accessPackageId: pkg.id, packageName: pkg.displayName, otherPackageId: other.id }, { at });
      });
    },

    async removeIncompatiblePackage(caller: Caller, packageId: string, otherId: string): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const pkg = await findAccessPackage(tx, packageId);
        if ((await deleteIncompatiblePackage(tx, pkg.id, otherId.toLowerCase())) === 0) throw new NotFoundError(`Incompatible access package of '${pkg.id}'`, otherId);
        await events.publish(tx, caller, { type: 'incompatiblePackageRemoved', accessPackageId: pkg.id, packageName: pkg.displayName, otherPackageId: otherId.toLowerCase() }, { at });
      });
    },

    /** Marks a group incompatible with the package: its members cannot get the package. */
    async addIncompatibleGroup(caller: Caller, packageId: string, groupId: string): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const pkg = await findAccessPackage(tx, packageId);
        const group = await findDirectoryObject(tx, groupId, 'group');
        if (!group) throw new ValidationError(`No group with id '${groupId}' exists.`, '@odata.id');
        if (await hasIncompatibleGroup(tx, pkg.id, group.id)) throw new ConflictError(`Group '${group.displayName}' is already incompatible with '${pkg.displayName}'.`, 'Conflict');
        await insertIncompatibleGroup(tx, { accessPackageId: pkg.id, groupId: group.id, createdAt: at });
        await events.publish(tx, caller, { type: 'incompatibleGroupAdded', accessPackageId: pkg.id, packageName: pkg.displayName, groupId: group.id }, { at });
      });
    },

    async removeIncompatibleGroup(caller: Caller, packageId: string, groupId: string): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const pkg = await findAccessPackage(tx, packageId);
        if ((await deleteIncompatibleGroup(tx, pkg.id, groupId.toLowerCase())) === 0) throw new NotFoundError(`Incompatible group of '${pkg.id}'`, groupId);
        await events.publish(tx, caller, { type: 'incompatibleGroupRemoved', accessPackageId: pkg.id, packageName: pkg.displayName, groupId: groupId.toLowerCase() }, { at });
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
  const open = await listRequestsOfPackageInStates(tx, pkg.id, OPEN_REQUEST_STATES, NAMED_OPEN_REQUESTS + 1);
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
