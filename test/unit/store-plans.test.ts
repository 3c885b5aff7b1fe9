import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activeAssignmentQuery } from '../../src/store/assignments.js';
import { openStore } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';

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
