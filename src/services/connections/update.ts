import { isoNow } from '../../domain/clock.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import { connectorKind, readConnectionSecrets, readConnectionSettings } from '../../connectors/kinds.js';
import { diffProperties } from '../../store/audit.js';
import { findConnectionWithSecrets, updateConnection, type ConnectionRow } from '../../store/connections.js';
import type { Caller } from '../deps.js';
import { AUDITED, auditedView } from './create.js';
import type { ConnectionDeps } from './deps.js';
import { checkDisplayName, checkInteger, checkReconcileInterval, nextReconcileAt, secretChanges } from './fields.js';
import { connectionSecretsContext } from './targets.js';
import { loadConnectionView, withSecretBox, type ConnectionView } from './view.js';

// Editing a connection. Settings are replaced as a whole and read again by the kind; secrets are
// merged: the keys given replace the stored ones, the others keep their value, so the portal never
// needs to know a secret to change something else. The process's client of the connection is
// dropped afterwards (the next call builds one from the new settings).

export interface UpdateConnectionInput {
  displayName?: string;
  description?: string | null;
  settings?: unknown;
  secrets?: Record<string, unknown>;
  timeoutMs?: number;
  concurrency?: number;
  reconcileInterval?: string | null;
}

export async function updateConnectionUseCase(deps: ConnectionDeps, caller: Caller, id: string, input: UpdateConnectionInput): Promise<ConnectionView> {
  const at = isoNow(deps.clock);
  await deps.db.transaction().execute(async (tx) => {
    const row = await findConnectionWithSecrets(tx, id);
    if (!row) throw new NotFoundError('Connection', id);
    const kind = connectorKind(row.kind);
    const next: ConnectionRow = { ...row, modifiedAt: at };
    if (input.displayName !== undefined) next.displayName = checkDisplayName(input.displayName);
    if (input.description !== undefined) next.description = input.description;
    if (input.settings !== undefined) next.settings = JSON.stringify(readConnectionSettings(kind, input.settings));
    if (input.timeoutMs !== undefined) next.timeoutMs = checkInteger(input.timeoutMs, 'timeoutMs');
    if (input.concurrency !== undefined) next.concurrency = checkInteger(input.concurrency, 'concurrency');
    if (input.reconcileInterval !== undefined) {
      next.reconcileInterval = checkReconcileInterval(input.reconcileInterval);
      if (next.reconcileInterval !== row.reconcileInterval) next.nextReconcileAt = nextReconcileAt(next.reconcileInterval, at);
    }
    let replaced: string[] = [];
    if (input.secrets !== undefined) {
      replaced = Object.keys(input.secrets).sort();
      if (replaced.length > 0) {
        const context = connectionSecretsContext(id);
        const current = await withSecretBox(() => deps.secretBox.openSecrets(row.secrets, context));
        // null removes an optional secret (e.g. a PostgreSQL password no longer needed)
        const merged: Record<string, unknown> = { ...current };
        for (const k of replaced) {
          if (input.secrets[k] === null) delete merged[k];
          else merged[k] = input.secrets[k];
        }
        const secrets = readConnectionSecrets(kind, merged);
        next.secrets = await withSecretBox(() => deps.secretBox.sealSecrets(secrets, context));
      }
    }
    const changes = [...diffProperties(auditedView(row), auditedView(next), AUDITED), ...secretChanges(replaced, true)];
    if (changes.length === 0) return;
    const { id: _id, kind: _kind, createdAt: _created, ...patch } = next;
    await updateConnection(tx, id, patch);
    await deps.events.publish(tx, caller, { type: 'connectionUpdated', connectionId: id, name: next.displayName, changes }, { at });
  });
  await deps.connectionTargets.forget(id);
  const view = await loadConnectionView(deps.db, deps.secretBox, id);
  if (!view) throw new NotFoundError('Connection', id);
  return view;
}

/** Guards the PATCH body: a kind never changes (its settings and secrets would not fit). */
export function refuseKindChange(kind: unknown): void {
  if (kind !== undefined) throw new ValidationError("'kind' cannot be changed: create a new connection of the other kind.", 'kind');
}
