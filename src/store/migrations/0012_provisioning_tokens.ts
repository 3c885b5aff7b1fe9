import type { Kysely } from 'kysely';

// Provisioning tokens (issue 13): what an identity provider presents under /scim/v2. They are not people's
// API tokens (api_tokens belong to a user and open the Graph API): each belongs to one identity source,
// opens only /scim/v2, and writes what it changes as that source. Stored as the SHA-256 of the token,
// like every secret Latchkey hands out; the token itself is shown once, when it is made.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('provisioning_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('identity_source_id', 'text', (c) => c.notNull().references('identity_sources.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('provisioning_tokens_source_idx').on('provisioning_tokens').column('identity_source_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('provisioning_tokens').ifExists().execute();
}
