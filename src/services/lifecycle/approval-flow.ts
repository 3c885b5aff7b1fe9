import { isoNow } from '../../domain/clock.js';
import { stageTimes } from '../../domain/approval.js';
import { newId } from '../../domain/ids.js';
import type { Policy } from '../../domain/policy/types.js';
import type { Tx } from '../../store/db.js';
import { resolveApprovers } from './approvers.js';
import { parseJsonOr } from '../../domain/json.js';
import { audit, type LifecycleDeps, type RequestRow } from './common.js';
import { getStageIdAt, insertStageApprovers, insertStages, updateStage } from '../../store/approvals.js';
import { packageNameOf } from '../../store/packages.js';
import { findConnectedOrganizationOf, findMailContact } from '../../store/users.js';

// Multi-stage approval: stages run in order; each is decided by its approvers (the first decision, or a
// quorum when the stage asks for one); a deny ends the request; an approval of the last stage lets the
// request proceed. This file opens stages and mails their approvers; the decision is decide-stage.ts, the
// timers approval-timeouts.ts and escalate-approvals.ts.

/** Creates the request's stages (the first one open, the rest waiting) inside the submit transaction. */
export async function startApproval(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'notifications'>, request: RequestRow, policy: Policy): Promise<void> {
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

export async function openStage(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'notifications'>, request: RequestRow, policy: Policy, index: number): Promise<void> {
  const settings = policy.requestApprovalSettings.stages[index];
  const at = isoNow(deps.clock);
  const times = stageTimes(settings, deps.clock.now());
  const stageId = await getStageIdAt(tx, request.id, index);
  await updateStage(tx, stageId, { status: 'InProgress', dueAt: times.dueAt, escalateAt: times.escalateAt });
  const approvers = await resolveApprovers(tx, settings.primaryApprovers, settings.fallbackPrimaryApprovers, await subjectOf(tx, request));
  await insertStageApprovers(tx, approvers.map((approverId) => ({ stageId, requestId: request.id, approverId, kind: 'primary', createdAt: at })));
  await audit(tx, deps, null, {
    activity: 'Create request approval', targetType: 'accessPackageAssignmentRequest', targetId: request.id,
    modifiedProperties: [{ displayName: 'stage', oldValue: null, newValue: index + 1 }, { displayName: 'approvers', oldValue: null, newValue: approvers }],
  });
  await mailApprovers(tx, deps, request, approvers, 'approvalRequired', times.dueAt);
}

export async function mailApprovers(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'notifications'>, request: RequestRow, approvers: string[], template: 'approvalRequired' | 'approvalEscalated', deadline: string | null): Promise<void> {
  const requestor = await findMailContact(tx, request.requestorId);
  const target = await findMailContact(tx, request.targetId);
  const answers = parseJsonOr<{ answeredQuestion?: { text?: string }; displayValue?: string; value?: string }[]>(request.answers, [])
    .map((a) => ({ question: a.answeredQuestion?.text ?? '', answer: a.displayValue ?? a.value ?? '' }));
  const name = await packageNameOf(tx, request.accessPackageId);
  for (const id of approvers) {
    const to = await findMailContact(tx, id);
    if (!to) continue;
    await deps.notifications.queue(tx, {
      to: to.email, template,
      data: {
        packageName: name, requestorName: requestor?.name ?? request.targetEmail ?? '', targetName: target?.name ?? request.targetEmail ?? '',
        justification: request.justification, answers, deadline, startDateTime: request.startAt, endDateTime: request.endAt, requestId: request.id,
        extension: request.requestType === 'userUpdate' || request.requestType === 'adminUpdate',
      },
    });
  }
}
