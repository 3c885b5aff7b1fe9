import type BetterSqlite3 from 'better-sqlite3';
import type { FastifyBaseLogger } from 'fastify';
import { CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type OperationNode, type RootOperationNode } from 'kysely';
import { listenOn, type Listener } from './notify.js';

// Who someone is (their account, their groups at any depth, their roles, their credentials) is read on every
// authenticated request, and the API keeps it for a few seconds (services/principal-cache.ts). That is safe only
// if every committed change to those rows is seen at once, so it is watched here, below every repository: the
// driver looks at each statement it runs (Kysely's query tree, or the text of raw SQL), and after a transaction
// that wrote to an identity table commits, the store's generation moves on. No writer can forget to say so,
// and a writer added later is covered too.
//
// Other processes: on PostgreSQL such a transaction also sends a NOTIFY on IDENTITY_CHANNEL just before its
// commit (PostgreSQL delivers it with the commit, never for a rolled-back one), and a process that follows the
// channel moves its generation on when one arrives; while its LISTEN connection is down it reports no generation
// at all, so nothing is cached until it is back. On SQLite (one host) PRAGMA data_version tells, for the cost of
// reading a number, whether any other connection (a `latchkey` CLI command, a worker process) committed anything
// since the last look; anything at all moves the generation on, which is coarse but costs nothing to keep right.

export const IDENTITY_CHANNEL = 'latchkey_identity';
/** shown in pg_stat_activity, apart from the work listener */
export const IDENTITY_LISTENER_APPLICATION_NAME = 'latchkey identity listener';

/** the tables a principal is made of (snake_case: the driver sees the statements after the CamelCasePlugin) */
const IDENTITY_TABLES = new Set(['users', 'groups', 'group_members', 'role_assignments', 'api_tokens', 'sessions']);
/** a new token or session has nothing cached under it yet, so inserting one invalidates nothing */
const CREDENTIAL_TABLES = new Set(['api_tokens', 'sessions']);
/** updates of only these columns record that a credential was used (once a minute each); they change nobody */
const USE_COLUMNS = new Set(['last_used_at', 'last_seen_at']);
const RAW_IDENTITY_WRITE = /\b(?:insert\s+into|update|delete\s+from)\s+"?(?:users|groups|group_members|role_assignments|api_tokens|sessions)\b/i;

function tableName(node: OperationNode | undefined): string | undefined {
  if (!node) return undefined;
  if (node.kind === 'TableNode') return (node as unknown as { table: { identifier: { name: string } } }).table.identifier.name;
  if (node.kind === 'AliasNode') return tableName((node as unknown as { node: OperationNode }).node);
  return undefined;
}

function isIdentityTable(node: OperationNode | undefined): boolean {
  const t = tableName(node);
  return t !== undefined && IDENTITY_TABLES.has(t);
}

/** Whether the statement can change who someone is (conservative: a write it cannot read counts as one). */
export function changesIdentity(query: { query: RootOperationNode; sql: string }): boolean {
  const node = query.query;
  switch (node.kind) {
    case 'SelectQueryNode':
      return false;
    case 'InsertQueryNode':
      return isIdentityTable(node.into) && !CREDENTIAL_TABLES.has(tableName(node.into)!);
    case 'UpdateQueryNode':
      return isIdentityTable(node.table)
        && !(node.updates ?? []).every((u) => USE_COLUMNS.has((u.column as unknown as { column: { name: string } }).column.name));
    case 'DeleteQueryNode':
      return node.from.froms.some(isIdentityTable);
    default:
      return RAW_IDENTITY_WRITE.test(query.sql);
  }
}

interface WriteHooks {
  /** runs in a transaction that changed identities, just before its commit (PostgreSQL: the NOTIFY) */
  announce?(run: (q: CompiledQuery) => Promise<unknown>): Promise<void>;
  /** after such a change committed (or its commit failed: moving on needlessly is harmless) */
  changed(): void;
}

