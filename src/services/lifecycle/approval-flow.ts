import { isoNow } from '../../domain/clock.js';
import { stageTimes } from '../../domain/approval.js';
import { newId } from '../../domain/ids.js';
import type { Policy } from '../../domain/policy/types.js';
import type { Tx } from '../../store/db.js';
import { resolveApprovers } from './approvers.js';
import { type LifecycleDeps, type RequestRow } from './common.js';
import { getStageIdAt, insertStageApprovers, insertStages, updateStage } from '../../store/approvals.js';
import { findConnectedOrganizationOf } from '../../store/users.js';

// Multi-stage approval: stages run in order; each is decided by its approvers (the first decision, or a
// quorum when the stage asks for one); a deny ends the request; an approval of the last stage lets the
// request proceed. This file opens stages (events/mail.ts mails their approvers); the decision is decide-stage.ts, the
// timers approval-timeouts.ts and escalate-approvals.ts.

/** Creates the request's stages (the first one open, the rest waiting) inside the submit transaction. */
export async function startApproval(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, request: RequestRow, policy: Policy): Promise<void> {
  const at = isoNow(deps.clock);
  const stages = policy.requestApprovalSettings.stages;
  await insertStages(tx, stages.map((stage, index) => ({
    id: newId(), requestId: request.id, stageIndex: index, status: 'Initializing', reviewResult: 'NotReviewed', reviewedById: null, reviewedAt: null,
    justification: null, dueAt: null, escalateAt: null, escalated: 0, createdAt: at,
    approvalsRequired: Math.max(1, stage.approvalsRequired ?? 1), isApproverJustificationRequired: stage.isApproverJustificationRequired ? 1 : 0,
  })));
  await openStage(tx, deps, request, policy, 0);
}

export async function subjectOf(tx: Tx, request: RequestRow) {
  return { targetId: request.targetId, connectedOrganizationId: request.targetId ? await findConnectedOrganizationOf(tx, request.targetId) : null };
}

export async function openStage(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, request: RequestRow, policy: Policy, index: number): Promise<void> {
  const settings = policy.requestApprovalSettings.stages[index];
  const at = isoNow(deps.clock);
  const times = stageTimes(settings, deps.clock.now());
  const stageId = await getStageIdAt(tx, request.id, index);
  await updateStage(tx, stageId, { status: 'InProgress', dueAt: times.dueAt, escalateAt: times.escalateAt });
  const approvers = await resolveApprovers(tx, settings.primaryApprovers, settings.fallbackPrimaryApprovers, await subjectOf(tx, request));
  await insertStageApprovers(tx, approvers.map((approverId) => ({ stageId, requestId: request.id, approverId, kind: 'primary', createdAt: at })));
  await deps.events.publish(tx, null, { type: 'approvalStageOpened', request, stageIndex: index, approvers, dueAt: times.dueAt });
}
