import { NotFoundError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import { lockRow } from '../../store/locks.js';
import type { Caller } from '../deps.js';
import { retryGrants } from '../fulfilment/fulfil.js';
import { audit, type LifecycleDeps } from './common.js';
import { loadActiveAssignment, loadPackage, requireAssignmentWrite, setRequest } from './requests.js';
import { getRequest } from '../../store/requests.js';

/** Retries the failed grants of a partially delivered or failed request. */
export async function reprocessRequest(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'kick'>, caller: Caller, requestId: string): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    if (!isGuid(requestId) || !(await lockRow(tx, 'assignmentRequests', requestId))) throw new NotFoundError('Request', requestId);
    const request = await getRequest(tx, requestId);
    const pkg = await loadPackage(tx, request.accessPackageId);
    requireAssignmentWrite(caller, pkg.catalogId, 'Reprocessing');
    await setRequest(tx, deps, request, 'reprocess');
    if (request.assignmentId) {
      await lockRow(tx, 'assignments', request.assignmentId);
      await retryGrants(tx, deps, request.assignmentId, ['failed']);
    }
    await audit(tx, deps, caller, { activity: 'Reprocess access package assignment request', targetType: 'accessPackageAssignmentRequest', targetId: requestId });
  });
  deps.kick();
}

/** Re-applies every grant of a delivered assignment, repairing access changed outside Latchkey. */
export async function reprocessAssignment(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'kick'>, caller: Caller, assignmentId: string): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    const a = await loadActiveAssignment(tx, assignmentId);
    requireAssignmentWrite(caller, a.catalogId, 'Reprocessing');
    await retryGrants(tx, deps, a.id, ['failed', 'delivered']);
    await audit(tx, deps, caller, { activity: 'Reprocess access package assignment', targetType: 'accessPackageAssignment', targetId: a.id });
  });
  deps.kick();
}
