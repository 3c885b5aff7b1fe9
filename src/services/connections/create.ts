import { isoNow } from '../../domain/clock.js';
import { newId } from '../../domain/ids.js';
import { connectorKind, readConnectionSecrets, readConnectionSettings } from '../../connectors/kinds.js';
import { diffProperties } from '../../store/audit.js';
import { insertConnection, type ConnectionRow } from '../../store/connections.js';
import type { Caller } from '../deps.js';
import type { ConnectionDeps } from './deps.js';
import {
  checkDisplayName, checkInteger, checkReconcileInterval, DEFAULT_CONCURRENCY, DEFAULT_RECONCILE_INTERVAL, DEFAULT_TIMEOUT_MS, nextReconcileAt, reconcileUnavailable, secretChanges,
} from './fields.js';
import { connectionSecretsContext } from './targets.js';
import { connectionView, withSecretBox, type ConnectionView } from './view.js';

// Creating a connection: the kind's settings read with their defaults (what is stored is what the
// target will use), the secrets checked by the kind's schema and sealed with the connection's id as
// context. Nothing is contacted: POST …/test does that, so a connection can be prepared before its
// system is reachable.

export interface CreateConnectionInput {
  kind: string;
  displayName: string;
  description?: string | null;
  settings: unknown;
  secrets: unknown;
  timeoutMs?: number;
  concurrency?: number;
  reconcileInterval?: string | null;
}

/** The audited properties of a connection (settings as JSON; secrets are audited by name only). */
export const AUDITED = ['kind', 'displayName', 'description', 'settings', 'timeoutMs', 'concurrency', 'reconcileInterval'] as const;
export const auditedView = (r: Pick<ConnectionRow, 'kind' | 'displayName' | 'description' | 'settings' | 'timeoutMs' | 'concurrency' | 'reconcileInterval'>) => ({
  kind: r.kind, displayName: r.displayName, description: r.description, settings: r.settings, timeoutMs: r.timeoutMs, concurrency: r.concurrency, reconcileInterval: r.reconcileInterval,
});

export async function createConnection(deps: ConnectionDeps, caller: Caller, input: CreateConnectionInput): Promise<ConnectionView> {
  const kind = connectorKind(input.kind, 'kind');
  const displayName = checkDisplayName(input.displayName);
  const settings = readConnectionSettings(kind, input.settings);
  const secrets = readConnectionSecrets(kind, input.secrets);
  const timeoutMs = checkInteger(input.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs');
  const concurrency = checkInteger(input.concurrency ?? DEFAULT_CONCURRENCY, 'concurrency');
  // a connection that cannot be reconciled is scheduled only when asked for explicitly
  const defaultInterval = reconcileUnavailable(kind.kind, settings) ? null : DEFAULT_RECONCILE_INTERVAL;
  const reconcileInterval = checkReconcileInterval(input.reconcileInterval === undefined ? defaultInterval : input.reconcileInterval);

  const id = newId();
  const at = isoNow(deps.clock);
  const sealed = await withSecretBox(() => deps.secretBox.sealSecrets(secrets, connectionSecretsContext(id)));
  const row: ConnectionRow = {
    id, kind: kind.kind, displayName, description: input.description ?? null, settings: JSON.stringify(settings), secrets: sealed,
    timeoutMs, concurrency, reconcileInterval, nextReconcileAt: nextReconcileAt(reconcileInterval, at),
    health: 'unknown', lastError: null, lastErrorAt: null, lastSuccessAt: null, createdAt: at, modifiedAt: at,
  };
  await deps.db.transaction().execute(async (tx) => {
    await insertConnection(tx, row);
    const changes = [...diffProperties(null, auditedView(row), AUDITED), ...secretChanges(Object.keys(secrets).sort(), false)];
    await deps.events.publish(tx, caller, { type: 'connectionCreated', connectionId: id, name: displayName, changes }, { at });
  });
  const { secrets: _sealed, ...listing } = row;
  return connectionView(listing, Object.keys(secrets).sort(), 0);
}
