import type { Kysely } from 'kysely';

// The whole domain's first schema, written once for both stores: only types that SQLite and
// PostgreSQL treat alike (text, integer), timestamps as ISO-8601 UTC text, JSON as text.
// Column names are snake_case; the application sees camelCase through Kysely's CamelCasePlugin.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  const id = 'text';
  const ts = 'text';

  await db.schema
    .createTable('users')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('user_principal_name', 'text', (c) => c.notNull())
    .addColumn('upn_key', 'text', (c) => c.notNull().unique())
    .addColumn('mail', 'text')
    .addColumn('mail_nickname', 'text')
    .addColumn('given_name', 'text')
    .addColumn('surname', 'text')
    .addColumn('department', 'text')
    .addColumn('job_title', 'text')
    .addColumn('manager_id', id)
    .addColumn('user_type', 'text', (c) => c.notNull())
    .addColumn('account_enabled', 'integer', (c) => c.notNull())
    .addColumn('connected_organization_id', id)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('modified_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_manager_idx').on('users').column('manager_id').execute();
  await db.schema.createIndex('users_display_name_idx').on('users').column('display_name').execute();
  await db.schema.createIndex('users_mail_idx').on('users').column('mail').execute();

  await db.schema
    .createTable('groups')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('mail', 'text')
    .addColumn('mail_nickname', 'text')
    .addColumn('mail_enabled', 'integer', (c) => c.notNull())
    .addColumn('security_enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('modified_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('groups_display_name_idx').on('groups').column('display_name').execute();

  await db.schema
    .createTable('group_members')
    .addColumn('group_id', id, (c) => c.notNull())
    .addColumn('member_id', id, (c) => c.notNull())
    .addColumn('member_type', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'member_id'])
    .execute();
  // transitive membership walks upwards from a member: this index makes each step a seek
  await db.schema.createIndex('group_members_member_idx').on('group_members').columns(['member_id', 'group_id']).execute();

  await db.schema
    .createTable('group_owners')
    .addColumn('group_id', id, (c) => c.notNull())
    .addColumn('user_id', id, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('group_owners_pk', ['group_id', 'user_id'])
    .execute();
  await db.schema.createIndex('group_owners_user_idx').on('group_owners').column('user_id').execute();

  await db.schema
    .createTable('catalogs')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('is_externally_visible', 'integer', (c) => c.notNull())
    .addColumn('catalog_type', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('modified_at', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('resources')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('catalog_id', id, (c) => c.notNull())
    .addColumn('origin_system', 'text', (c) => c.notNull())
    .addColumn('origin_id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('resource_type', 'text')
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('modified_at', ts, (c) => c.notNull())
    .addUniqueConstraint('resources_origin_uq', ['catalog_id', 'origin_system', 'origin_id'])
    .execute();
  await db.schema.createIndex('resources_origin_idx').on('resources').columns(['origin_system', 'origin_id']).execute();

  for (const table of ['resource_roles', 'resource_scopes'] as const) {
    let t = db.schema
      .createTable(table)
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('resource_id', id, (c) => c.notNull())
      .addColumn('origin_system', 'text', (c) => c.notNull())
      .addColumn('origin_id', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('description', 'text');
    if (table === 'resource_scopes') t = t.addColumn('is_root_scope', 'integer', (c) => c.notNull());
    await t.execute();
    await db.schema.createIndex(`${table}_resource_idx`).on(table).column('resource_id').execute();
  }

  await db.schema
    .createTable('resource_requests')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('catalog_id', id, (c) => c.notNull())
    .addColumn('resource_id', id)
    .addColumn('request_type', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('requestor_id', id)
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('resource_requests_catalog_idx').on('resource_requests').column('catalog_id').execute();

  await db.schema
    .createTable('access_packages')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('catalog_id', id, (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('is_hidden', 'integer', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('modified_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('access_packages_catalog_idx').on('access_packages').columns(['catalog_id', 'display_name']).execute();
  await db.schema.createIndex('access_packages_display_name_idx').on('access_packages').column('display_name').execute();

  await db.schema
    .createTable('resource_role_scopes')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('access_package_id', id, (c) => c.notNull())
    .addColumn('role_id', id, (c) => c.notNull())
    .addColumn('scope_id', id, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('resource_role_scopes_pk', ['access_package_id', 'id'])
    .execute();
  await db.schema.createIndex('resource_role_scopes_role_idx').on('resource_role_scopes').column('role_id').execute();

  await db.schema
    .createTable('incompatible_access_packages')
    .addColumn('access_package_id', id, (c) => c.notNull())
    .addColumn('incompatible_access_package_id', id, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('incompatible_access_packages_pk', ['access_package_id', 'incompatible_access_package_id'])
    .execute();
  await db.schema
    .createIndex('incompatible_access_packages_rev_idx')
    .on('incompatible_access_packages')
    .column('incompatible_access_package_id')
    .execute();

  await db.schema
    .createTable('incompatible_groups')
    .addColumn('access_package_id', id, (c) => c.notNull())
    .addColumn('group_id', id, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('incompatible_groups_pk', ['access_package_id', 'group_id'])
    .execute();

  await db.schema
    .createTable('connected_organizations')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('identity_sources', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('modified_at', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('connected_organization_sponsors')
    .addColumn('connected_organization_id', id, (c) => c.notNull())
    .addColumn('directory_object_id', id, (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('connected_organization_sponsors_pk', ['connected_organization_id', 'kind', 'directory_object_id'])
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('external_user_lifecycle_action', 'text', (c) => c.notNull())
    .addColumn('duration_until_external_user_deleted_after_blocked', 'text', (c) => c.notNull())
    .addColumn('modified_at', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('role_assignments')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('principal_id', id, (c) => c.notNull())
    .addColumn('role_definition_id', 'text', (c) => c.notNull())
    .addColumn('app_scope_id', 'text', (c) => c.notNull())
    .addColumn('catalog_id', id)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addUniqueConstraint('role_assignments_uq', ['principal_id', 'role_definition_id', 'app_scope_id'])
    .execute();
  await db.schema.createIndex('role_assignments_catalog_idx').on('role_assignments').column('catalog_id').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('user_id', id, (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('last_used_at', ts)
    .addColumn('revoked_at', ts)
    .execute();
  await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').column('user_id').execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('occurred_at', ts, (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('activity', 'text', (c) => c.notNull())
    .addColumn('actor_id', id)
    .addColumn('actor_display_name', 'text')
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('target_display_name', 'text')
    .addColumn('modified_properties', 'text', (c) => c.notNull())
    .addColumn('correlation_id', 'text')
    .addColumn('result', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_time_idx').on('audit_events').columns(['occurred_at', 'id']).execute();
  await db.schema.createIndex('audit_events_target_idx').on('audit_events').columns(['target_id', 'occurred_at']).execute();
  await db.schema.createIndex('audit_events_actor_idx').on('audit_events').columns(['actor_id', 'occurred_at']).execute();

  // ---- lifecycle
  await db.schema
    .createTable('assignment_policies')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('access_package_id', id, (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('allowed_target_scope', 'text', (c) => c.notNull())
    .addColumn('specific_allowed_targets', 'text', (c) => c.notNull())
    .addColumn('expiration', 'text', (c) => c.notNull())
    .addColumn('requestor_settings', 'text', (c) => c.notNull())
    .addColumn('request_approval_settings', 'text', (c) => c.notNull())
    .addColumn('review_settings', 'text')
    .addColumn('notification_settings', 'text')
    .addColumn('automatic_request_settings', 'text')
    .addColumn('questions', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('modified_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('assignment_policies_package_idx').on('assignment_policies').column('access_package_id').execute();

  await db.schema
    .createTable('assignment_requests')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('access_package_id', id, (c) => c.notNull())
    .addColumn('policy_id', id)
    .addColumn('assignment_id', id)
    .addColumn('request_type', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requestor_id', id)
    .addColumn('target_id', id)
    .addColumn('target_email', 'text')
    .addColumn('justification', 'text')
    .addColumn('answers', 'text', (c) => c.notNull())
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.unique())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('completed_at', ts)
    .execute();
  await db.schema.createIndex('assignment_requests_package_idx').on('assignment_requests').columns(['access_package_id', 'created_at']).execute();
  await db.schema.createIndex('assignment_requests_target_idx').on('assignment_requests').columns(['target_id', 'state']).execute();
  await db.schema.createIndex('assignment_requests_requestor_idx').on('assignment_requests').column('requestor_id').execute();

  await db.schema
    .createTable('assignments')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('access_package_id', id, (c) => c.notNull())
    .addColumn('policy_id', id)
    .addColumn('target_id', id, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('start_at', ts)
    .addColumn('end_at', ts)
    .addColumn('expired_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('modified_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('assignments_package_idx').on('assignments').columns(['access_package_id', 'state']).execute();
  await db.schema.createIndex('assignments_target_idx').on('assignments').columns(['target_id', 'state']).execute();
  await db.schema.createIndex('assignments_end_idx').on('assignments').columns(['state', 'end_at']).execute();

  await db.schema
    .createTable('grants')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('assignment_id', id, (c) => c.notNull())
    .addColumn('resource_role_id', id, (c) => c.notNull())
    .addColumn('resource_scope_id', id, (c) => c.notNull())
    .addColumn('target_id', id, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', ts)
    .addColumn('delivered_at', ts)
    .addColumn('revoked_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('modified_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('grants_assignment_idx').on('grants').column('assignment_id').execute();
  await db.schema.createIndex('grants_shared_idx').on('grants').columns(['target_id', 'resource_role_id', 'state']).execute();

  await db.schema
    .createTable('approval_stages')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('request_id', id, (c) => c.notNull())
    .addColumn('stage_index', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('review_result', 'text', (c) => c.notNull())
    .addColumn('reviewed_by_id', id)
    .addColumn('reviewed_at', ts)
    .addColumn('justification', 'text')
    .addColumn('due_at', ts)
    .addColumn('escalate_at', ts)
    .addColumn('escalated', 'integer', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addUniqueConstraint('approval_stages_uq', ['request_id', 'stage_index'])
    .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('run_at', ts, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', ts)
    .addColumn('last_error', 'text')
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('done_at', ts)
    .execute();
  await db.schema.createIndex('jobs_due_idx').on('jobs').columns(['done_at', 'run_at']).execute();

  await db.schema
    .createTable('outbox_emails')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('sent_at', ts)
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', ts)
    .execute();
  await db.schema.createIndex('outbox_emails_pending_idx').on('outbox_emails').columns(['sent_at', 'next_attempt_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'outbox_emails', 'jobs', 'approval_stages', 'grants', 'assignments', 'assignment_requests', 'assignment_policies',
    'audit_events', 'api_tokens', 'role_assignments', 'settings', 'connected_organization_sponsors', 'connected_organizations',
    'incompatible_groups', 'incompatible_access_packages', 'resource_role_scopes', 'access_packages', 'resource_requests',
    'resource_scopes', 'resource_roles', 'resources', 'catalogs', 'group_owners', 'group_members', 'groups', 'users',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
