import type { Kysely } from 'kysely';

// Joiners, movers and leavers (issue 13).
// - assignments .removal_due_at: when an assignment whose holder left its policy's scope (left the group,
//   stopped matching the auto-assignment rule, left the connected organization) is to be removed, at the end
//   of the policy's grace period; null when nothing is pending. The worker removes what is due; a holder back
//   in scope within the grace period has it cleared. .removal_reason: why, for the removal's justification.
// - assignment_policies .scope_loss_settings: JSON, Latchkey's setting of what happens then for requested
//   access (remove after a grace period, or keep); null means the default (remove after 7 days).

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('assignments').addColumn('removal_due_at', 'text').execute();
  await db.schema.alterTable('assignments').addColumn('removal_reason', 'text').execute();
  await db.schema.createIndex('assignments_removal_due_idx').on('assignments').column('removal_due_at').execute();
  await db.schema.alterTable('assignment_policies').addColumn('scope_loss_settings', 'text').execute();
  await db.schema
    .createTable('identity_evaluations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('next_run_at', 'text', (c) => c.notNull())
    .addColumn('last_run_at', 'text')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('identity_evaluations').ifExists().execute();
  await db.schema.alterTable('assignment_policies').dropColumn('scope_loss_settings').execute();
  await db.schema.dropIndex('assignments_removal_due_idx').ifExists().execute();
  await db.schema.alterTable('assignments').dropColumn('removal_reason').execute();
  await db.schema.alterTable('assignments').dropColumn('removal_due_at').execute();
}
