import type { Kysely } from 'kysely';

// Lifecycle engine: who may decide each approval stage (resolved when the stage opens, so inboxes are
// an indexed lookup), every decision (quorum stages take several), due times the worker scans for, and
// the guest-account lifecycle.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('approval_stage_approvers')
    .addColumn('stage_id', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('approver_id', 'text', (c) => c.notNull())
    /** 'primary' | 'escalation' */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('approval_stage_approvers_pk', ['stage_id', 'approver_id'])
    .execute();
  await db.schema.createIndex('approval_stage_approvers_approver_idx').on('approval_stage_approvers').columns(['approver_id', 'request_id']).execute();

  await db.schema
    .createTable('approval_decisions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('stage_id', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('approver_id', 'text', (c) => c.notNull())
    .addColumn('review_result', 'text', (c) => c.notNull())
    .addColumn('justification', 'text')
    .addColumn('decided_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('approval_decisions_uq', ['stage_id', 'approver_id'])
    .execute();
  await db.schema.createIndex('approval_decisions_request_idx').on('approval_decisions').column('request_id').execute();

  await db.schema.alterTable('approval_stages').addColumn('approvals_required', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('approval_stages').addColumn('is_approver_justification_required', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('approval_stages_due_idx').on('approval_stages').columns(['status', 'due_at']).execute();
  await db.schema.createIndex('approval_stages_escalate_idx').on('approval_stages').columns(['status', 'escalated', 'escalate_at']).execute();

  await db.schema.alterTable('assignment_requests').addColumn('start_at', 'text').execute();
  await db.schema.alterTable('assignment_requests').addColumn('end_at', 'text').execute();
  await db.schema.alterTable('assignment_requests').addColumn('modified_at', 'text').execute();
  await db.schema.alterTable('assignment_requests').addColumn('reason', 'text').execute();
  await db.schema.createIndex('assignment_requests_state_start_idx').on('assignment_requests').columns(['state', 'start_at']).execute();
  await db.schema.createIndex('assignment_requests_state_idx').on('assignment_requests').columns(['state', 'created_at']).execute();

  await db.schema.alterTable('assignments').addColumn('request_id', 'text').execute();
  await db.schema.alterTable('assignments').addColumn('justification', 'text').execute();
  await db.schema.alterTable('assignments').addColumn('answers', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('assignments').addColumn('reminded14_at', 'text').execute();
  await db.schema.alterTable('assignments').addColumn('reminded1_at', 'text').execute();
  await db.schema.createIndex('assignments_policy_idx').on('assignments').columns(['policy_id', 'state']).execute();

  await db.schema.alterTable('grants').addColumn('request_id', 'text').execute();
  await db.schema.createIndex('grants_pending_idx').on('grants').columns(['state', 'next_attempt_at']).execute();

  await db.schema.alterTable('users').addColumn('blocked_at', 'text').execute();
  await db.schema.alterTable('users').addColumn('delete_after', 'text').execute();
  /** 1 for guests created (or marked) as governed by entitlement management: only these are blocked and deleted */
  await db.schema.alterTable('users').addColumn('governed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('users_delete_after_idx').on('users').column('delete_after').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('approval_decisions').ifExists().execute();
  await db.schema.dropTable('approval_stage_approvers').ifExists().execute();
}
