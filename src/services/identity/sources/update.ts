import { isoNow } from '../../../domain/clock.js';
import { NotFoundError } from '../../../domain/errors.js';
import { diffProperties } from '../../../store/audit.js';
import { nextSchedule } from '../../../domain/identity-sync.js';
import { findIdentitySource, updateIdentitySource } from '../../../store/identity-sources.js';
import { lockRow } from '../../../store/locks.js';
import type { Caller } from '../../deps.js';
import type { IdentitySyncDeps } from '../ldap-sync/deps.js';
import { readLdapSourceSettings, scheduleOf } from '../ldap-sync/settings.js';
import { AUDITED, auditedView, checkSourceConnection, checkSourceKind, checkSourceName, readSourceSettings } from './fields.js';

// Editing an identity source: settings are replaced as a whole and read again. The users and groups it
// owns stay its own (their stable ids in the directory do not change with a filter); the next full run
// finds those the new settings leave out, and disables or deletes them as a run does. A changed
// schedule counts from the change.

export interface UpdateSourceInput {
  displayName?: string;
  description?: string | null;
  connectionId?: string | null;
  settings?: unknown;
}

export async function updateIdentitySourceUseCase(deps: Pick<IdentitySyncDeps, 'db' | 'clock' | 'events'>, caller: Caller, id: string, input: UpdateSourceInput): Promise<void> {
  const at = isoNow(deps.clock);
  await deps.events.transaction(async (tx) => {
    if (!(await lockRow(tx, 'identitySources', id))) throw new NotFoundError('IdentitySource', id);
    const row = (await findIdentitySource(tx, id))!;
    const kind = checkSourceKind(row.kind);
    const next = { ...row, modifiedAt: at };
    if (input.displayName !== undefined) next.displayName = checkSourceName(input.displayName);
    if (input.description !== undefined) next.description = input.description;
    if (input.connectionId !== undefined) next.connectionId = await checkSourceConnection(tx, kind, input.connectionId);
    if (input.settings !== undefined) next.settings = JSON.stringify(readSourceSettings(kind, input.settings));
    const changes = diffProperties(auditedView(row), auditedView(next), AUDITED);
    if (changes.length === 0) return;
    // a schedule already started follows the new one from now (one not started yet starts with the first real full run)
    const schedule = kind === 'ldap' && row.syncCursor && next.settings !== row.settings
      ? nextSchedule(scheduleOf(readLdapSourceSettings(JSON.parse(next.settings))), at, true, null)
      : {};
    await updateIdentitySource(tx, id, { displayName: next.displayName, description: next.description, connectionId: next.connectionId, settings: next.settings, modifiedAt: at, ...schedule });
    await deps.events.publish(tx, caller, { type: 'identitySourceUpdated', sourceId: id, name: next.displayName, changes }, { at });
  });
}
