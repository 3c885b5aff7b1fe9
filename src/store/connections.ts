import type { Db, Tx } from './db.js';
import type { ConnectionsTable } from './schema.js';

// Connections to target systems (migration 0008). The secrets column holds the sealed secrets object
// (store/secret-box.ts); only services/connections opens it, and nothing that answers a caller selects it:
// listings and lookups for the API use ConnectionListing, without the column.

export type ConnectionRow = ConnectionsTable;

/** A connection as the API and the portal show it: everything but the sealed secrets. */
export type ConnectionListing = Omit<ConnectionRow, 'secrets'>;

const LISTED = [
  'id', 'kind', 'displayName', 'description', 'settings', 'timeoutMs', 'concurrency', 'reconcileInterval', 'nextReconcileAt',
  'health', 'lastError', 'lastErrorAt', 'lastSuccessAt', 'createdAt', 'modifiedAt',
] as const;

export async function insertConnection(db: Db | Tx, row: ConnectionRow): Promise<void> {
  await db.insertInto('connections').values(row).execute();
}

/** The whole row, sealed secrets included: for building the connection's client, never for an answer. */
export async function findConnectionWithSecrets(db: Db | Tx, id: string): Promise<ConnectionRow | undefined> {
  return db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findConnectionById(db: Db | Tx, id: string): Promise<ConnectionListing | undefined> {
  return db.selectFrom('connections').select(LISTED).where('id', '=', id).executeTakeFirst();
}

/** Every connection (of one kind), by name. */
export async function listConnections(db: Db | Tx, kind?: string): Promise<ConnectionListing[]> {
  let q = db.selectFrom('connections').select(LISTED).orderBy('displayName').orderBy('id');
  if (kind) q = q.where('kind', '=', kind);
  return q.execute();
}

export async function updateConnection(db: Db | Tx, id: string, patch: Partial<Omit<ConnectionRow, 'id' | 'kind' | 'createdAt'>>): Promise<void> {
  await db.updateTable('connections').set(patch).where('id', '=', id).execute();
}

/** Records how the last call to the target went: healthy with the time, or failing with the error. */
export async function recordConnectionHealth(db: Db | Tx, id: string, outcome: { ok: true; at: string } | { ok: false; at: string; error: string }): Promise<void> {
  await db.updateTable('connections')
    .set(outcome.ok ? { health: 'healthy', lastSuccessAt: outcome.at } : { health: 'failing', lastError: outcome.error, lastErrorAt: outcome.at })
    .where('id', '=', id).execute();
}

/** A catalog resource that lives in the connection, if any: a connection in use cannot be deleted. */
export async function findResourceOfConnection(db: Db | Tx, connectionId: string): Promise<{ id: string; catalogId: string; displayName: string } | undefined> {
  return db.selectFrom('resources').select(['id', 'catalogId', 'displayName']).where('connectionId', '=', connectionId).executeTakeFirst();
}

/** Connections whose scheduled reconciliation is due at `at`, soonest first. */
export async function listConnectionsDueForReconciliation(db: Db | Tx, at: string, limit: number): Promise<{ id: string }[]> {
  return db.selectFrom('connections').select('id').where('nextReconcileAt', '<=', at).orderBy('nextReconcileAt').limit(limit).execute();
}

/** How many catalog resources live in each of these connections (absent: none). */
export async function countResourcesOfConnections(db: Db | Tx, connectionIds: readonly string[]): Promise<Map<string, number>> {
  if (connectionIds.length === 0) return new Map();
  const rows = await db.selectFrom('resources').select(['connectionId', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('connectionId', 'in', connectionIds).groupBy('connectionId').execute();
  return new Map(rows.map((r) => [r.connectionId!, Number(r.n)]));
}

/** The sealed secrets of these connections, by id: only for telling which secrets are set, never for an answer. */
export async function listSealedSecrets(db: Db | Tx, connectionIds: readonly string[]): Promise<Map<string, string>> {
  if (connectionIds.length === 0) return new Map();
  const rows = await db.selectFrom('connections').select(['id', 'secrets']).where('id', 'in', connectionIds).execute();
  return new Map(rows.map((r) => [r.id, r.secrets]));
}

/** Deletes a connection with what only it used: its account links and its reconciliation runs. */
export async function deleteConnectionWithRecords(db: Db | Tx, id: string): Promise<boolean> {
  await db.deleteFrom('connectionAccounts').where('connectionId', '=', id).execute();
  await db.deleteFrom('reconciliations').where('connectionId', '=', id).execute();
  const r = await db.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
