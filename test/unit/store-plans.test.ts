import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Compilable, type CompiledQuery, type KyselyPlugin } from 'kysely';
import { listCollection } from '../../src/api/odata/collection.js';
import { accessPackageSet, packagesRequestableBy } from '../../src/api/read/access-packages.js';
import type { Principal } from '../../src/domain/authorization.js';
import { newId } from '../../src/domain/ids.js';
import type { AudienceEntry } from '../../src/domain/policy/scope.js';
import { OPEN_REQUEST_STATES } from '../../src/domain/request-lifecycle.js';
import { activeAssignmentQuery } from '../../src/store/assignments.js';
import { chunks, ROWS_PER_INSERT } from '../../src/store/chunks.js';
import { openStore, type Db, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { AudienceTables } from '../../src/store/policy-audience.js';
import { activeHoldersQuery, grantWorkQuery, markGrantsRevokedQuery, markGrantsRevokingQuery, revokingGrantsQuery } from '../../src/store/grants.js';
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
// assignments after the lifecycle bench, against 0.03 ms through migration 0017's index of open requests).

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

/** The statements listCollection runs for allowedRequestor, as compiled (with their parameters). */
async function allowedRequestorStatement(db: Db, query: Record<string, string> = {}): Promise<CompiledQuery> {
  const seen: CompiledQuery[] = [];
  const capture: KyselyPlugin = {
    transformQuery: (a) => { seen.push(db.getExecutor().compileQuery(a.node, a.queryId)); return a.node; },
    transformResult: async (a) => a.result,
  };
  const principal: Principal = {
    userId: newId(), displayName: 'Requestor', userPrincipalName: 'requestor@example.test', userType: 'Member',
    tenantRoles: new Set(), catalogRoles: new Map(), groupIds: [newId(), newId()],
  };
  const keys: AudienceEntry[] = [{ kind: 'allMemberUsers', subjectId: '*' }, { kind: 'user', subjectId: principal.userId }, ...principal.groupIds!.map((g) => ({ kind: 'group' as const, subjectId: g }))];
  const traced = db.withPlugin(capture);
  const req = { query, url: '/x', protocol: 'http', host: 'localhost' };
  await listCollection(accessPackageSet, packagesRequestableBy(traced, principal, keys), req as never, { db: traced, principal });
  const page = seen.find((q) => /^select "access_packages"\.\*/.test(q.sql) && / limit /.test(q.sql));
  assert.ok(page, 'the page statement ran');
  return page;
}

async function sqlitePlanDetails(db: Db, q: CompiledQuery): Promise<string> {
  const { rows } = await db.executeQuery({ ...q, sql: `explain query plan ${q.sql}` });
  return (rows as { detail: string }[]).map((r) => r.detail).join('\n');
}

/** Packages over catalogs, each with one policy audience row, as the tenant writes them; then ANALYZE when asked. */
async function seedPackages(db: Db, packages: number, analyze: boolean): Promise<void> {
  const at = new Date().toISOString();
  const catalogs = Array.from({ length: Math.ceil(packages / 50) }, (_, i) => ({
    id: newId(), displayName: `Catalog ${i}`, description: null, state: 'published', isExternallyVisible: 1, catalogType: 'userManaged', createdAt: at, modifiedAt: at,
  }));
  await db.insertInto('catalogs').values(catalogs).execute();
  for (let start = 0; start < packages; start += 200) {
    const rows = Array.from({ length: Math.min(200, packages - start) }, (_, k) => ({
      id: newId(), catalogId: catalogs[Math.floor((start + k) / 50)].id, displayName: `Package ${start + k}`, description: null, isHidden: 0, createdAt: at, modifiedAt: at,
    }));
    await db.insertInto('accessPackages').values(rows).execute();
    await db.withTables<AudienceTables>().insertInto('assignmentPolicyAudience')
      .values(rows.map((r) => ({ policyId: newId(), accessPackageId: r.id, subjectKind: 'allMemberUsers', subjectId: '*' }))).execute();
  }
  if (analyze) await sql`analyze`.execute(db);
}

describe('query plans of allowedRequestor on SQLite, with and without statistics', () => {
  for (const analyze of [false, true]) {
    it(`reads the packages in the order of the page (name, id) and sorts nothing, ${analyze ? 'after ANALYZE' : 'without statistics'}`, async () => {
      const store = openStore('sqlite::memory:');
      try {
        await migrateToLatest(store.db);
        await seedPackages(store.db, 2000, analyze);
        const plan = await sqlitePlanDetails(store.db, await allowedRequestorStatement(store.db));
        assert.match(plan, /SCAN access_packages USING INDEX access_packages_name_id_idx/, plan);
        assert.doesNotMatch(plan, /TEMP B-TREE FOR ORDER BY/, plan);
        // the answer is still a page, from the start of the order
        const q = await allowedRequestorStatement(store.db, { $top: '3' });
        const { rows } = await store.db.executeQuery(q);
        assert.deepEqual((rows as { displayName: string }[]).map((r) => r.displayName), ['Package 0', 'Package 1', 'Package 10', 'Package 100']);
      } finally {
        await store.close();
      }
    });
  }
});

describe(`query plan of allowedRequestor on the suite's store (${testStore}), 5,000 packages, with statistics`, () => {
  it('reads the packages in the order of the page through access_packages_name_id_idx, with no sort', async () => {
    const scratch = await scratchDatabase();
    const store = openStore(scratch.url);
    try {
      await migrateToLatest(store.db);
      await seedPackages(store.db, 5000, true);
      const q = await allowedRequestorStatement(store.db);
      if (store.kind === 'sqlite') {
        const plan = await sqlitePlanDetails(store.db, q);
        assert.match(plan, /SCAN access_packages USING INDEX access_packages_name_id_idx/, plan);
        assert.doesNotMatch(plan, /TEMP B-TREE FOR ORDER BY/, plan);
      } else {
        const { rows } = await store.db.executeQuery({ ...q, sql: `explain ${q.sql}` });
        const plan = (rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
        assert.match(plan, /Index Scan using access_packages_name_id_idx on access_packages/, plan);
        assert.doesNotMatch(plan, /Sort/, plan);
      }
    } finally {
      await store.close();
      await scratch.drop();
    }
  });
});

// The statements of a revocation job (50 assignments at a time) name their rows by id lists and filter by
// a state. Without statistics SQLite took the (state, next attempt) index for the state list and read every
// delivered grant of the tenant for each of them (371 ms a call at 100k assignments, found by the bench's
// expiry floor); they must read the listed rows through the index of their ids whatever the statistics say.
// (SQLite only: PostgreSQL always plans from estimates, and on an empty table a sequential scan is its right answer.)
describe('query plans of a revocation job on SQLite, without statistics', () => {
  it('reads the grants of the listed assignments and people, never every grant in a state', async () => {
    const store = openStore('sqlite::memory:');
    try {
      await migrateToLatest(store.db);
      const ids = (n: number) => Array.from({ length: n }, () => newId());
      const at = new Date().toISOString();
      const statements = {
        activeHolders: activeHoldersQuery(store.db, ids(50), ids(3)),
        grantWork: grantWorkQuery(store.db, ids(50), 'revoking'),
        markRevoking: markGrantsRevokingQuery(store.db, ids(50), at),
        revoking: revokingGrantsQuery(store.db, ids(50)),
        markRevoked: markGrantsRevokedQuery(store.db, ids(50), at),
      };
      for (const [name, q] of Object.entries(statements)) {
        const plan = await planOf(store, q);
        assert.doesNotMatch(plan, /grants_pending_idx|SCAN grants\b/, `${name}: ${plan}`);
        assert.match(plan, /grants_(assignment|shared)_idx|sqlite_autoindex_grants_1/, `${name}: ${plan}`);
      }
    } finally {
      await store.close();
    }
  });
});
