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
  // the first stage is stored open (no insert-then-update); the others wait, Initializing, for their turn
  const first = stageTimes(stages[0], deps.clock.now());
  const rows = stages.map((stage, index) => ({
    id: newId(), requestId: request.id, stageIndex: index, status: index === 0 ? 'InProgress' : 'Initializing', reviewResult: 'NotReviewed', reviewedById: null, reviewedAt: null,
    justification: null, dueAt: index === 0 ? first.dueAt : null, escalateAt: index === 0 ? first.escalateAt : null, escalated: 0, createdAt: at,
    approvalsRequired: Math.max(1, stage.approvalsRequired ?? 1), isApproverJustificationRequired: stage.isApproverJustificationRequired ? 1 : 0,
  }));
  await insertStages(tx, rows);
  await assignStage(tx, deps, request, policy, 0, rows[0].id, first.dueAt);
}

export async function subjectOf(tx: Tx, request: RequestRow) {
  return { targetId: request.targetId, connectedOrganizationId: request.targetId ? await findConnectedOrganizationOf(tx, request.targetId) : null };
}

export async function openStage(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, request: RequestRow, policy: Policy, index: number): Promise<void> {
  const times = stageTimes(policy.requestApprovalSettings.stages[index], deps.clock.now());
  const stageId = await getStageIdAt(tx, request.id, index);
  await updateStage(tx, stageId, { status: 'InProgress', dueAt: times.dueAt, escalateAt: times.escalateAt });
  await assignStage(tx, deps, request, policy, index, stageId, times.dueAt);
}

/** An open stage gets its approvers, who are told. */
async function assignStage(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, request: RequestRow, policy: Policy, index: number, stageId: string, dueAt: string | null): Promise<void> {
  const settings = policy.requestApprovalSettings.stages[index];
  const at = isoNow(deps.clock);
  const approvers = await resolveApprovers(tx, settings.primaryApprovers, settings.fallbackPrimaryApprovers, await subjectOf(tx, request));
  await insertStageApprovers(tx, approvers.map((approverId) => ({ stageId, requestId: request.id, approverId, kind: 'primary', createdAt: at })));
  await deps.events.publish(tx, null, { type: 'approvalStageOpened', request, stageIndex: index, approvers, dueAt });
}
