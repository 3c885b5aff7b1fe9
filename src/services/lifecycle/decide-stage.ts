import { isoNow } from '../../domain/clock.js';
import { checkDecision, reviewResultOf, stageOutcome, type Decision, type StageStatus } from '../../domain/approval.js';
import { NotFoundError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Policy } from '../../domain/policy/types.js';
import { requestKind, transitionRequest, type RequestState } from '../../domain/request-lifecycle.js';
import type { Tx } from '../../store/db.js';
import { holdRow } from '../../store/locks.js';
import type { Caller } from '../deps.js';
import { openStage } from './approval-flow.js';
import { applyExtension } from './apply-extension.js';
import { findPolicy, type LifecycleDeps, type RequestRow } from './common.js';
import { startOrSchedule } from './start-assignment.js';
import { findStageOfRequest, insertDecision, listDecisions, listStageApproverIds, updateStage } from '../../store/approvals.js';
import { findRequest, updateRequest } from '../../store/requests.js';

// An approver's decision on a stage: a deny ends the request, an approval opens the next stage or, on the
// last one, lets the request proceed (an extension is applied, an add starts or is scheduled).

export interface DecisionInput {
  reviewResult: Decision;
  justification?: string | null;
}

/**
 * An approver decides a stage. The request row is locked first, so of two approvers racing on the same
 * stage exactly one decides and the other gets 409 (or, with a quorum, both are counted once).
 */
export async function decideStage(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, caller: Caller, requestId: string, stageId: string, input: DecisionInput): Promise<void> {
  await deps.events.transaction(async (tx) => {
    await holdRow(tx, 'assignmentRequests', requestId);
    const request = await findRequest(tx, requestId);
    if (!request) throw new NotFoundError('Approval', requestId);
    const stage = await findStageOfRequest(tx, requestId, stageId);
    if (!stage) throw new NotFoundError('Approval stage', stageId);
    const approvers = await listStageApproverIds(tx, stage.id);
    const decisions = await listDecisions(tx, stage.id);
    checkDecision({
      stageStatus: stage.status as StageStatus,
      approverId: caller.principal.userId,
      approvers: new Set(approvers),
      ownRequestIds: [request.requestorId, request.targetId],
      alreadyDecidedBy: new Set(decisions.map((d) => d.approverId)),
      justificationRequired: !!stage.isApproverJustificationRequired,
      decision: input.reviewResult,
      justification: input.justification,
    });
    const at = isoNow(deps.clock);
    await insertDecision(tx, {
      id: newId(), stageId: stage.id, requestId, approverId: caller.principal.userId, reviewResult: input.reviewResult, justification: input.justification ?? null, decidedAt: at,
    });
    const outcome = stageOutcome(stage.approvalsRequired, [...decisions, { reviewResult: input.reviewResult }]);
    const justification = input.justification ?? null;
    await deps.events.publish(tx, caller, { type: 'stageDecided', requestId, stageIndex: stage.stageIndex, decision: input.reviewResult, justification });
    if (outcome === 'pending') return;
    await updateStage(tx, stage.id, {
      status: 'Completed', reviewResult: reviewResultOf(outcome), reviewedById: caller.principal.userId, reviewedAt: at, justification: input.justification ?? null,
    });
    const policy = await findPolicy(tx, request.policyId ?? '');
    if (outcome === 'denied') {
      const next = transitionRequest(request.state as RequestState, 'deny');
      await updateRequest(tx, requestId, { state: next.state, status: next.status, completedAt: at, modifiedAt: at, reason: input.justification ?? 'Denied by an approver.' });
      await deps.events.publish(tx, null, { type: 'requestDenied', request, justification });
      return;
    }
    if (stage.stageIndex + 1 < policy.requestApprovalSettings.stages.length) {
      await openStage(tx, deps, request, policy, stage.stageIndex + 1);
      return;
    }
    await deps.events.publish(tx, null, { type: 'requestApproved', request, justification });
    await onApproved(tx, deps, request, policy);
  });
}

/** The request's last stage approved: what it asked for happens. */
async function onApproved(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, request: RequestRow, policy: Policy): Promise<void> {
  if (requestKind(request.requestType as never) === 'update') await applyExtension(tx, deps, request);
  else await startOrSchedule(tx, deps, request, policy);
}
