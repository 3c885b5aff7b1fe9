import { ServiceUnavailableError } from '../../domain/errors.js';
import { connectorKind } from '../../connectors/kinds.js';
import type { Db, Tx } from '../../store/db.js';
import { countResourcesOfConnections, findConnectionWithSecrets, listConnections, listSealedSecrets, type ConnectionListing } from '../../store/connections.js';
import { SecretBoxError, type SecretBox } from '../../store/secret-box.js';
import { connectionSecretsContext } from './targets.js';

// A connection as the API answers it (CONTRACT.md): everything but the secrets' values. The secrets are
// shown as the names of those that are set, each '********', so that the portal can say "set, leave
// empty to keep" without the value ever leaving the server.

export const SECRET_MASK = '********';

export interface ConnectionView {
  id: string;
  kind: string;
  displayName: string;
  description: string | null;
  originSystem: string;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  timeoutMs: number;
  concurrency: number;
  reconcileInterval: string | null;
  nextReconcileAt: string | null;
  health: 'unknown' | 'healthy' | 'failing';
  lastError: string | null;
  lastErrorAt: string | null;
  lastSuccessAt: string | null;
  createdDateTime: string;
  modifiedDateTime: string;
  resourceCount: number;
}

/**
 * Runs `fn`, turning a secret box failure (no key configured on PostgreSQL, a value sealed with a key
 * that is no longer given) into a 503 saying what to set: it is the server's configuration, not the
 * caller's request, and not a crash.
 */
export async function withSecretBox<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof SecretBoxError) throw new ServiceUnavailableError(`Connection secrets cannot be used: ${e.message}`);
    throw e;
  }
}

/** The names of the secrets a sealed value holds; none when it cannot be opened (the answer still lists the connection). */
export function secretNames(box: SecretBox, connectionId: string, sealed: string): string[] {
  try {
    return Object.keys(box.openSecrets(sealed, connectionSecretsContext(connectionId))).sort();
  } catch {
    return [];
  }
}

export function connectionView(row: ConnectionListing, secrets: readonly string[], resourceCount: number): ConnectionView {
  return {
    id: row.id,
    kind: row.kind,
    displayName: row.displayName,
    description: row.description,
    originSystem: connectorKind(row.kind).originSystem,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    secrets: Object.fromEntries(secrets.map((k) => [k, SECRET_MASK])),
    timeoutMs: row.timeoutMs,
    concurrency: row.concurrency,
    reconcileInterval: row.reconcileInterval,
    nextReconcileAt: row.nextReconcileAt,
    health: row.health as ConnectionView['health'],
    lastError: row.lastError,
    lastErrorAt: row.lastErrorAt,
    lastSuccessAt: row.lastSuccessAt,
    createdDateTime: row.createdAt,
    modifiedDateTime: row.modifiedAt,
    resourceCount,
  };
}

/** One connection's answer, or undefined when there is none. */
export async function loadConnectionView(db: Db | Tx, box: SecretBox, id: string): Promise<ConnectionView | undefined> {
  const row = await findConnectionWithSecrets(db, id);
  if (!row) return undefined;
  const { secrets, ...listing } = row;
  const counts = await countResourcesOfConnections(db, [id]);
  return connectionView(listing, secretNames(box, id, secrets), counts.get(id) ?? 0);
}

/** Every connection's answer, by name. */
export async function listConnectionViews(db: Db | Tx, box: SecretBox): Promise<ConnectionView[]> {
  const rows = await listConnections(db);
  const ids = rows.map((r) => r.id);
  const counts = await countResourcesOfConnections(db, ids);
  const sealed = await listSealedSecrets(db, ids);
  return rows.map((r) => connectionView(r, secretNames(box, r.id, sealed.get(r.id) ?? ''), counts.get(r.id) ?? 0));
}
