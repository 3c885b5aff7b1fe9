import BetterSqlite3 from 'better-sqlite3';
import { CamelCasePlugin, CompiledQuery, Kysely, PostgresAdapter, sql, type LogEvent, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type SqliteDialectConfig, type Transaction } from 'kysely';
import pg from 'pg';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Database } from './schema.js';
import { watchPostgres, watchSqlite, type IdentityChanges } from './identity-changes.js';

export type StoreKind = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface Store {
  kind: StoreKind;
  db: Db;
  /** where the data lives, without credentials, for logs */
  description: string;
  /** committed changes to who someone is, for the principal cache (store/identity-changes.ts) */
  identity: IdentityChanges;
  close(): Promise<void>;
}

export interface StoreLocation {
  kind: StoreKind;
  /** file path (SQLite) or connection string (PostgreSQL) */
  target: string;
}

/** Which database a connection (or transaction) talks to, for the few statements written per dialect. */
export function isPostgres(db: Db | Tx): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** DATABASE_URL semantics: postgres:// or postgresql:// selects PostgreSQL; sqlite:PATH, a file path or :memory: select SQLite. */
export function parseDatabaseUrl(url: string): StoreLocation {
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', target: url };
  if (/^sqlite:/i.test(url)) {
    const rest = url.replace(/^sqlite:(\/\/)?/i, '');
    return { kind: 'sqlite', target: rest === '' ? ':memory:' : rest };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new Error(`Unsupported database URL scheme in '${redact(url)}': use postgres://…, sqlite:PATH or a file path`);
  }
  return { kind: 'sqlite', target: url };
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/**
 * SQLite transactions begin IMMEDIATE: they take the write lock at once, waiting out the busy timeout.
 * A plain BEGIN reads first and upgrades at its first write, and when another process (a worker, a
 * second server) committed in between, SQLite refuses the upgrade at once with SQLITE_BUSY, busy timeout
 * or not. Latchkey's transactions all write, so taking the lock up front costs nothing.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }
  override createDriver() {
    return new ImmediateSqliteDriver(this.settings);
  }
}

/**
 * better-sqlite3 compiles SQL on every prepare(), and Kysely's SQLite driver prepares every query afresh;
 * Latchkey runs the same few hundred statements over and over, so compiled statements are kept in a
 * bounded LRU (the bench showed prepare() at 14% of the server's time under the lifecycle load). A
 * statement still busy in an iterator is never handed out twice; SQLite re-prepares a cached statement
 * by itself after a schema change.
 */
export function cacheStatements(sqlite: BetterSqlite3.Database, max = 2000): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    const hit = cache.get(source);
    if (hit && !hit.busy) {
      // most recently used last
      cache.delete(source);
      cache.set(source, hit);
      return hit;
    }
    const stmt = prepare(source);
    if (!hit) {
      cache.set(source, stmt);
      if (cache.size > max) cache.delete(cache.keys().next().value as string);
    }
    return stmt;
  }) as typeof sqlite.prepare;
  return sqlite;
}

/**
 * The connection settings of every SQLite database Latchkey opens (the bench's insert ceiling uses them too).
 * WAL lets readers in other processes (CLI, a second server) proceed during writes; the busy timeout makes
 * a concurrent writer wait instead of failing at once; NORMAL sync is durable across process crashes in WAL
 * mode. SQLite's default page cache is 2 MB: with the bench's 400 MB database every index update read its
 * pages back through the kernel; 64 MB of cache (filled only as the data is used) keeps the working set in
 * the process. (Memory-mapped I/O was tried too: it counts the mapped file in the resident size, 491 MB idle.)
 */
export function configureSqlite(sqlite: BetterSqlite3.Database): BetterSqlite3.Database {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('wal_autocheckpoint = 10000');
  return sqlite;
}

/**
 * LATCHKEY_QUERY_STATS=<file>: the time spent in each distinct SQL statement is summed and, when the process
 * exits, appended to the file as one JSON line per store (a serve process on PostgreSQL has two: the API's
 * and its worker's). The bench's profiling aid: a CPU profile shows time inside the database driver but not
 * which statements it went to. Off unless set; the statements' parameters are never kept.
 */
function queryStatsLogger(file: string | undefined, store: string): ((event: LogEvent) => void) | undefined {
  if (!file) return undefined;
  const stats = new Map<string, { count: number; ms: number }>();
  process.once('exit', () => {
    const rows = [...stats].map(([sql, s]) => ({ sql, ...s })).sort((a, b) => b.ms - a.ms);
    appendFileSync(file.replace('%p', String(process.pid)), `${JSON.stringify({ pid: process.pid, store, rows })}\n`);
  });
  return (event) => {
    const s = stats.get(event.query.sql) ?? { count: 0, ms: 0 };
    s.count++;
    s.ms += event.queryDurationMillis;
    stats.set(event.query.sql, s);
  };
}

export interface StoreOptions {
  poolSize?: number;
  /** sees every statement the store runs, transaction control included (the statement-count test's hook) */
  onQuery?: (event: LogEvent) => void;
}

export function openStore(url: string, options: StoreOptions = {}): Store {
  const loc = parseDatabaseUrl(url);
  const plugins = [new CamelCasePlugin()];
  const stats = queryStatsLogger(process.env.LATCHKEY_QUERY_STATS, `${loc.kind}:${options.poolSize ?? 'default'} pool`);
  const { onQuery } = options;
  const log = stats && onQuery ? (e: LogEvent) => { stats(e); onQuery(e); } : stats ?? onQuery;
  if (loc.kind === 'sqlite') {
    if (loc.target !== ':memory:') mkdirSync(dirname(loc.target), { recursive: true });
    const sqlite = configureSqlite(new BetterSqlite3(loc.target));
    const watched = watchSqlite(new ImmediateSqliteDialect({ database: cacheStatements(sqlite) }), sqlite);
    const db = new Kysely<Database>({ dialect: watched.dialect, plugins, log });
    return { kind: 'sqlite', db, description: `sqlite:${loc.target}`, identity: watched.changes, close: () => db.destroy() };
  }
  // jit=off: Latchkey's statements are short lookups, but PostgreSQL JIT-compiles any plan whose estimated cost
  // passes jit_above_cost, and its estimate for the recursive group walk grows with the table: at 3M
  // assignments and 20k groups every call paid ~12 ms of compilation for 2.5 ms of work (bench, large scale)
  const pool = new pg.Pool({ connectionString: loc.target, max: options.poolSize ?? 10, options: '-c jit=off' });
  // An idle pooled connection that the server ends (a restart, pg_terminate_backend, a dropped database) makes
  // the pool emit 'error'; without a listener that is an uncaught exception that takes the process down. The
  // pool has already discarded the connection and opens a new one for the next query, so nothing else to do.
  pool.on('error', () => undefined);
  const watched = watchPostgres(new PostgresDialect({ pool }), loc.target, randomUUID());
  const db = new Kysely<Database>({ dialect: watched.dialect, plugins, log });
  return {
    kind: 'postgres', db, description: redact(loc.target), identity: watched.changes,
    async close() {
      await watched.changes.close();
      await db.destroy();
    },
  };
}

/** Whether the database answers a trivial query (the readiness probe); throws with the driver's reason when not. */
export async function pingStore(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
