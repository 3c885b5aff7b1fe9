import type { Kysely } from 'kysely';

// LDAP directory sync (issue 13), beside the identity sources of 0011:
// - identity_sync_runs: one row per sync of an identity source: its mode (full | incremental | compare),
//   whether it was a dry run, how it was started (demand | schedule), its state (running | succeeded |
//   failed), progress while it runs (entries read, objects written) and, once it ends, what it did:
//   users created / updated / disabled, groups created / updated / deleted, memberships added / removed,
//   the errors of single entries (JSON array of strings, capped) and for a dry run a sample of the
//   changes it would make (JSON array). `error` is what failed the whole run.
// - identity_sources.next_sync_at / next_full_at: when the schedule next starts an incremental run and a
//   full one (null: never); .sync_cursor: the directory's own modifyTimestamp (or whenChanged) of the
//   newest entry the last successful run read, where the next incremental run starts.

const id = 'text';
const ts = 'text';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  const counts = [
    'entries_read', 'entries_written', 'users_created', 'users_updated', 'users_disabled', 'groups_created', 'groups_updated', 'groups_deleted',
    'members_added', 'members_removed',
  ];
  let t = db.schema
    .createTable('identity_sync_runs')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('source_id', id, (c) => c.notNull())
    /** full | incremental | compare */
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('dry_run', 'integer', (c) => c.notNull().defaultTo(0))
    /** demand | schedule */
    .addColumn('trigger', 'text', (c) => c.notNull())
    /** running | succeeded | failed */
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('started_at', ts, (c) => c.notNull())
    .addColumn('finished_at', ts);
  for (const column of counts) t = t.addColumn(column, 'integer', (c) => c.notNull().defaultTo(0));
  await t
    /** JSON array of the errors of single entries (at most a few hundred) */
    .addColumn('errors', 'text', (c) => c.notNull().defaultTo('[]'))
    /** JSON array: a dry run's sample of the changes it would make */
    .addColumn('sample', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('identity_sync_runs_source_idx').on('identity_sync_runs').columns(['source_id', 'started_at']).execute();

  await db.schema.alterTable('identity_sources').addColumn('next_sync_at', ts).execute();
  await db.schema.alterTable('identity_sources').addColumn('next_full_at', ts).execute();
  await db.schema.alterTable('identity_sources').addColumn('sync_cursor', 'text').execute();
  await db.schema.createIndex('identity_sources_next_sync_idx').on('identity_sources').column('next_sync_at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('identity_sources_next_sync_idx').ifExists().execute();
  for (const column of ['sync_cursor', 'next_full_at', 'next_sync_at']) await db.schema.alterTable('identity_sources').dropColumn(column).execute();
  await db.schema.dropIndex('identity_sync_runs_source_idx').ifExists().execute();
  await db.schema.dropTable('identity_sync_runs').ifExists().execute();
}
