import { NotFoundError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import { holdRow, lockRow } from '../../store/locks.js';
import type { Caller } from '../deps.js';
import { retryGrants } from '../fulfilment/fulfil.js';
import { type LifecycleDeps } from './common.js';
import { loadActiveAssignment, loadPackage, requireAssignmentWrite, setRequest } from './requests.js';
import { getRequest } from '../../store/requests.js';

/** Retries the failed grants of a partially delivered or failed request. */
export async function reprocessRequest(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, caller: Caller, requestId: string): Promise<void> {
  await deps.events.transaction(async (tx) => {
    if (!isGuid(requestId) || !(await lockRow(tx, 'assignmentRequests', requestId))) throw new NotFoundError('Request', requestId);
    const request = await getRequest(tx, requestId);
    const pkg = await loadPackage(tx, request.accessPackageId);
    requireAssignmentWrite(caller, pkg.catalogId, 'Reprocessing');
    await setRequest(tx, deps, request, 'reprocess');
    if (request.assignmentId) {
      await holdRow(tx, 'assignments', request.assignmentId);
      await retryGrants(tx, deps, request.assignmentId, ['failed']);
    }
    await deps.events.publish(tx, caller, { type: 'requestReprocessed', requestId });
  });
}

/** Re-applies every grant of a delivered assignment, repairing access changed outside Latchkey. */
export async function reprocessAssignment(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, caller: Caller, assignmentId: string): Promise<void> {
  await deps.events.transaction(async (tx) => {
    const a = await loadActiveAssignment(tx, assignmentId);
    requireAssignmentWrite(caller, a.catalogId, 'Reprocessing');
    await retryGrants(tx, deps, a.id, ['failed', 'delivered']);
    await deps.events.publish(tx, caller, { type: 'assignmentReprocessed', assignmentId: a.id });
  });
}
