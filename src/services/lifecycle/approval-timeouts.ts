import { isoNow } from '../../domain/clock.js';
import { transitionRequest, type RequestState } from '../../domain/request-lifecycle.js';
import { lockRow } from '../../store/locks.js';
import { audit, type LifecycleDeps } from './common.js';
import { getStage, listStagesPastDue, updateStage } from '../../store/approvals.js';
import { packageNameOf } from '../../store/packages.js';
import { getRequest, updateRequest } from '../../store/requests.js';
import { findMailContact } from '../../store/users.js';

/** Worker: requests nobody decided in time are timed out (shown as Expired), and the requestor is told. */
export async function timeOutStages(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'notifications'>, limit = 200): Promise<number> {
  const due = await listStagesPastDue(deps.db, isoNow(deps.clock), limit);
  for (const s of due) {
    await deps.db.transaction().execute(async (tx) => {
      await lockRow(tx, 'assignmentRequests', s.requestId);
      const stage = await getStage(tx, s.id);
      if (stage.status !== 'InProgress' || !stage.dueAt || stage.dueAt > isoNow(deps.clock)) return;
      const request = await getRequest(tx, s.requestId);
      const at = isoNow(deps.clock);
      await updateStage(tx, stage.id, { status: 'Expired' });
      const next = transitionRequest(request.state as RequestState, 'timeOut');
      await updateRequest(tx, request.id, { state: next.state, status: next.status, completedAt: at, modifiedAt: at, reason: 'No approver decided before the deadline.' });
      await audit(tx, deps, null, {
        activity: 'Access package assignment request timed out (no approver action taken)', targetType: 'accessPackageAssignmentRequest', targetId: request.id,
        result: 'failure', modifiedProperties: [{ displayName: 'state', oldValue: request.state, newValue: next.state }, { displayName: 'status', oldValue: request.status, newValue: next.status }],
      });
      const requestor = await findMailContact(tx, request.requestorId);
      if (requestor) await deps.notifications.queue(tx, { to: requestor.email, template: 'requestTimedOut', data: { packageName: await packageNameOf(tx, request.accessPackageId), requestorName: requestor.name, requestId: request.id } });
    });
  }
  return due.length;
}
