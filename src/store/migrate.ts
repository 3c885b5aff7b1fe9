import { Migrator, SqliteIntrospector, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './db.js';
import * as m0001 from './migrations/0001_initial.js';
import * as m0002orgs from './migrations/0002_orgs.js';
import * as m0003lifecycle from './migrations/0003_lifecycle.js';
import * as m0004sessions from './migrations/0004_sessions.js';
import * as m0005performance from './migrations/0005_performance.js';
import * as m0006oneGeneral from './migrations/0006_one_general_catalog.js';
import * as m0007demoMarker from './migrations/0007_demo_marker.js';
import * as m0008connections from './migrations/0008_connections.js';
import * as m0009confirmations from './migrations/0009_confirmation_due.js';
import * as m0010reconcileIndex from './migrations/0010_reconcile_index.js';
import * as m0011identitySources from './migrations/0011_identity_sources.js';
import * as m0012provisioningTokens from './migrations/0012_provisioning_tokens.js';
import * as m0013identitySyncRuns from './migrations/0013_identity_sync_runs.js';
import * as m0014scopeRemovals from './migrations/0014_scope_removals.js';
import * as m0015duplicateCheckIndex from './migrations/0015_duplicate_check_index.js';
import * as m0016packageNameOrderIndex from './migrations/0016_package_name_order_index.js';
import * as m0017openRequestCheckIndex from './migrations/0017_open_request_check_index.js';

// Migrations are compiled into the program (not read from disk) so that the built CLI and the tests
// apply exactly the same list. Add new ones here in order; never edit one that has shipped.
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_orgs': m0002orgs,
  '0003_lifecycle': m0003lifecycle,
  '0004_sessions': m0004sessions,
  '0005_performance': m0005performance,
  '0006_one_general_catalog': m0006oneGeneral,
  '0007_demo_marker': m0007demoMarker,
  '0008_connections': m0008connections,
  '0009_confirmation_due': m0009confirmations,
  '0010_reconcile_index': m0010reconcileIndex,
  '0011_identity_sources': m0011identitySources,
  '0012_provisioning_tokens': m0012provisioningTokens,
  '0013_identity_sync_runs': m0013identitySyncRuns,
  '0014_scope_removals': m0014scopeRemovals,
  '0015_duplicate_check_index': m0015duplicateCheckIndex,
  '0016_package_name_order_index': m0016packageNameOrderIndex,
  '0017_open_request_check_index': m0017openRequestCheckIndex,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export interface MigrationReport {
  applied: string[];
}

/** how long a process starting on SQLite waits for another one's migration before giving up */
const SQLITE_MIGRATION_WAIT_MS = 10 * 60_000;

/**
 * Applies pending migrations; re-running is a no-op, and so is a second process migrating at the same
 * time. On PostgreSQL Kysely's Migrator takes an advisory lock and migrates in one transaction. On
 * SQLite it takes no lock and runs outside a transaction, so two processes starting on a fresh file
 * both created the tables and one failed ("table users already exists"); there the whole migration
 * runs in one BEGIN IMMEDIATE transaction instead (SQLite's DDL is transactional): the second process
 * waits for the write lock, then finds nothing pending.
 */
export async function migrateToLatest(db: Db): Promise<MigrationReport> {
  if (!(db.introspection instanceof SqliteIntrospector)) return runMigrator(db);
  return db.connection().execute(async (conn) => {
    // real elapsed time, not the injected Clock: this bounds a wait on another process's lock (and
    // migrating takes no clock; a test's ManualClock would never reach the deadline)
    const deadline = Date.now() + SQLITE_MIGRATION_WAIT_MS;
    for (;;) {
      try {
        await sql`begin immediate`.execute(conn);
        break;
      } catch (e) {
        // each try already waited the busy timeout; a long migration elsewhere (an index on a big table) may need more
        if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw e;
      }
    }
    try {
      const report = await runMigrator(conn as Db);
      await sql`commit`.execute(conn);
      return report;
    } catch (e) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw e;
    }
  });
}

async function runMigrator(db: Db): Promise<MigrationReport> {
  // unordered: migrations written in parallel branches (0005 landing after 0006 was applied somewhere) still apply
  const migrator = new Migrator({ db, provider: new StaticProvider(), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
