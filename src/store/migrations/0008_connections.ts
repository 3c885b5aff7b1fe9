import type { Kysely } from 'kysely';

// Connections to target systems (issue 12): LDAP directories, SCIM 2.0 applications, PostgreSQL servers
// and signed webhooks, whose groups and roles catalogs govern.
// - connections: one per target system; settings as JSON (never a secret), secrets sealed with the
//   secret box (store/secret-box.ts, AES-256-GCM, the connection id as context), the limits every call
//   obeys, the health the last call or test left, and when it is next reconciled.
// - resources.connection_id: the connection a catalog resource lives in (null: Latchkey's own directory);
//   resources.exclusive: whether holders Latchkey did not grant are removed by reconciliation (else only
//   reported).
// - connection_accounts: which account in the target system is a Latchkey user's (found by the
//   connection's account rule, or created by Latchkey), so every grant and revoke goes to the same one.
// - grants.delivery_id / confirmation_due_at: a delivery the target accepted for later (a webhook's 202)
//   waits for the receiver's confirmation under this id until then.
// - reconciliations: each run over a connection's governed roles, with what it found and repaired.
// - unmanaged_access: holders of a governed role that no delivered grant explains.

const id = 'text';
const ts = 'text';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('connections')
    .addColumn('id', id, (c) => c.primaryKey())
    /** ldap | scim | postgresql | webhook */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    /** JSON object, validated by the kind's settings schema */
    .addColumn('settings', 'text', (c) => c.notNull())
    /** the secrets object sealed as one string (v1.<key id>.<iv>.<data>) */
    .addColumn('secrets', 'text', (c) => c.notNull())
    .addColumn('timeout_ms', 'integer', (c) => c.notNull())
    .addColumn('concurrency', 'integer', (c) => c.notNull())
    /** ISO 8601 duration between reconciliations; null: only on demand */
    .addColumn('reconcile_interval', 'text')
    .addColumn('next_reconcile_at', ts)
    /** unknown | healthy | failing */
    .addColumn('health', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', ts)
    .addColumn('last_success_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('modified_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('connections_reconcile_idx').on('connections').column('next_reconcile_at').execute();

  await db.schema.alterTable('resources').addColumn('connection_id', id).execute();
  await db.schema.alterTable('resources').addColumn('exclusive', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('resources_connection_idx').on('resources').column('connection_id').execute();

  await db.schema
    .createTable('connection_accounts')
    .addColumn('connection_id', id, (c) => c.notNull())
    .addColumn('user_id', id, (c) => c.notNull())
    /** the account's id in the target: a DN, a SCIM id, a role name, the user id for a webhook */
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('display', 'text', (c) => c.notNull())
    /** 1 when Latchkey created the account (SCIM POST /Users, CREATE ROLE … LOGIN) */
    .addColumn('created_by_latchkey', 'integer', (c) => c.notNull())
    .addColumn('linked_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('connection_accounts_pk', ['connection_id', 'user_id'])
    .execute();
  await db.schema.createIndex('connection_accounts_account_idx').on('connection_accounts').columns(['connection_id', 'account_id']).execute();

  await db.schema.alterTable('grants').addColumn('delivery_id', 'text').execute();
  await db.schema.alterTable('grants').addColumn('confirmation_due_at', ts).execute();
  await db.schema.createIndex('grants_delivery_idx').on('grants').column('delivery_id').execute();

  await db.schema
    .createTable('reconciliations')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('connection_id', id, (c) => c.notNull())
    /** schedule | demand */
    .addColumn('trigger', 'text', (c) => c.notNull())
    /** running | succeeded | failed */
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('started_at', ts, (c) => c.notNull())
    .addColumn('finished_at', ts)
    /** governed roles read, memberships compared */
    .addColumn('roles_checked', 'integer', (c) => c.notNull())
    .addColumn('holders_checked', 'integer', (c) => c.notNull())
    /** delivered grants found missing in the target and granted again */
    .addColumn('repaired', 'integer', (c) => c.notNull())
    /** holders no grant explains: reported, and removed where the resource is exclusive */
    .addColumn('unmanaged', 'integer', (c) => c.notNull())
    .addColumn('removed', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('reconciliations_connection_idx').on('reconciliations').columns(['connection_id', 'started_at']).execute();

  await db.schema
    .createTable('unmanaged_access')
    .addColumn('resource_role_id', id, (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('display', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', ts, (c) => c.notNull())
    .addColumn('last_seen_at', ts, (c) => c.notNull())
    /** set when reconciliation removed it (an exclusive resource); the row stays as the record */
    .addColumn('removed_at', ts)
    .addPrimaryKeyConstraint('unmanaged_access_pk', ['resource_role_id', 'account_id'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('unmanaged_access').ifExists().execute();
  await db.schema.dropTable('reconciliations').ifExists().execute();
  await db.schema.dropIndex('grants_delivery_idx').ifExists().execute();
  await db.schema.alterTable('grants').dropColumn('confirmation_due_at').execute();
  await db.schema.alterTable('grants').dropColumn('delivery_id').execute();
  await db.schema.dropTable('connection_accounts').ifExists().execute();
  await db.schema.dropIndex('resources_connection_idx').ifExists().execute();
  await db.schema.alterTable('resources').dropColumn('exclusive').execute();
  await db.schema.alterTable('resources').dropColumn('connection_id').execute();
  await db.schema.dropTable('connections').ifExists().execute();
}
