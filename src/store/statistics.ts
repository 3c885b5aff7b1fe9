import { sql } from 'kysely';
import { isPostgres, type Db } from './db.js';

// The query planners' statistics. SQLite has none until ANALYZE runs, and plans every query from guesses;
// PostgreSQL's autovacuum analyzes tables as they change. SQLite's own advice for a long-lived connection
// is PRAGMA optimize: at open with 0x10002 (look at every table, not only those this connection used), then
// now and then, which re-analyzes only the tables that changed a lot since they last were. analysis_limit
// bounds each ANALYZE to a sample of about that many rows per index, so that it takes milliseconds on a
// big database; the duplicate check and the hot paths keep their plans with such approximate statistics
// as without any (test/unit/store-plans.test.ts).

/** Rows per index that SQLite's ANALYZE samples (PRAGMA analysis_limit). */
export const ANALYSIS_LIMIT = 1000;

/**
 * Brings the planner's statistics up to date where they need it. SQLite: PRAGMA optimize (`allTables`:
 * every table, as at start or after a bulk change; otherwise the tables this connection has used).
 * PostgreSQL: nothing, autovacuum does it, unless `bulk` says that many rows were just written (a seed,
 * a big sync): then ANALYZE at once rather than when autovacuum comes round.
 */
export async function refreshStatistics(db: Db, opts: { allTables?: boolean; bulk?: boolean } = {}): Promise<void> {
  if (isPostgres(db)) {
    if (opts.bulk) await sql`analyze`.execute(db);
    return;
  }
  await sql.raw(`pragma analysis_limit = ${ANALYSIS_LIMIT}`).execute(db);
  await sql.raw(opts.allTables || opts.bulk ? 'pragma optimize = 0x10002' : 'pragma optimize').execute(db);
}
