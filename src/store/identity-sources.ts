import type { Db, Tx } from './db.js';
import type { IdentitySourcesTable } from './schema.js';

// Identity sources (migration 0011): where people and groups come from. A user or group a source owns
// names it in source_id; what a source owns cannot be changed through Graph in the attributes it owns.

export type IdentitySourceRow = IdentitySourcesTable;

/** A source row to insert: the sync schedule's columns (migration 0013) default to none. */
export type NewIdentitySourceRow = Omit<IdentitySourceRow, 'nextSyncAt' | 'nextFullAt' | 'syncCursor'> & Partial<Pick<IdentitySourceRow, 'nextSyncAt' | 'nextFullAt' | 'syncCursor'>>;

export async function insertIdentitySource(db: Db | Tx, row: NewIdentitySourceRow): Promise<void> {
  await db.insertInto('identitySources').values({ nextSyncAt: null, nextFullAt: null, syncCursor: null, ...row }).execute();
}

export async function findIdentitySource(db: Db | Tx, id: string): Promise<IdentitySourceRow | undefined> {
  return db.selectFrom('identitySources').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every identity source (of one kind), by name. */
export async function listIdentitySources(db: Db | Tx, kind?: string): Promise<IdentitySourceRow[]> {
  let q = db.selectFrom('identitySources').selectAll().orderBy('displayName').orderBy('id');
  if (kind) q = q.where('kind', '=', kind);
  return q.execute();
}

export async function updateIdentitySource(db: Db | Tx, id: string, patch: Partial<Omit<IdentitySourceRow, 'id' | 'kind' | 'createdAt'>>): Promise<void> {
  await db.updateTable('identitySources').set(patch).where('id', '=', id).execute();
}

export async function deleteIdentitySource(db: Db | Tx, id: string): Promise<void> {
  await db.deleteFrom('identitySources').where('id', '=', id).execute();
}

/** The identity sources that read through this connection: a connection a source uses cannot be deleted. */
export async function findIdentitySourceOfConnection(db: Db | Tx, connectionId: string): Promise<Pick<IdentitySourceRow, 'id' | 'displayName'> | undefined> {
  return db.selectFrom('identitySources').select(['id', 'displayName']).where('connectionId', '=', connectionId).executeTakeFirst();
}

/** The identity source of this kind with this name (exact), the oldest if several. */
export async function findIdentitySourceByName(db: Db | Tx, kind: string, displayName: string): Promise<IdentitySourceRow | undefined> {
  return db.selectFrom('identitySources').selectAll().where('kind', '=', kind).where('displayName', '=', displayName)
    .orderBy('createdAt').orderBy('id').executeTakeFirst();
}

/** The names and kinds of these identity sources (Graph shows them on the objects they own). */
export async function listIdentitySourcesByIds(db: Db | Tx, ids: readonly string[]): Promise<Pick<IdentitySourceRow, 'id' | 'displayName' | 'kind'>[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('identitySources').select(['id', 'displayName', 'kind']).where('id', 'in', [...new Set(ids)]).execute();
}
