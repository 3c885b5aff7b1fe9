import { isoNow } from '../../domain/clock.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { deleteConnectionWithRecords, findConnectionById, findResourceOfConnection } from '../../store/connections.js';
import { findIdentitySourceOfConnection } from '../../store/identity-sources.js';
import type { Caller } from '../deps.js';
import type { ConnectionDeps } from './deps.js';

// Deleting a connection: refused while a catalog resource lives in it (its grants would have nowhere
// to be revoked); remove the resource from its catalog first. Refused too while an identity source
// reads its directory through it. Its account links and reconciliation
// runs go with it.

export async function deleteConnection(deps: ConnectionDeps, caller: Caller, id: string): Promise<void> {
  const at = isoNow(deps.clock);
  await deps.db.transaction().execute(async (tx) => {
    const row = await findConnectionById(tx, id);
    if (!row) throw new NotFoundError('Connection', id);
    const used = await findResourceOfConnection(tx, id);
    if (used) {
      throw new ConflictError(
        `Connection '${row.displayName}' is used by resource '${used.displayName}' (${used.id}) of catalog '${used.catalogId}'; remove the resource from its catalog first.`,
        'ConnectionInUse',
      );
    }
    const source = await findIdentitySourceOfConnection(tx, id);
    if (source) {
      throw new ConflictError(
        `Connection '${row.displayName}' is used by identity source '${source.displayName}' (${source.id}), which reads its directory through it; delete the identity source or give it another connection first.`,
        'ConnectionInUse',
      );
    }
    await deleteConnectionWithRecords(tx, id);
    await deps.events.publish(tx, caller, { type: 'connectionDeleted', connectionId: id, name: row.displayName }, { at });
  });
  await deps.connectionTargets.forget(id);
}
