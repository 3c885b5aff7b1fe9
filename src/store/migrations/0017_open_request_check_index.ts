import { sql, type Kysely } from 'kysely';

// The other duplicate check of every add request (is an add of this package for this person still
// open?) filters requests on package, target, type and open state. Right after a bulk load, when every
// request is finished, PostgreSQL's statistics make the open states look rare, and it answered the check
// from the (state, created) index: every open request's entry, dead ones included, for each submission
// (8.5 ms after the lifecycle bench at 100k assignments, 0.03 ms through this index; more the more requests are open at once, which
// is when submissions come fastest). A (target, package, state) index did not help: when the person is
// among the statistics' most common targets it looks costlier than the state index. An index of the
// open requests only, by (target, package), is tiny and exact, so the planner takes it whatever the
// statistics say (test/unit/store-plans.test.ts). The states are domain/request-lifecycle.ts's
// OPEN_REQUEST_STATES; the query must name the same ones for PostgreSQL to see that the index covers it.
// SQLite cannot see that with the states bound as parameters, and keeps its (target, state) index,
// which already reads only the person's rows.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index assignment_requests_open_target_package_idx on assignment_requests (target_id, access_package_id)
    where state in ('submitted', 'pendingApproval', 'scheduled', 'delivering')`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('assignment_requests_open_target_package_idx').ifExists().execute();
}
