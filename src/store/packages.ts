import type { Db, Tx } from './db.js';
import { deletePolicyAudience } from './policy-audience.js';
import type { AccessPackagesTable, IncompatibleAccessPackagesTable, IncompatibleGroupsTable, ResourceRoleScopesTable } from './schema.js';

// Access packages: their rows, their resource role scopes and their incompatibility links.

type AccessPackageRow = AccessPackagesTable;

// ---- packages

/** A package by id (lower-case), or undefined. */
export async function findAccessPackageById(db: Db | Tx, id: string): Promise<AccessPackageRow | undefined> {
  return db.selectFrom('accessPackages').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether the catalog holds any access package. */
export async function catalogHasPackages(db: Db | Tx, catalogId: string): Promise<boolean> {
  return !!(await db.selectFrom('accessPackages').select(['id']).where('catalogId', '=', catalogId).limit(1).executeTakeFirst());
}

export async function insertAccessPackage(db: Db | Tx, row: AccessPackageRow): Promise<void> {
  await db.insertInto('accessPackages').values(row).execute();
}

/** Writes every column of the package `row.id`. */
export async function updateAccessPackage(db: Db | Tx, row: AccessPackageRow): Promise<void> {
  await db.updateTable('accessPackages').set(row).where('id', '=', row.id).execute();
}

/** Deletes a package with its role scopes, its incompatibility links (both ways) and its policies (and their audience). */
export async function deleteAccessPackage(tx: Tx, id: string): Promise<void> {
  await tx.deleteFrom('resourceRoleScopes').where('accessPackageId', '=', id).execute();
  await tx.deleteFrom('incompatibleAccessPackages')
    .where((eb) => eb.or([eb('accessPackageId', '=', id), eb('incompatibleAccessPackageId', '=', id)]))
    .execute();
  await tx.deleteFrom('incompatibleGroups').where('accessPackageId', '=', id).execute();
  await tx.deleteFrom('assignmentPolicies').where('accessPackageId', '=', id).execute();
  await deletePolicyAudience(tx, { accessPackageId: id });
  await tx.deleteFrom('accessPackages').where('id', '=', id).execute();
}

/** The distinct states of the package's assignments. */
export async function listAssignmentStatesOfPackage(db: Db | Tx, packageId: string): Promise<string[]> {
  const rows = await db.selectFrom('assignments').select('state').distinct().where('accessPackageId', '=', packageId).execute();
  return rows.map((r) => r.state);
}

/** Requests of the package in one of `states`, oldest first, with the target's name (at most `limit`). */
export async function listRequestsOfPackageInStates(db: Db | Tx, packageId: string, states: readonly string[], limit: number) {
  return db.selectFrom('assignmentRequests').leftJoin('users', 'users.id', 'assignmentRequests.targetId')
    .select(['assignmentRequests.id', 'assignmentRequests.state', 'assignmentRequests.requestType', 'assignmentRequests.targetEmail', 'users.displayName'])
    .where('assignmentRequests.accessPackageId', '=', packageId).where('assignmentRequests.state', 'in', [...states])
    .orderBy('assignmentRequests.createdAt').orderBy('assignmentRequests.id').limit(limit).execute();
}

// ---- resource role scopes

/** A role scope of the package by id (lower-case), or undefined. */
export async function findRoleScope(db: Db | Tx, packageId: string, id: string): Promise<ResourceRoleScopesTable | undefined> {
  return db.selectFrom('resourceRoleScopes').selectAll().where('accessPackageId', '=', packageId).where('id', '=', id).executeTakeFirst();
}

export async function insertRoleScope(db: Db | Tx, row: ResourceRoleScopesTable): Promise<void> {
  await db.insertInto('resourceRoleScopes').values(row).execute();
}

export async function deleteRoleScope(db: Db | Tx, packageId: string, id: string): Promise<void> {
  await db.deleteFrom('resourceRoleScopes').where('accessPackageId', '=', packageId).where('id', '=', id).execute();
}

/** The first package that uses a role or scope of the resource, or undefined. */
export async function findPackageUsingResource(db: Db | Tx, resourceId: string): Promise<{ accessPackageId: string } | undefined> {
  return db.selectFrom('resourceRoleScopes')
    .select(['resourceRoleScopes.accessPackageId'])
    .where((eb) => eb.or([
      eb('roleId', 'in', eb.selectFrom('resourceRoles').select('id').where('resourceId', '=', resourceId)),
      eb('scopeId', 'in', eb.selectFrom('resourceScopes').select('id').where('resourceId', '=', resourceId)),
    ]))
    .limit(1)
    .executeTakeFirst();
}

// ---- incompatibility links

/** Whether `otherId` is already marked incompatible with the package. */
export async function hasIncompatiblePackage(db: Db | Tx, packageId: string, otherId: string): Promise<boolean> {
  return !!(await db.selectFrom('incompatibleAccessPackages').select('accessPackageId')
    .where('accessPackageId', '=', packageId).where('incompatibleAccessPackageId', '=', otherId).executeTakeFirst());
}

export async function insertIncompatiblePackage(db: Db | Tx, row: IncompatibleAccessPackagesTable): Promise<void> {
  await db.insertInto('incompatibleAccessPackages').values(row).execute();
}

/** Removes a link; the number of rows deleted (0 when there was none). */
export async function deleteIncompatiblePackage(db: Db | Tx, packageId: string, otherId: string): Promise<number> {
  const r = await db.deleteFrom('incompatibleAccessPackages')
    .where('accessPackageId', '=', packageId).where('incompatibleAccessPackageId', '=', otherId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Whether the group is already marked incompatible with the package. */
export async function hasIncompatibleGroup(db: Db | Tx, packageId: string, groupId: string): Promise<boolean> {
  return !!(await db.selectFrom('incompatibleGroups').select('groupId').where('accessPackageId', '=', packageId).where('groupId', '=', groupId).executeTakeFirst());
}

export async function insertIncompatibleGroup(db: Db | Tx, row: IncompatibleGroupsTable): Promise<void> {
  await db.insertInto('incompatibleGroups').values(row).execute();
}

/** Removes a link; the number of rows deleted (0 when there was none). */
export async function deleteIncompatibleGroup(db: Db | Tx, packageId: string, groupId: string): Promise<number> {
  const r = await db.deleteFrom('incompatibleGroups').where('accessPackageId', '=', packageId).where('groupId', '=', groupId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

// ---- lifecycle reads

/** A package with the state and visibility of its catalog, as a request needs them. */
export interface PackageWithCatalog {
  id: string;
  catalogId: string;
  displayName: string;
  catalogState: string;
  isExternallyVisible: number;
}

/** A package and its catalog's state, if the package exists. */
export async function findPackageWithCatalog(db: Db | Tx, id: string): Promise<PackageWithCatalog | undefined> {
  return db.selectFrom('accessPackages').innerJoin('catalogs', 'catalogs.id', 'accessPackages.catalogId')
    .select(['accessPackages.id', 'accessPackages.catalogId', 'accessPackages.displayName', 'catalogs.state as catalogState', 'catalogs.isExternallyVisible'])
    .where('accessPackages.id', '=', id).executeTakeFirst();
}

/** Display names of many packages in one query, by package id. */
export async function packageNamesById(db: Db | Tx, accessPackageIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(accessPackageIds)];
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('accessPackages').select(['id', 'displayName']).where('id', 'in', ids).execute();
  return new Map(rows.map((p) => [p.id, p.displayName]));
}

/** A package's display name, or its id when it is gone. */
export async function packageNameOf(db: Db | Tx, accessPackageId: string): Promise<string> {
  return (await packageNamesById(db, [accessPackageId])).get(accessPackageId) ?? accessPackageId;
}

/** The resource roles (with scope) a package gives. */
export async function listRoleScopesOfPackage(db: Db | Tx, accessPackageId: string): Promise<{ roleId: string; scopeId: string }[]> {
  return db.selectFrom('resourceRoleScopes').select(['roleId', 'scopeId']).where('accessPackageId', '=', accessPackageId).execute();
}

/** The groups whose members may not have the package (separation of duties). */
export async function listIncompatibleGroups(db: Db | Tx, accessPackageId: string): Promise<{ id: string; displayName: string }[]> {
  return db.selectFrom('incompatibleGroups').innerJoin('groups', 'groups.id', 'incompatibleGroups.groupId')
    .select(['groups.id', 'groups.displayName']).where('incompatibleGroups.accessPackageId', '=', accessPackageId).execute();
}
