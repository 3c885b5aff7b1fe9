import { RoleDefinitionIds } from '../domain/authorization.js';
import { TENANT_SCOPE } from '../domain/role-assignment.js';
import type { Db, Tx } from './db.js';
import type { RoleAssignmentsTable } from './schema.js';



export type RoleAssignmentRow = RoleAssignmentsTable;

// ---- lookups

/** A role assignment by id (lower-cased by the caller). */
export async function findRoleAssignmentById(db: Db | Tx, id: string): Promise<RoleAssignmentRow | undefined> {
  return db.selectFrom('roleAssignments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The roles held by any of the principals (a user and its groups), with the catalog of catalog roles. */
export async function listRolesOfPrincipals(db: Db | Tx, principalIds: string[]): Promise<{ roleDefinitionId: string; catalogId: string | null }[]> {
  return db.selectFrom('roleAssignments').select(['roleDefinitionId', 'catalogId']).where('principalId', 'in', principalIds).execute();
}

/** The assignment of this role at this scope to this principal, if any. */
export async function findSameRoleAssignment(db: Db | Tx, r: Pick<RoleAssignmentRow, 'principalId' | 'roleDefinitionId' | 'appScopeId'>): Promise<{ id: string } | undefined> {
  return db.selectFrom('roleAssignments').select('id')
    .where('principalId', '=', r.principalId)
    .where('roleDefinitionId', '=', r.roleDefinitionId)
    .where('appScopeId', '=', r.appScopeId)
    .executeTakeFirst();
}

/** The principals (users or groups) holding the tenant-wide administrator role, except through assignment `excludingId`. */
export async function listTenantAdministratorPrincipals(db: Db | Tx, excludingId?: string): Promise<string[]> {
  let q = db.selectFrom('roleAssignments').select('principalId')
    .where('roleDefinitionId', '=', RoleDefinitionIds.administrator)
    .where('appScopeId', '=', TENANT_SCOPE);
  if (excludingId !== undefined) q = q.where('id', '<>', excludingId);
  return (await q.execute()).map((r) => r.principalId);
}

/** The users directly holding the tenant-wide administrator role. */
export async function listTenantAdministratorUsers(db: Db | Tx): Promise<{ id: string; userPrincipalName: string }[]> {
  return db.selectFrom('roleAssignments')
    .innerJoin('users', 'users.id', 'roleAssignments.principalId')
    .select(['users.id', 'users.userPrincipalName'])
    .where('roleAssignments.roleDefinitionId', '=', RoleDefinitionIds.administrator)
    .where('roleAssignments.appScopeId', '=', TENANT_SCOPE)
    .execute();
}

// ---- writes

export async function insertRoleAssignment(db: Db | Tx, row: RoleAssignmentRow): Promise<void> {
  await db.insertInto('roleAssignments').values(row).execute();
}

/** Deletes one role assignment; returns how many rows went (0 when a concurrent delete came first). */
export async function deleteRoleAssignment(db: Db | Tx, id: string): Promise<number> {
  const r = await db.deleteFrom('roleAssignments').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * Touches every tenant administrator assignment: a no-op update that takes their row locks on
 * PostgreSQL and the write lock on SQLite, so that removals of administrators are serialized.
 */
export async function lockTenantAdministratorAssignments(tx: Tx): Promise<void> {
  await tx
    .updateTable('roleAssignments')
    .set((eb) => ({ createdAt: eb.ref('createdAt') }))
    .where('roleDefinitionId', '=', RoleDefinitionIds.administrator)
    .where('appScopeId', '=', TENANT_SCOPE)
    .execute();
}
