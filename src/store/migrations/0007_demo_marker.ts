import { sql, type Kysely } from 'kysely';

// The demo company's marker: seedDemo writes a row here in the same transaction as the demo users, and
// `serve --demo` turns on demo sign-in (pick any user, no password) only when the row is there. So
// `--demo` given by mistake against a database with real people never makes them sign-in-able.
//
// Demo databases seeded before this table existed are recognised by the audit event seedDemo always
// wrote ('Seed demo data' on the demo domain), so an existing demo keeps its sign-in.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('demo_markers')
    /** the demo directory's domain (src/demo/seed.ts DEMO_DOMAIN) */
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('seeded_at', 'text', (c) => c.notNull())
    .execute();
  await sql`
    insert into demo_markers (domain, seeded_at)
    select target_id, min(occurred_at) from audit_events
    where activity = 'Seed demo data' and target_type = 'tenant' and target_id = 'contoso.example'
    group by target_id`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('demo_markers').ifExists().execute();
}
