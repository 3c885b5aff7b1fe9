import type { Kysely } from 'kysely';

// The duplicate check of every add request (does this person already hold this package?) filters
// assignments on package, target and state. The two indexes it could use, (package, state) and (target,
// state), looked alike to SQLite's planner, which has no statistics unless ANALYZE runs: it took the
// package's, and read every holder of the package (0.9 ms at 10k holders, 22 ms at 100k, under SQLite's
// write lock; issue 14). One index on (target, package, state) answers it exactly whatever the statistics,
// on both stores.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('assignments_target_package_idx').on('assignments').columns(['target_id', 'access_package_id', 'state']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('assignments_target_package_idx').ifExists().execute();
}
