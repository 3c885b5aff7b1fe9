import type BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import type { Store } from '../../src/store/db.js';

// Bulk loading for the seeder: many rows per statement, many statements per transaction. SQLite gets
// one prepared INSERT run per row inside a transaction (better-sqlite3 is synchronous, so this is the
// fastest path it has); PostgreSQL gets INSERT … SELECT FROM unnest($1::text[], $2::int[], …), one
// array parameter per column, which loads tens of thousands of rows per round trip without COPY.

export type Cell = string | number | null;

export interface BulkTable {
  table: string;
  /** snake_case column names, in the order of each row's cells */
  columns: string[];
  /** columns holding integers (everything else is text) */
  ints?: string[];
  /** ignore rows that collide with an existing key */
  ignoreConflicts?: boolean;
}

/** The raw better-sqlite3 handle the loader writes through (seeding bypasses Kysely for speed). */
export type RawSqlite = BetterSqlite3.Database;

export interface BulkLoader {
  insert(t: BulkTable, rows: Cell[][]): Promise<void>;
}

/** SQLite: a raw better-sqlite3 handle on the file; PostgreSQL: the Kysely store. */
export function createBulkLoader(target: { raw: RawSqlite } | { store: Store }): BulkLoader {
  if ('raw' in target) {
    const raw = target.raw;
    const statements = new Map<string, BetterSqlite3.Statement>();
    return {
      async insert(t, rows) {
        const key = `${t.table}:${t.columns.join(',')}:${t.ignoreConflicts ? 1 : 0}`;
        let stmt = statements.get(key);
        if (!stmt) {
          stmt = raw.prepare(`insert ${t.ignoreConflicts ? 'or ignore ' : ''}into ${t.table} (${t.columns.join(', ')}) values (${t.columns.map(() => '?').join(', ')})`);
          statements.set(key, stmt);
        }
        const s = stmt;
        raw.transaction((batch: Cell[][]) => {
          for (const r of batch) s.run(...r);
        })(rows);
      },
    };
  }
  const store = target.store;
  return {
    async insert(t, rows) {
      const ints = new Set(t.ints ?? []);
      const CHUNK = 20_000;
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK);
        const arrays = t.columns.map((_c, ci) => chunk.map((r) => r[ci]));
        const casts = t.columns.map((c, ci) => sql`${arrays[ci]}::${sql.raw(ints.has(c) ? 'int[]' : 'text[]')}`);
        const conflict = t.ignoreConflicts ? sql` on conflict do nothing` : sql``;
        await sql`insert into ${sql.raw(t.table)} (${sql.raw(t.columns.join(', '))}) select * from unnest(${sql.join(casts)})${conflict}`.execute(store.db);
      }
    },
  };
}
