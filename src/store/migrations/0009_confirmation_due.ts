import type { Kysely } from 'kysely';

// Deliveries awaiting a receiver's confirmation (a webhook's 202, migration 0008's
// grants.confirmation_due_at): the worker looks for overdue ones every few seconds, which without an
// index reads the whole grants table each time. Almost every grant has none, so the index stays small.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('grants_confirmation_due_idx').on('grants').column('confirmation_due_at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('grants_confirmation_due_idx').ifExists().execute();
}
