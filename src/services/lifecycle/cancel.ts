import { isoNow } from '../../domain/clock.js';
import { canCatalog } from '../../domain/authorization.js';
import { ForbiddenError, NotFoundError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import { lockRow } from '../../store/locks.js';
import type { Caller } from '../deps.js';
import { type LifecycleDeps, type RequestRow } from './common.js';
import { loadPackage, setRequest } from './requests.js';
import { completeOpenStages } from '../../store/approvals.js';
import { getRequest } from '../../store/requests.js';

/** Cancels a request that has not been delivered yet (requestor, target, or an assignment manager of its catalog). */
export async function cancel(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, caller: Caller, requestId: string): Promise<RequestRow> {
  const r = await deps.events.transaction(async (tx) => {
    if (!isGuid(requestId) || !(await lockRow(tx, 'assignmentRequests', requestId))) throw new NotFoundError('Request', requestId);
    const request = await getRequest(tx, requestId);
    const pkg = await loadPackage(tx, request.accessPackageId);
    const own = caller.principal.userId === request.requestorId || caller.principal.userId === request.targetId;
    if (!own && !canCatalog(caller.principal, 'assignment.write', pkg.catalogId)) throw new ForbiddenError('Only the requestor or an assignment manager of the catalog can cancel this request.');
    const at = isoNow(deps.clock);
    const next = await setRequest(tx, deps, request, 'cancel', { completedAt: at, reason: 'Canceled.' });
    await completeOpenStages(tx, requestId);
    await deps.events.publish(tx, caller, { type: 'requestCanceled', requestId, oldState: request.state });
    return next;
  });
  return r;
}
