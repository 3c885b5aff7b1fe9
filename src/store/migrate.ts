import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './db.js';
import * as m0001 from './migrations/0001_initial.js';
import * as m0002orgs from './migrations/0002_orgs.js';
import * as m0003lifecycle from './migrations/0003_lifecycle.js';
import * as m0004sessions from './migrations/0004_sessions.js';
import * as m0006oneGeneral from './migrations/0006_one_general_catalog.js';

// Migrations are compiled into the program (not read from disk) so that the built CLI and the tests
// apply exactly the same list. Add new ones here in order; never edit one that has shipped.
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_orgs': m0002orgs,
  '0003_lifecycle': m0003lifecycle,
  '0004_sessions': m0004sessions,
  '0006_one_general_catalog': m0006oneGeneral,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export interface MigrationReport {
  applied: string[];
}

/** Applies pending migrations. Kysely records them in kysely_migration and takes a lock, so re-running is a no-op. */
export async function migrateToLatest(db: Db): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: new StaticProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
