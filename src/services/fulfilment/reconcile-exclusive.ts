import { isoNow } from '../../domain/clock.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import type { Db, Tx } from '../../store/db.js';
import { findReconciledResource, setResourceExclusive } from '../../store/reconciliations.js';
import type { ResourcesTable } from '../../store/schema.js';
import type { Caller } from '../deps.js';
import type { ReconcileDeps } from './reconcile.js';

// A catalog resource of a connection is exclusively governed, or not: when it is, reconciliation
// removes the holders of its roles that no delivered grant explains; when not (the default) it only
// reports them. Only resources in a connection are reconciled, so only they can be exclusive.

/** The resource, or a 404. */
export async function findResourceRow(db: Db | Tx, resourceId: string): Promise<ResourcesTable> {
  const row = isGuid(resourceId) ? await findReconciledResource(db, resourceId.toLowerCase()) : undefined;
  if (!row) throw new NotFoundError('Resource', resourceId);
  return row;
}

export async function setExclusive(deps: Pick<ReconcileDeps, 'clock' | 'events'>, caller: Caller, resourceId: string, exclusive: boolean): Promise<ResourcesTable> {
  return deps.events.transaction(async (tx) => {
    const before = await findResourceRow(tx, resourceId);
    if (!before.connectionId) {
      throw new ValidationError(
        `The resource '${before.displayName}' is not in a connection: only resources of connections are reconciled, so only they can be exclusive.`, 'exclusive',
      );
    }
    if (!!before.exclusive === exclusive) return before;
    const at = isoNow(deps.clock);
    await setResourceExclusive(tx, before.id, exclusive, at);
    await deps.events.publish(tx, caller, {
      type: 'resourceExclusiveChanged', resourceId: before.id, resourceName: before.displayName, catalogId: before.catalogId, oldValue: !!before.exclusive, newValue: exclusive,
    }, { at });
    return { ...before, exclusive: exclusive ? 1 : 0, modifiedAt: at };
  });
}
