import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import { lockRow } from '../../store/locks.js';
import type { Caller } from '../deps.js';
import { type LifecycleDeps } from './common.js';
import { loadPackage, requireAssignmentWrite } from './requests.js';
import { deleteApprovalsOfRequest } from '../../store/approvals.js';
import { deleteRequestRow, getRequest } from '../../store/requests.js';

/** Deletes a completed request that produced no assignment (denied, canceled, timed out). */
export async function deleteRequest(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, caller: Caller, requestId: string): Promise<void> {
  await deps.events.transaction(async (tx) => {
    if (!isGuid(requestId) || !(await lockRow(tx, 'assignmentRequests', requestId))) throw new NotFoundError('Request', requestId);
    const request = await getRequest(tx, requestId);
    const pkg = await loadPackage(tx, request.accessPackageId);
    requireAssignmentWrite(caller, pkg.catalogId, 'Deleting requests');
    if (request.assignmentId || !['denied', 'canceled'].includes(request.state)) {
      throw new ConflictError('Only a completed request without an assignment (denied, canceled or timed out) can be deleted.', 'RequestNotDeletable');
    }
    await deleteApprovalsOfRequest(tx, requestId);
    await deleteRequestRow(tx, requestId);
    await deps.events.publish(tx, caller, { type: 'requestDeleted', requestId });
  });
}
