import { isoNow } from '../../domain/clock.js';
import { transitionRequest, type RequestState } from '../../domain/request-lifecycle.js';
import { holdRow } from '../../store/locks.js';
import { type LifecycleDeps } from './common.js';
import { getStage, listStagesPastDue, updateStage } from '../../store/approvals.js';
import { getRequest, updateRequest } from '../../store/requests.js';

/** Worker: requests nobody decided in time are timed out (shown as Expired), and the requestor is told. */
export async function timeOutStages(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, limit = 200): Promise<number> {
  const due = await listStagesPastDue(deps.db, isoNow(deps.clock), limit);
  for (const s of due) {
    await deps.events.transaction(async (tx) => {
      await holdRow(tx, 'assignmentRequests', s.requestId);
      const stage = await getStage(tx, s.id);
      if (stage.status !== 'InProgress' || !stage.dueAt || stage.dueAt > isoNow(deps.clock)) return;
      const request = await getRequest(tx, s.requestId);
      const at = isoNow(deps.clock);
      await updateStage(tx, stage.id, { status: 'Expired' });
      const next = transitionRequest(request.state as RequestState, 'timeOut');
      await updateRequest(tx, request.id, { state: next.state, status: next.status, completedAt: at, modifiedAt: at, reason: 'No approver decided before the deadline.' });
      await deps.events.publish(tx, null, { type: 'approvalTimedOut', request, next: { state: next.state, status: next.status } });
    });
  }
  return due.length;
}
