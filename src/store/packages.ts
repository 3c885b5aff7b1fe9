import type { Db, Tx } from './db.js';

// Access packages: lifecycle reads (the package a request is about, its role scopes, its rules).

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
