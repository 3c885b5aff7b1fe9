import { isoNow } from '../../domain/clock.js';
import { transitionRequest, type RequestState } from '../../domain/request-lifecycle.js';
import { holdRow } from '../../store/locks.js';
import { subjectOf } from './approval-flow.js';
import { resolveApprovers } from './approvers.js';
import { findPolicy, type LifecycleDeps } from './common.js';
import { getStage, insertStageApprovers, listStagesToEscalate, listStageApproverIds, updateStage } from '../../store/approvals.js';
import { getRequest, updateRequest } from '../../store/requests.js';

/** Worker: forwards stages to their alternate approvers at the escalation time; the primary approvers can still decide. */
export async function escalateStages(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, limit = 200): Promise<number> {
  const due = await listStagesToEscalate(deps.db, isoNow(deps.clock), limit);
  for (const s of due) {
    await deps.events.transaction(async (tx) => {
      await holdRow(tx, 'assignmentRequests', s.requestId);
      const stage = await getStage(tx, s.id);
      if (stage.status !== 'InProgress' || stage.escalated) return;
      const request = await getRequest(tx, s.requestId);
      const policy = await findPolicy(tx, request.policyId ?? '');
      const settings = policy.requestApprovalSettings.stages[stage.stageIndex];
      const at = isoNow(deps.clock);
      const existing = new Set(await listStageApproverIds(tx, stage.id));
      const alternates = settings
        ? (await resolveApprovers(tx, settings.escalationApprovers, settings.fallbackEscalationApprovers, await subjectOf(tx, request))).filter((id) => !existing.has(id))
        : [];
      await insertStageApprovers(tx, alternates.map((approverId) => ({ stageId: stage.id, requestId: request.id, approverId, kind: 'escalation', createdAt: at })));
      await updateStage(tx, stage.id, { escalated: 1 });
      const next = transitionRequest(request.state as RequestState, 'escalate');
      await updateRequest(tx, request.id, { status: next.status, modifiedAt: at });
      await deps.events.publish(tx, null, { type: 'approvalEscalated', request, approvers: alternates, dueAt: stage.dueAt });
    });
  }
  return due.length;
}
