import type { Db, Tx } from './db.js';
import type { RoleAssignmentsTable } from './schema.js';

// Role assignments: who holds which role, tenant-wide or in one catalog.

export async function insertRoleAssignment(db: Db | Tx, row: RoleAssignmentsTable): Promise<void> {
  await db.insertInto('roleAssignments').values(row).execute();
}
