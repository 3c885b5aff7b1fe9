import { checkDecision, reviewResultOf, stageOutcome, stageTimes, type Decision, type StageStatus } from '../../domain/approval.js';
import { NotFoundError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Policy } from '../../domain/policy/types.js';
import { transitionRequest, type RequestState } from '../../domain/request-lifecycle.js';
import type { Tx } from '../../store/db.js';
import { lockRow } from '../../store/locks.js';
import type { Caller } from '../deps.js';
import { resolveApprovers } from './approvers.js';
import { parseJsonOr } from '../../domain/json.js';
import { audit, emailOf, now, packageName, findPolicy, type LifecycleDeps, type RequestRow } from './common.js';

// Multi-stage approval: stages run in order; each is decided by its approvers (the first decision, or a
// quorum when the stage asks for one); a deny ends the request; an approval of the last stage lets the
// request proceed (`onApproved`, provided by the engine).

export type OnApproved = (tx: Tx, request: RequestRow, policy: Policy) => Promise<void>;

/** Creates the request's stages (the first one open, the rest waiting) inside the submit transaction. */
export async function startApproval(tx: Tx, deps: LifecycleDeps, request: RequestRow, policy: Policy): Promise<void> {
  const at = now(deps);
  const stages = policy.requestApprovalSettings.stages;
  for (const [index, stage] of stages.entries()) {
    await tx.insertInto('approvalStages').values({
      id: newId(), requestId: request.id, stageIndex: index, status: 'Initializing', reviewResult: 'NotReviewed', reviewedById: null, reviewedAt: null,
      justification: null, dueAt: null, escalateAt: null, escalated: 0, createdAt: at,
      approvalsRequired: Math.max(1, stage.approvalsRequired ?? 1), isApproverJustificationRequired: stage.isApproverJustificationRequired ? 1 : 0,
    }).execute();
  }
  await openStage(tx, deps, request, policy, 0);
}

async function subjectOf(tx: Tx, request: RequestRow) {
  const target = request.targetId
    ? await tx.selectFrom('users').select('connectedOrganizationId').where('id', '=', request.targetId).executeTakeFirst()
    : undefined;
  return { targetId: request.targetId, connectedOrganizationId: target?.connectedOrganizationId ?? null };
}

async function openStage(tx: Tx, deps: LifecycleDeps, request: RequestRow, policy: Policy, index: number): Promise<void> {
  const settings = policy.requestApprovalSettings.stages[index];
  const at = now(deps);
  const times = stageTimes(settings, deps.clock.now());
  const stage = await tx.selectFrom('approvalStages').select('id').where('requestId', '=', request.id).where('stageIndex', '=', index).executeTakeFirstOrThrow();
  await tx.updateTable('approvalStages').set({ status: 'InProgress', dueAt: times.dueAt, escalateAt: times.escalateAt }).where('id', '=', stage.id).execute();
  const approvers = await resolveApprovers(tx, settings.primaryApprovers, settings.fallbackPrimaryApprovers, await subjectOf(tx, request));
  if (approvers.length > 0) {
    await tx.insertInto('approvalStageApprovers').values(approvers.map((approverId) => ({ stageId: stage.id, requestId: request.id, approverId, kind: 'primary', createdAt: at }))).execute();
  }
  await audit(tx, deps, null, {
    activity: 'Create request approval', targetType: 'accessPackageAssignmentRequest', targetId: request.id,
    modifiedProperties: [{ displayName: 'stage', oldValue: null, newValue: index + 1 }, { displayName: 'approvers', oldValue: null, newValue: approvers }],
  });
  await mailApprovers(tx, deps, request, approvers, 'approvalRequired', times.dueAt);
}

