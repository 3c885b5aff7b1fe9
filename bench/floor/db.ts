import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { configureSqlite, parseDatabaseUrl } from '../../src/store/db.js';

// The floor's database access: the store's driver with nothing in between. SQLite is better-sqlite3 with the
// store's configureSqlite() settings and a prepared-statement cache (as the store keeps one), transactions
// BEGIN IMMEDIATE as the store's dialect takes them; PostgreSQL is a pg Pool with the store's jit=off. SQL is
// written once with `?` placeholders (numbered for PostgreSQL); rows come back with the database's
// snake_case column names.

export interface Sql {
  all<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** a statement without result rows; the number of rows it changed */
  run(text: string, params?: unknown[]): Promise<number>;
}

export interface FloorDb extends Sql {
  pg: boolean;
  tx<T>(fn: (q: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `n` placeholders: `?, ?, ?` */
export const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/**
 * A column compared without its index. SQLite runs without statistics (as a deployment does: nobody runs
 * ANALYZE), and for `id IN (…50 ids) AND state = 'revoking'` it takes the state index, every revoking grant
 * of every batch, over the id; the floor, written by hand, states the plan it wants (PostgreSQL plans by its
 * statistics and loses nothing).
 */
export const unindexed = (column: string): string => `coalesce(${column}, '')`;

/** `n` rows of `width` placeholders each, for a multi-row VALUES list */
export const rowMarks = (n: number, width: number): string => Array.from({ length: n }, () => `(${marks(width)})`).join(', ');

function openSqlite(file: string): FloorDb {
  const db = configureSqlite(new BetterSqlite3(file));
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepare = (text: string) => {
    let s = statements.get(text);
    if (!s) statements.set(text, (s = db.prepare(text)));
    return s;
  };
  // better-sqlite3 is synchronous: a transaction's statements run back to back with no I/O in between, so
  // no other request's statements can come inside it on this one connection
  const q: Sql = {
    all: async <T>(text: string, params: unknown[] = []) => prepare(text).all(...params) as T[],
    run: async (text, params = []) => prepare(text).run(...params).changes,
  };
  return {
    pg: false,
    ...q,
    async tx(fn) {
      prepare('begin immediate').run();
      try {
        const out = await fn(q);
        prepare('commit').run();
        return out;
      } catch (e) {
        if (db.inTransaction) prepare('rollback').run();
        throw e;
      }
    },
    close: async () => {
      db.close();
    },
  };
}

/** `?` → `$1`, `$2`, … (the floor's SQL has no `?` inside literals) */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

function pgSql(c: pg.Pool | pg.PoolClient): Sql {
  return {
    all: async <T>(text: string, params: unknown[] = []) => (await c.query(numbered(text), params)).rows as T[],
    run: async (text, params = []) => (await c.query(numbered(text), params)).rowCount ?? 0,
  };
}

function openPostgres(url: string, poolSize: number): FloorDb {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, options: '-c jit=off' });
  pool.on('error', () => undefined);
  return {
    pg: true,
    ...pgSql(pool),
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const out = await fn(pgSql(client));
        await client.query('commit');
        return out;
      } catch (e) {
        await client.query('rollback').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

export function openFloorDb(url: string, poolSize = 10): FloorDb {
  const loc = parseDatabaseUrl(url);
  return loc.kind === 'sqlite' ? openSqlite(loc.target) : openPostgres(loc.target, poolSize);
}
