import { sql, type Kysely } from 'kysely';

// At most one built-in General catalog. Every process creates it at start-up when it is missing
// (catalogs.ensureGeneral); two processes starting on a fresh database at the same moment could both
// find it missing and both create it. The partial unique index makes the second insert fail (the
// service then uses the first one). Databases that already hit the race keep the oldest as General;
// the others become ordinary catalogs, packages and all, so nothing is lost.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update catalogs set catalog_type = 'userManaged'
    where catalog_type = 'serviceDefault'
      and id <> (select id from catalogs where catalog_type = 'serviceDefault' order by created_at, id limit 1)`.execute(db);
  await db.schema.createIndex('catalogs_one_service_default_idx').on('catalogs').column('catalog_type').unique()
    .where(sql.ref('catalog_type'), '=', 'serviceDefault').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('catalogs_one_service_default_idx').execute();
}
