import { isoNow } from '../../../domain/clock.js';
import { newId } from '../../../domain/ids.js';
import { diffProperties } from '../../../store/audit.js';
import { insertIdentitySource, type NewIdentitySourceRow } from '../../../store/identity-sources.js';
import type { Caller } from '../../deps.js';
import type { IdentitySyncDeps } from '../ldap-sync/deps.js';
import { AUDITED, auditedView, checkSourceConnection, checkSourceKind, checkSourceName, readSourceSettings } from './fields.js';

// Creating an identity source. Nothing is read yet: an LDAP source's schedule starts with its first real
// full run (POST …/sync), so that a dry run can show what it would do first.

export interface CreateSourceInput {
  kind: string;
  displayName: string;
  description?: string | null;
  connectionId?: string | null;
  settings?: unknown;
}

export async function createIdentitySource(deps: Pick<IdentitySyncDeps, 'db' | 'clock' | 'events'>, caller: Caller, input: CreateSourceInput): Promise<string> {
  const kind = checkSourceKind(input.kind);
  const displayName = checkSourceName(input.displayName);
  const settings = readSourceSettings(kind, input.settings);
  const at = isoNow(deps.clock);
  const id = newId();
  await deps.events.transaction(async (tx) => {
    const connectionId = await checkSourceConnection(tx, kind, input.connectionId);
    const row: NewIdentitySourceRow = { id, kind, displayName, description: input.description ?? null, connectionId, settings: JSON.stringify(settings), createdAt: at, modifiedAt: at };
    await insertIdentitySource(tx, row);
    await deps.events.publish(tx, caller, { type: 'identitySourceCreated', sourceId: id, name: displayName, changes: diffProperties(null, auditedView(row), AUDITED) }, { at });
  });
  return id;
}
