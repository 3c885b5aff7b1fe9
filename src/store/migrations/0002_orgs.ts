import type { Kysely } from 'kysely';

// Connected organizations and the audit log API.
// - connected_organization_keys: one row per domain ('domain:contoso.com') or tenant ('tenant:<guid>')
//   an organization's identity sources claim. The primary key makes "a domain belongs to at most one
//   organization" hold even for two concurrent writers, and it is the index that maps an external
//   email's domain to its organization.
// - audit_events indexes for the directoryAudits filters that are not covered by 0001
//   (category and correlation id; activity, actor, target and time already are).

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('connected_organization_keys')
    .addColumn('source_key', 'text', (c) => c.primaryKey())
    .addColumn('connected_organization_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('connected_organization_keys_org_idx').on('connected_organization_keys').column('connected_organization_id').execute();
  await db.schema.createIndex('connected_organizations_display_name_idx').on('connected_organizations').column('display_name').execute();
  await db.schema.createIndex('connected_organization_sponsors_object_idx').on('connected_organization_sponsors').column('directory_object_id').execute();

  await db.schema.createIndex('audit_events_category_idx').on('audit_events').columns(['category', 'occurred_at']).execute();
  await db.schema.createIndex('audit_events_correlation_idx').on('audit_events').column('correlation_id').execute();

  await db.schema.createIndex('role_assignments_role_idx').on('role_assignments').columns(['role_definition_id', 'app_scope_id']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const i of ['role_assignments_role_idx', 'audit_events_correlation_idx', 'audit_events_category_idx', 'connected_organization_sponsors_object_idx', 'connected_organizations_display_name_idx']) {
    await db.schema.dropIndex(i).ifExists().execute();
  }
  await db.schema.dropTable('connected_organization_keys').ifExists().execute();
}
