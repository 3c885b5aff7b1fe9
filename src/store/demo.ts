import type { Db, Tx } from './db.js';

// The demo company's own rows (demo/seed.ts): its marker (migration 0007). The people and groups it
// writes are plain directory rows, written through store/users.ts and store/groups.ts.

/** Whether the marker of the demo company with this domain exists. */
export async function hasDemoMarker(db: Db | Tx, domain: string): Promise<boolean> {
  return !!(await db.selectFrom('demoMarkers').select('domain').where('domain', '=', domain).executeTakeFirst());
}

/** Records the marker (once: a second seed of the same domain keeps the first date). */
export async function insertDemoMarker(tx: Tx, domain: string, at: string): Promise<void> {
  await tx.insertInto('demoMarkers').values({ domain, seededAt: at }).onConflict((oc) => oc.column('domain').doNothing()).execute();
}

/** Whether the directory has no user at all (the demo is seeded only into an empty one). */
export async function directoryIsEmpty(db: Db | Tx): Promise<boolean> {
  return !(await db.selectFrom('users').select('id').limit(1).executeTakeFirst());
}
