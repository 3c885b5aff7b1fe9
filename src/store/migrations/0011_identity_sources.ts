import type { Kysely } from 'kysely';

// Identity sources (issue 13): where the organisation's people and groups come from, and what each
// source owns of them.
// - identity_sources: one per source. kind 'scim' (an identity provider pushes people in through
//   /scim/v2 with the source's provisioning tokens) or 'ldap' (Latchkey pulls them from a directory
//   through an LDAP connection, connection_id, on a schedule). settings: JSON of the kind's own settings
//   (for LDAP: base DNs, filters, attribute mapping, schedule), never a secret (those stay on the connection).
// - users / groups .source_id: the source that owns the object (null: made through Latchkey's own API);
//   .source_key: the object's stable id in that source (an LDAP entryUUID; for SCIM, Latchkey's own id is
//   the SCIM id, so source_key is null), unique per source; .external_id: the SCIM externalId the
//   identity provider sent.
// - users .employee_id, .cost_center, .division, .organization: the enterprise user extension's attributes
//   (Graph calls employeeNumber employeeId), which membership rules and sources map.

const id = 'text';
const ts = 'text';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('identity_sources')
    .addColumn('id', id, (c) => c.primaryKey())
    /** scim | ldap */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    /** the LDAP connection a directory sync reads through; null for SCIM */
    .addColumn('connection_id', id)
    /** JSON object, the kind's settings */
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('modified_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('identity_sources_connection_idx').on('identity_sources').column('connection_id').execute();

  for (const table of ['users', 'groups']) {
    await db.schema.alterTable(table).addColumn('source_id', id).execute();
    await db.schema.alterTable(table).addColumn('source_key', 'text').execute();
    await db.schema.alterTable(table).addColumn('external_id', 'text').execute();
    await db.schema.createIndex(`${table}_source_key_idx`).on(table).columns(['source_id', 'source_key']).unique().execute();
    await db.schema.createIndex(`${table}_external_id_idx`).on(table).columns(['source_id', 'external_id']).execute();
  }
  for (const column of ['employee_id', 'cost_center', 'division', 'organization']) {
    await db.schema.alterTable('users').addColumn(column, 'text').execute();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['employee_id', 'cost_center', 'division', 'organization']) {
    await db.schema.alterTable('users').dropColumn(column).execute();
  }
  for (const table of ['users', 'groups']) {
    await db.schema.dropIndex(`${table}_external_id_idx`).ifExists().execute();
    await db.schema.dropIndex(`${table}_source_key_idx`).ifExists().execute();
    for (const column of ['external_id', 'source_key', 'source_id']) await db.schema.alterTable(table).dropColumn(column).execute();
  }
  await db.schema.dropTable('identity_sources').ifExists().execute();
}
