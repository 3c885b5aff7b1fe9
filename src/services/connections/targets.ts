import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../domain/clock.js';
import { isoNow } from '../../domain/clock.js';
import { NotFoundError } from '../../domain/errors.js';
import type { ConnectorKind, Target } from '../../connectors/kit.js';
import { connectorKind } from '../../connectors/kinds.js';
import { ConnectorError } from '../../connectors/types.js';
import type { Db } from '../../store/db.js';
import { findConnectionWithSecrets, recordConnectionHealth, type ConnectionListing } from '../../store/connections.js';
import type { SecretBox } from '../../store/secret-box.js';

// The clients of this process's connections: one Target per connection, made from its stored settings
// and its secrets opened with the secret box, with the connection's limits (connectors/limits.ts), kept
// while the connection is unchanged and replaced (the old one closed) once it has been edited. Every
// service that talks to a target system (tests, resource search, fulfilment, reconciliation) goes
// through here, so each connection has one queue of calls per process and its health is recorded in
// one place.

export interface ConnectionClient {
  connection: ConnectionListing;
  kind: ConnectorKind;
  target: Target;
}

export interface ConnectionTargets {
  /** The client of a connection (404 when it does not exist). */
  clientOf(connectionId: string): Promise<ConnectionClient>;
  /**
   * Runs `call` against the connection's target and records its health: healthy on success, failing
   * with the message on a ConnectorError that says the system is unreachable or refused (retryable) or
   * on any other failure of the call. Errors still reach the caller.
   */
  call<T>(connectionId: string, call: (client: ConnectionClient) => Promise<T>): Promise<T>;
  /** Closes and forgets a connection's client (after an update or a delete). */
  forget(connectionId: string): Promise<void>;
  /** Closes every client (the app is stopping). */
  closeAll(): Promise<void>;
}

/** The AAD context a connection's secrets are sealed with: a sealed value cannot be moved to another connection. */
export const connectionSecretsContext = (connectionId: string) => `connection:${connectionId}:secrets`;

/**
 * How long a client is used without reading its connection's row again (real time). Edits made in this
 * process forget the client at once; one made by another process (PostgreSQL scale-out) is seen within
 * this time. Without it every grant of a batch would read the row, each read queued for the database.
 */
const CLIENT_FRESHNESS_MS = 1000;

export function createConnectionTargets(deps: { db: Db; clock: Clock; secretBox: SecretBox; log?: FastifyBaseLogger }): ConnectionTargets {
  const clients = new Map<string, { modifiedAt: string; checkedAt: number; client: ConnectionClient }>();
  // health is written when it changes, and a success at most once a minute: not one UPDATE per grant
  const written = new Map<string, { healthy: boolean; at: number }>();
  const record = async (connectionId: string, outcome: { ok: true } | { ok: false; error: string }) => {
    const now = deps.clock.now().getTime();
    const last = written.get(connectionId);
    if (outcome.ok && last?.healthy && now - last.at < 60_000) return;
    written.set(connectionId, { healthy: outcome.ok, at: now });
    await recordConnectionHealth(deps.db, connectionId, { ...outcome, at: isoNow(deps.clock) });
  };

  const close = async (client: ConnectionClient) => {
    try {
      await client.target.close();
    } catch (e) {
      deps.log?.warn({ err: e, connection: client.connection.id }, 'closing a connection client failed');
    }
  };

  async function clientOf(connectionId: string): Promise<ConnectionClient> {
    const fresh = clients.get(connectionId);
    if (fresh && performance.now() - fresh.checkedAt < CLIENT_FRESHNESS_MS) return fresh.client;
    const row = await findConnectionWithSecrets(deps.db, connectionId);
    if (!row) throw new NotFoundError('Connection', connectionId);
    const cached = clients.get(connectionId);
    if (cached && cached.modifiedAt === row.modifiedAt) {
      cached.checkedAt = performance.now();
      return cached.client;
    }
    if (cached) await close(cached.client);
    const kind = connectorKind(row.kind);
    const secrets = deps.secretBox.openSecrets(row.secrets, connectionSecretsContext(row.id));
    const { secrets: _sealed, ...connection } = row;
    const target = kind.createTarget(JSON.parse(row.settings), secrets, { timeoutMs: row.timeoutMs, concurrency: row.concurrency });
    const client = { connection, kind, target };
    clients.set(connectionId, { modifiedAt: row.modifiedAt, checkedAt: performance.now(), client });
    return client;
  }

  return {
    clientOf,
    async call(connectionId, call) {
      const client = await clientOf(connectionId);
      try {
        const result = await call(client);
        await record(connectionId, { ok: true });
        return result;
      } catch (e) {
        // a refusal about one account or resource (not retryable) says nothing about the system's health
        if (!(e instanceof ConnectorError) || e.retryable) {
          await record(connectionId, { ok: false, error: (e as Error).message || String(e) });
        }
        throw e;
      }
    },
    async forget(connectionId) {
      const cached = clients.get(connectionId);
      clients.delete(connectionId);
      written.delete(connectionId);
      if (cached) await close(cached.client);
    },
    async closeAll() {
      const all = [...clients.values()];
      clients.clear();
      await Promise.all(all.map((c) => close(c.client)));
    },
  };
}
