import { isoNow } from '../../../domain/clock.js';
import { NotFoundError } from '../../../domain/errors.js';
import { deleteIdentitySource, findIdentitySource } from '../../../store/identity-sources.js';
import { countOwnedBySource, deleteSyncRunsOfSource, releaseOwnedBySource } from '../../../store/identity-sync.js';
import { lockRow } from '../../../store/locks.js';
import type { Caller } from '../../deps.js';
import type { IdentitySyncDeps } from '../ldap-sync/deps.js';

// Deleting an identity source releases what it owns rather than refusing: its users and groups stay,
// with their memberships, managers and access, owned by nobody from then on (editable through Graph like
// any made there), and the audit record says how many. Deleting them instead would end people's access
// because a source was reconfigured; refusing would leave no way to retire a source without deleting
// its people one by one. Its runs go with it; a run still going finds the source gone and fails.

export async function deleteIdentitySourceUseCase(deps: Pick<IdentitySyncDeps, 'db' | 'clock' | 'events'>, caller: Caller, id: string): Promise<void> {
  const at = isoNow(deps.clock);
  await deps.events.transaction(async (tx) => {
    if (!(await lockRow(tx, 'identitySources', id))) throw new NotFoundError('IdentitySource', id);
    const row = (await findIdentitySource(tx, id))!;
    const released = await countOwnedBySource(tx, id);
    await releaseOwnedBySource(tx, id, at);
    await deleteSyncRunsOfSource(tx, id);
    await deleteIdentitySource(tx, id);
    await deps.events.publish(tx, caller, { type: 'identitySourceDeleted', sourceId: id, name: row.displayName, released }, { at });
  });
}
