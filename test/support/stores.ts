import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';

// Which store the suite runs on: SQLite by default (the README's test command), PostgreSQL when
// LATCHKEY_TEST_STORE=postgres (.ci/run runs the suite a second time that way). Each test file gets
// a database of its own, created here and dropped afterwards.

export const testStore = (process.env.LATCHKEY_TEST_STORE ?? 'sqlite') as 'sqlite' | 'postgres';
const PG_ADMIN_URL = process.env.LATCHKEY_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function scratchDatabase(): Promise<ScratchDatabase> {
  if (testStore === 'postgres') {
    const name = `lk_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${name}`;
    return {
      url: u.toString(),
      async drop() {
        const c = new pg.Client({ connectionString: PG_ADMIN_URL });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-test-'));
  return { url: `sqlite:${join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** A migrated scratch database opened twice, as two workers see it; close() ends both connections and drops it. */
export interface SharedScratch {
  store: Store;
  other: Store;
  close(): Promise<void>;
}

export async function sharedScratch(): Promise<SharedScratch> {
  const scratch = await scratchDatabase();
  const store = openStore(scratch.url);
  const other = openStore(scratch.url);
  await migrateToLatest(store.db);
  return {
    store, other,
    async close() {
      await store.close();
      await other.close();
      await scratch.drop();
    },
  };
}
