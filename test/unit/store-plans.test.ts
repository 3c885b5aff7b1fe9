import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql, type CompiledQuery, type KyselyPlugin } from 'kysely';
import { listCollection } from '../../src/api/odata/collection.js';
import { accessPackageSet, packagesRequestableBy } from '../../src/api/read/access-packages.js';
import type { Principal } from '../../src/domain/authorization.js';
import { newId } from '../../src/domain/ids.js';
import type { AudienceEntry } from '../../src/domain/policy/scope.js';
import { activeAssignmentQuery } from '../../src/store/assignments.js';
import { openStore, type Db } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { AudienceTables } from '../../src/store/policy-audience.js';
import { scratchDatabase, testStore } from '../support/stores.js';

// Query plans that must not depend on SQLite's statistics (it has none until ANALYZE runs): the
// statement as it runs, with its parameters, through EXPLAIN QUERY PLAN on a freshly migrated database.

describe('query plans on SQLite without statistics', () => {
  it("the duplicate check of an add request reads the person's row of the package, not every holder of the package", async () => {
    const store = openStore('sqlite::memory:');
    try {
      await migrateToLatest(store.db);
      const q = activeAssignmentQuery(store.db, '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002').compile();
      const { rows } = await store.db.executeQuery({ ...q, sql: `explain query plan ${q.sql}` });
      const text = JSON.stringify(rows);
      assert.match(text, /assignments_target_package_idx/, text);
    } finally {
      await store.close();
    }
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

async function planOf(db: Db, q: CompiledQuery): Promise<string> {
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
        const plan = await planOf(store.db, await allowedRequestorStatement(store.db));
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
        const plan = await planOf(store.db, q);
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
