import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Compilable } from 'kysely';
import { newId } from '../../src/domain/ids.js';
import { OPEN_REQUEST_STATES } from '../../src/domain/request-lifecycle.js';
import { activeAssignmentQuery } from '../../src/store/assignments.js';
import { chunks, ROWS_PER_INSERT } from '../../src/store/chunks.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openAddRequestQuery } from '../../src/store/requests.js';
import type { AssignmentRequestsTable, AssignmentsTable } from '../../src/store/schema.js';
import { refreshStatistics } from '../../src/store/statistics.js';
import { scratchDatabase, testStore, type ScratchDatabase } from '../support/stores.js';

// Query plans that must not depend on the planner's statistics: the statement as it runs, with its
// parameters, through EXPLAIN, on a freshly migrated database (SQLite has no statistics until ANALYZE
// runs) and again after the statistics of a skewed tenant were gathered the way Latchkey gathers them
// (store/statistics.ts: PRAGMA optimize with analysis_limit, which samples and so misjudges how many
// rows share a value; ANALYZE on PostgreSQL, as after a bulk seed). The skew is the one the duplicate
// checks meet in the bench: one package with thousands of holders, a person who holds a few packages,
// and no request open, so that the statistics make the open states look rare (PostgreSQL then read
// every open request's entry of the (state, created) index for each submission: 8.5 ms at 100k
// assignments after the lifecycle bench, against 0.03 ms through migration 0018's index of open requests).

/**
 * That the plan reads the person's rows through an index led by the target (the person has a few), not
 * the rows of a package or of a state, which grow with the tenant.
 */
function assertByTarget(plan: string, table: 'assignments' | 'assignment_requests'): void {
  assert.match(plan, new RegExp(`${table}_(open_)?target(_package)?_idx`), plan);
  assert.doesNotMatch(plan, /Seq Scan|SCAN (assignments|assignment_requests)\b/, plan);
}

async function planOf(store: Store, q: Compilable<unknown>): Promise<string> {
  const c = q.compile();
  const { rows } = await store.db.executeQuery({ ...c, sql: `${store.kind === 'sqlite' ? 'explain query plan' : 'explain'} ${c.sql}` });
  return JSON.stringify(rows);
}

const HOLDERS = 4000;

/** One big package with HOLDERS holders (each with a delivered request), and a person holding ten small packages. */
async function seedSkewedTenant(store: Store, bigPackage: string, person: string): Promise<void> {
  const at = new Date().toISOString();
  const assignments: AssignmentsTable[] = [];
  const requests: AssignmentRequestsTable[] = [];
  const add = (accessPackageId: string, targetId: string) => {
    const id = newId();
    const requestId = newId();
    assignments.push({
      id, accessPackageId, policyId: null, targetId, state: 'delivered', status: 'Delivered', startAt: at, endAt: null, expiredAt: null, createdAt: at, modifiedAt: at,
      requestId, justification: null, answers: '[]', reminded14At: null, reminded1At: null, removalDueAt: null, removalReason: null,
    });
    requests.push({
      id: requestId, accessPackageId, policyId: null, assignmentId: id, requestType: 'userAdd', state: 'delivered', status: 'Delivered', requestorId: targetId, targetId,
      targetEmail: null, justification: null, answers: '[]', schedule: '{}', idempotencyKey: null, createdAt: at, completedAt: at, startAt: at, endAt: null, modifiedAt: at, reason: null,
    });
  };
  for (let i = 0; i < HOLDERS; i++) add(bigPackage, newId());
  for (let i = 0; i < 10; i++) add(newId(), person);
  for (const c of chunks(assignments, ROWS_PER_INSERT)) await store.db.insertInto('assignments').values(c).execute();
  for (const c of chunks(requests, ROWS_PER_INSERT)) await store.db.insertInto('assignmentRequests').values(c).execute();
}

describe(`query plans on ${testStore}, without statistics and after they are gathered`, () => {
  let scratch: ScratchDatabase;
  let store: Store;
  const bigPackage = newId();
  const person = newId();
  const duplicateCheck = () => activeAssignmentQuery(store.db, bigPackage, person);
  const openRequestCheck = () => openAddRequestQuery(store.db, bigPackage, person, null, OPEN_REQUEST_STATES);
  before(async () => {
    scratch = await scratchDatabase();
    store = openStore(scratch.url);
    await migrateToLatest(store.db);
  });
  after(async () => {
    await store.close();
    await scratch.drop();
  });
  const statistics = async () => store.kind === 'sqlite'
    ? (await store.db.selectFrom('sqlite_stat1' as never).selectAll().execute().catch(() => [])) as { tbl: string; idx: string }[]
    : (await sql<{ tbl: string; idx: string }>`select tablename as tbl, attname as idx from pg_stats where schemaname = current_schema()`.execute(store.db)).rows;

  it("without statistics the duplicate checks read the person's rows, not every holder of the package", async () => {
    assert.equal((await statistics()).length, 0, 'no statistics yet');
    assertByTarget(await planOf(store, duplicateCheck()), 'assignments');
    assertByTarget(await planOf(store, openRequestCheck()), 'assignment_requests');
  });

  it('after statistics of a skewed tenant are gathered (sampled), the plans stay the same', async () => {
    await seedSkewedTenant(store, bigPackage, person);
    await refreshStatistics(store.db, { bulk: true });
    const stats = await statistics();
    assert.ok(stats.some((s) => s.tbl === 'assignments'), `the assignments were analyzed: ${JSON.stringify(stats)}`);
    assert.ok(stats.some((s) => s.tbl === 'assignment_requests'), 'and the requests');
    assertByTarget(await planOf(store, duplicateCheck()), 'assignments');
    assertByTarget(await planOf(store, openRequestCheck()), 'assignment_requests');
  });
});
