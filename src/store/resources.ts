import { sql } from 'kysely';
import type { Db, Tx } from './db.js';
import type { ResourceRequestsTable, ResourceRolesTable, ResourceScopesTable, ResourcesTable } from './schema.js';

// Catalog resources, their roles and scopes, and the resource requests that added and removed them.

// ---- resources

/** A resource of the catalog by id (lower-case), or undefined. */
export async function findCatalogResource(db: Db | Tx, catalogId: string, id: string): Promise<ResourcesTable | undefined> {
  return db.selectFrom('resources').selectAll().where('id', '=', id).where('catalogId', '=', catalogId).executeTakeFirst();
}

/** A resource by id; throws when there is none (callers hold a row that references it). */
export async function getResource(db: Db | Tx, id: string): Promise<ResourcesTable> {
  return db.selectFrom('resources').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** The catalog of a resource (by lower-case id), or undefined. */
export async function findResourceCatalogId(db: Db | Tx, id: string): Promise<string | undefined> {
  return (await db.selectFrom('resources').select('catalogId').where('id', '=', id).executeTakeFirst())?.catalogId;
}

/** The resource of the catalog with this origin, or undefined. */
export async function findResourceByOrigin(db: Db | Tx, catalogId: string, originSystem: string, originId: string): Promise<ResourcesTable | undefined> {
  return db.selectFrom('resources').selectAll()
    .where('catalogId', '=', catalogId).where('originSystem', '=', originSystem).where('originId', '=', originId)
    .executeTakeFirst();
}

/** Inserts a resource with its roles and scopes. */
export async function insertResource(tx: Tx, resource: ResourcesTable, roles: ResourceRolesTable[], scopes: ResourceScopesTable[]): Promise<void> {
  await tx.insertInto('resources').values(resource).execute();
  if (roles.length) await tx.insertInto('resourceRoles').values(roles).execute();
  if (scopes.length) await tx.insertInto('resourceScopes').values(scopes).execute();
}

/** Deletes a resource with its roles and scopes. */
export async function deleteResource(tx: Tx, id: string): Promise<void> {
  await tx.deleteFrom('resourceRoles').where('resourceId', '=', id).execute();
  await tx.deleteFrom('resourceScopes').where('resourceId', '=', id).execute();
  await tx.deleteFrom('resources').where('id', '=', id).execute();
}

// ---- roles and scopes

export async function listRolesOfResource(db: Db | Tx, resourceId: string): Promise<ResourceRolesTable[]> {
  return db.selectFrom('resourceRoles').selectAll().where('resourceId', '=', resourceId).execute();
}

export async function listScopesOfResource(db: Db | Tx, resourceId: string): Promise<ResourceScopesTable[]> {
  return db.selectFrom('resourceScopes').selectAll().where('resourceId', '=', resourceId).execute();
}

const rolesWithCatalog = (db: Db | Tx) => db.selectFrom('resourceRoles').innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
  .selectAll('resourceRoles').select('resources.catalogId');

/** A role by id (lower-case) with the catalog of its resource, or undefined. */
export async function findRoleWithCatalog(db: Db | Tx, id: string): Promise<(ResourceRolesTable & { catalogId: string }) | undefined> {
  return rolesWithCatalog(db).where('resourceRoles.id', '=', id).executeTakeFirst();
}

/**
 * Roles with this originId and originSystem (compared case-insensitively), on the resource `resourceId`
 * or else among the resources of `catalogId` (optionally the one with `resourceOriginId`); at most `limit`.
 */
export async function listRolesByOrigin(
  db: Db | Tx,
  by: { originId: string; originSystem: string; resourceId?: string; catalogId: string; resourceOriginId?: string },
  limit: number,
): Promise<(ResourceRolesTable & { catalogId: string })[]> {
  let q = rolesWithCatalog(db).where('resourceRoles.originId', '=', by.originId)
    .where(sql<string>`lower(${sql.ref('resourceRoles.originSystem')})`, '=', by.originSystem.toLowerCase());
  if (by.resourceId) {
    q = q.where('resources.id', '=', by.resourceId);
  } else {
    q = q.where('resources.catalogId', '=', by.catalogId);
    if (by.resourceOriginId) q = q.where('resources.originId', '=', by.resourceOriginId);
  }
  return q.limit(limit).execute();
}

/** The display names of a role and of its resource, or undefined. */
export async function findRoleNames(db: Db | Tx, roleId: string): Promise<{ roleName: string; resourceName: string } | undefined> {
  return db.selectFrom('resourceRoles').innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
    .select(['resourceRoles.displayName as roleName', 'resources.displayName as resourceName']).where('resourceRoles.id', '=', roleId).executeTakeFirst();
}

/** A scope by id (lower-case), or undefined. */
export async function findScopeById(db: Db | Tx, id: string): Promise<ResourceScopesTable | undefined> {
  return db.selectFrom('resourceScopes').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A scope of the resource by originId, or (without one) its root scope; a root scope first when several match. */
export async function findScopeOfResource(db: Db | Tx, resourceId: string, by: { originId: string } | { root: true }): Promise<ResourceScopesTable | undefined> {
  let q = db.selectFrom('resourceScopes').selectAll().where('resourceId', '=', resourceId);
  q = 'originId' in by ? q.where('originId', '=', by.originId) : q.where('isRootScope', '=', 1);
  return q.orderBy('isRootScope', 'desc').executeTakeFirst();
}

// ---- resource requests

/** A resource request by id (lower-case), or undefined. */
export async function findResourceRequestById(db: Db | Tx, id: string): Promise<ResourceRequestsTable | undefined> {
  return db.selectFrom('resourceRequests').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertResourceRequest(db: Db | Tx, row: ResourceRequestsTable): Promise<void> {
  await db.insertInto('resourceRequests').values(row).execute();
}
