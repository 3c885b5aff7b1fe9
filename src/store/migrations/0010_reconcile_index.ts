import type { Kysely } from 'kysely';

// Reconciliation (issue 12) reads every live grant of a connection's governed roles in one set-based
// query, led by the role: without an index on grants.resource_role_id that is a scan of all grants
// (grants_shared_idx starts with the target). One index, nothing else.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('grants_role_state_idx').on('grants').columns(['resource_role_id', 'state']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('grants_role_state_idx').ifExists().execute();
}
