import { isoNow } from '../../domain/clock.js';
import { transitionRequest, type RequestState } from '../../domain/request-lifecycle.js';
import { lockRow } from '../../store/locks.js';
import { audit, emailOf, packageName, type LifecycleDeps } from './common.js';

/** Worker: requests nobody decided in time are timed out (shown as Expired), and the requestor is told. */
export async function timeOutStages(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'notifications'>, limit = 200): Promise<number> {
  const due = await deps.db.selectFrom('approvalStages').select(['id', 'requestId']).where('status', '=', 'InProgress').where('dueAt', '<=', isoNow(deps.clock)).limit(limit).execute();
  for (const s of due) {
    await deps.db.transaction().execute(async (tx) => {
      await lockRow(tx, 'assignmentRequests', s.requestId);
      const stage = await tx.selectFrom('approvalStages').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
      if (stage.status !== 'InProgress' || !stage.dueAt || stage.dueAt > isoNow(deps.clock)) return;
      const request = await tx.selectFrom('assignmentRequests').selectAll().where('id', '=', s.requestId).executeTakeFirstOrThrow();
      const at = isoNow(deps.clock);
      await tx.updateTable('approvalStages').set({ status: 'Expired' }).where('id', '=', stage.id).execute();
      const next = transitionRequest(request.state as RequestState, 'timeOut');
      await tx.updateTable('assignmentRequests').set({ state: next.state, status: next.status, completedAt: at, modifiedAt: at, reason: 'No approver decided before the deadline.' })
        .where('id', '=', request.id).execute();
      await audit(tx, deps, null, {
        activity: 'Access package assignment request timed out (no approver action taken)', targetType: 'accessPackageAssignmentRequest', targetId: request.id,
        result: 'failure', modifiedProperties: [{ displayName: 'state', oldValue: request.state, newValue: next.state }, { displayName: 'status', oldValue: request.status, newValue: next.status }],
      });
      const requestor = await emailOf(tx, request.requestorId);
      if (requestor) await deps.notifications.queue(tx, { to: requestor.email, template: 'requestTimedOut', data: { packageName: await packageName(tx, request.accessPackageId), requestorName: requestor.name, requestId: request.id } });
    });
  }
  return due.length;
}
