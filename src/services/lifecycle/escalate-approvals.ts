import { isoNow } from '../../domain/clock.js';
import { transitionRequest, type RequestState } from '../../domain/request-lifecycle.js';
import { lockRow } from '../../store/locks.js';
import { mailApprovers, subjectOf } from './approval-flow.js';
import { resolveApprovers } from './approvers.js';
import { audit, findPolicy, type LifecycleDeps } from './common.js';

/** Worker: forwards stages to their alternate approvers at the escalation time; the primary approvers can still decide. */
export async function escalateStages(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'notifications'>, limit = 200): Promise<number> {
  const due = await deps.db.selectFrom('approvalStages').select(['id', 'requestId']).where('status', '=', 'InProgress').where('escalated', '=', 0)
    .where('escalateAt', 'is not', null).where('escalateAt', '<=', isoNow(deps.clock)).limit(limit).execute();
  for (const s of due) {
    await deps.db.transaction().execute(async (tx) => {
      await lockRow(tx, 'assignmentRequests', s.requestId);
      const stage = await tx.selectFrom('approvalStages').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
      if (stage.status !== 'InProgress' || stage.escalated) return;
      const request = await tx.selectFrom('assignmentRequests').selectAll().where('id', '=', s.requestId).executeTakeFirstOrThrow();
      const policy = await findPolicy(tx, request.policyId ?? '');
      const settings = policy.requestApprovalSettings.stages[stage.stageIndex];
      const at = isoNow(deps.clock);
      const existing = new Set((await tx.selectFrom('approvalStageApprovers').select('approverId').where('stageId', '=', stage.id).execute()).map((a) => a.approverId));
      const alternates = settings
        ? (await resolveApprovers(tx, settings.escalationApprovers, settings.fallbackEscalationApprovers, await subjectOf(tx, request))).filter((id) => !existing.has(id))
        : [];
      if (alternates.length > 0) {
        await tx.insertInto('approvalStageApprovers').values(alternates.map((approverId) => ({ stageId: stage.id, requestId: request.id, approverId, kind: 'escalation', createdAt: at }))).execute();
      }
      await tx.updateTable('approvalStages').set({ escalated: 1 }).where('id', '=', stage.id).execute();
      const next = transitionRequest(request.state as RequestState, 'escalate');
      await tx.updateTable('assignmentRequests').set({ status: next.status, modifiedAt: at }).where('id', '=', request.id).execute();
      await audit(tx, deps, null, {
        activity: 'Add approver to request approval', targetType: 'accessPackageAssignmentRequest', targetId: request.id,
        modifiedProperties: [{ displayName: 'escalationApprovers', oldValue: null, newValue: alternates }],
      });
      await mailApprovers(tx, deps, request, alternates, 'approvalEscalated', stage.dueAt);
    });
  }
  return due.length;
}