async function mailApprovers(tx: Tx, deps: LifecycleDeps, request: RequestRow, approvers: string[], template: 'approvalRequired' | 'approvalEscalated', deadline: string | null): Promise<void> {
  const requestor = await emailOf(tx, request.requestorId);
  const target = await emailOf(tx, request.targetId);
  const answers = parseJsonOr<{ answeredQuestion?: { text?: string }; displayValue?: string; value?: string }[]>(request.answers, [])
    .map((a) => ({ question: a.answeredQuestion?.text ?? '', answer: a.displayValue ?? a.value ?? '' }));
  const name = await packageName(tx, request.accessPackageId);
  for (const id of approvers) {
    const to = await emailOf(tx, id);
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

export interface DecisionInput {
  reviewResult: Decision;
  justification?: string | null;
}

/**
 * An approver decides a stage. The request row is locked first, so of two approvers racing on the same
 * stage exactly one decides and the other gets 409 (or, with a quorum, both are counted once).
 */
export async function decideStage(deps: LifecycleDeps, caller: Caller, requestId: string, stageId: string, input: DecisionInput, onApproved: OnApproved): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    if (!(await lockRow(tx, 'assignmentRequests', requestId))) throw new NotFoundError('Approval', requestId);
    const request = await tx.selectFrom('assignmentRequests').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
    const stage = await tx.selectFrom('approvalStages').selectAll().where('id', '=', stageId).where('requestId', '=', requestId).executeTakeFirst();
    if (!stage) throw new NotFoundError('Approval stage', stageId);
    const approvers = await tx.selectFrom('approvalStageApprovers').select('approverId').where('stageId', '=', stage.id).execute();
    const decisions = await tx.selectFrom('approvalDecisions').selectAll().where('stageId', '=', stage.id).execute();
    checkDecision({
      stageStatus: stage.status as StageStatus,
      approverId: caller.principal.userId,
      approvers: new Set(approvers.map((a) => a.approverId)),
      ownRequestIds: [request.requestorId, request.targetId],
      alreadyDecidedBy: new Set(decisions.map((d) => d.approverId)),
      justificationRequired: !!stage.isApproverJustificationRequired,
      decision: input.reviewResult,
      justification: input.justification,
    });
    const at = now(deps);
    await tx.insertInto('approvalDecisions').values({
      id: newId(), stageId: stage.id, requestId, approverId: caller.principal.userId, reviewResult: input.reviewResult, justification: input.justification ?? null, decidedAt: at,
    }).execute();
    const outcome = stageOutcome(stage.approvalsRequired, [...decisions, { reviewResult: input.reviewResult }]);
    await audit(tx, deps, caller, {
      activity: input.reviewResult === 'Approve' ? 'Approve access package assignment request' : 'Deny access package assignment request',
      targetType: 'accessPackageAssignmentRequest', targetId: requestId,
      modifiedProperties: [{ displayName: 'stage', oldValue: null, newValue: stage.stageIndex + 1 }, { displayName: 'justification', oldValue: null, newValue: input.justification ?? null }],
    });
    if (outcome === 'pending') return;
    await tx.updateTable('approvalStages').set({
      status: 'Completed', reviewResult: reviewResultOf(outcome), reviewedById: caller.principal.userId, reviewedAt: at, justification: input.justification ?? null,
    }).where('id', '=', stage.id).execute();
    const policy = await findPolicy(tx, request.policyId ?? '');
    const requestor = await emailOf(tx, request.requestorId);
    const name = await packageName(tx, request.accessPackageId);
    if (outcome === 'denied') {
      const next = transitionRequest(request.state as RequestState, 'deny');
      await tx.updateTable('assignmentRequests').set({ state: next.state, status: next.status, completedAt: at, modifiedAt: at, reason: input.justification ?? 'Denied by an approver.' })
        .where('id', '=', requestId).execute();
      if (requestor) await deps.notifications.queue(tx, { to: requestor.email, template: 'requestDenied', data: { packageName: name, requestorName: requestor.name, approverJustification: input.justification ?? null, requestId } });
      return;
    }
    if (stage.stageIndex + 1 < policy.requestApprovalSettings.stages.length) {
      await openStage(tx, deps, request, policy, stage.stageIndex + 1);
      return;
    }
    if (requestor) await deps.notifications.queue(tx, { to: requestor.email, template: 'requestApproved', data: { packageName: name, requestorName: requestor.name, approverJustification: input.justification ?? null, requestId } });
    await onApproved(tx, request, policy);
  });
  deps.kick();
}

/** Worker: requests nobody decided in time are timed out (shown as Expired), and the requestor is told. */
export async function timeOutStages(deps: LifecycleDeps, limit = 200): Promise<number> {
  const due = await deps.db.selectFrom('approvalStages').select(['id', 'requestId']).where('status', '=', 'InProgress').where('dueAt', '<=', now(deps)).limit(limit).execute();
  for (const s of due) {
    await deps.db.transaction().execute(async (tx) => {
      await lockRow(tx, 'assignmentRequests', s.requestId);
      const stage = await tx.selectFrom('approvalStages').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
      if (stage.status !== 'InProgress' || !stage.dueAt || stage.dueAt > now(deps)) return;
      const request = await tx.selectFrom('assignmentRequests').selectAll().where('id', '=', s.requestId).executeTakeFirstOrThrow();
      const at = now(deps);
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

/** Worker: forwards stages to their alternate approvers at the escalation time; the primary approvers can still decide. */
export async function escalateStages(deps: LifecycleDeps, limit = 200): Promise<number> {
  const due = await deps.db.selectFrom('approvalStages').select(['id', 'requestId']).where('status', '=', 'InProgress').where('escalated', '=', 0)
    .where('escalateAt', 'is not', null).where('escalateAt', '<=', now(deps)).limit(limit).execute();
  for (const s of due) {
    await deps.db.transaction().execute(async (tx) => {
      await lockRow(tx, 'assignmentRequests', s.requestId);
      const stage = await tx.selectFrom('approvalStages').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
      if (stage.status !== 'InProgress' || stage.escalated) return;
      const request = await tx.selectFrom('assignmentRequests').selectAll().where('id', '=', s.requestId).executeTakeFirstOrThrow();
      const policy = await findPolicy(tx, request.policyId ?? '');
      const settings = policy.requestApprovalSettings.stages[stage.stageIndex];
      const at = now(deps);
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