/** The driver, watching its connections for identity writes (see the top of this file). */
function watchDriver(inner: Driver, hooks: WriteHooks): Driver {
  const state = new WeakMap<DatabaseConnection, { inTransaction: boolean; changed: boolean }>();
  const settle = async (run: (q: CompiledQuery) => Promise<unknown>, commit: () => Promise<void>): Promise<void> => {
    try {
      await hooks.announce?.(run);
      await commit();
    } finally {
      hooks.changed();
    }
  };
  // connections are reused (PostgreSQL's pool, SQLite's one connection): each is patched once, in place, because
  // the dialect's own driver recognises its connection objects
  const watch = (conn: DatabaseConnection): DatabaseConnection => {
    if (state.has(conn)) return conn;
    const s = { inTransaction: false, changed: false };
    state.set(conn, s);
    const execute = conn.executeQuery.bind(conn);
    conn.executeQuery = async <R>(q: CompiledQuery) => {
      const result = await execute<R>(q);
      if (changesIdentity(q)) {
        if (s.inTransaction) s.changed = true;
        else await settle(execute, async () => {});
      }
      return result;
    };
    return conn;
  };
  const end = (conn: DatabaseConnection): boolean => {
    const s = state.get(conn);
    if (!s) return false;
    const changed = s.changed;
    s.inTransaction = false;
    s.changed = false;
    return changed;
  };
  return {
    init: () => inner.init(),
    acquireConnection: async () => watch(await inner.acquireConnection()),
    async beginTransaction(conn, settings) {
      await inner.beginTransaction(conn, settings);
      watch(conn);
      state.get(conn)!.inTransaction = true;
    },
    async commitTransaction(conn) {
      if (!end(conn)) return inner.commitTransaction(conn);
      await settle((q) => conn.executeQuery(q), () => inner.commitTransaction(conn));
    },
    async rollbackTransaction(conn) {
      end(conn);
      await inner.rollbackTransaction(conn);
    },
    savepoint: inner.savepoint?.bind(inner),
    rollbackToSavepoint: inner.rollbackToSavepoint?.bind(inner),
    releaseSavepoint: inner.releaseSavepoint?.bind(inner),
    releaseConnection: (conn) => inner.releaseConnection(conn),
    destroy: () => inner.destroy(),
  };
}

/** What the principal cache needs to know of the store. */
export interface IdentityChanges {
  /**
   * A number that moves on after every committed change to who someone is, made through this store or, once
   * following, by any other process on the database; null while a change elsewhere could go unseen (PostgreSQL,
   * before follow() and while its LISTEN connection is down): then nothing may be cached.
   */
  generation(): number | null;
  /** Starts following the changes of other processes (PostgreSQL: LISTEN; SQLite sees them anyway). Idempotent. */
  follow(log: FastifyBaseLogger): void;
  close(): Promise<void>;
}

export interface WatchedStore {
  dialect: Dialect;
  changes: IdentityChanges;
}

function watchDialect(inner: Dialect, hooks: WriteHooks): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createDriver: () => watchDriver(inner.createDriver(), hooks),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
  };
}

/** A SQLite dialect that watches identity writes, and the changes as seen from `sqlite` (its one connection). */
export function watchSqlite(inner: Dialect, sqlite: BetterSqlite3.Database): WatchedStore {
  let generation = 0;
  // read through better-sqlite3 directly: a number SQLite keeps in memory, no statement through Kysely
  const dataVersion = sqlite.prepare('pragma data_version').pluck();
  let seen = dataVersion.get();
  return {
    dialect: watchDialect(inner, { changed: () => void generation++ }),
    changes: {
      generation() {
        const v = dataVersion.get();
        if (v !== seen) {
          seen = v;
          generation++;
        }
        return generation;
      },
      follow: () => {},
      close: async () => {},
    },
  };
}

/** A PostgreSQL dialect that watches identity writes and announces them on IDENTITY_CHANNEL, and the changes it follows there. */
export function watchPostgres(inner: Dialect, connectionString: string, origin: string): WatchedStore {
  let generation = 0;
  let listener: Listener | null = null;
  const notify = CompiledQuery.raw('select pg_notify($1, $2)', [IDENTITY_CHANNEL, origin]);
  return {
    dialect: watchDialect(inner, {
      announce: async (run) => void (await run(notify)),
      changed: () => void generation++,
    }),
    changes: {
      generation: () => (listener?.connected() ? generation : null),
      follow(log) {
        listener ??= listenOn({
          channel: IDENTITY_CHANNEL, applicationName: IDENTITY_LISTENER_APPLICATION_NAME, what: 'identity listener', connectionString, log,
          // this store's own changes moved the generation on at their commit already
          ignoreOrigin: origin,
          // a change elsewhere, or (re)connected: whatever was sent while away is lost, so everything cached is suspect
          onWake: () => void generation++,
        });
      },
      close: async () => listener?.close(),
    },
  };
}
