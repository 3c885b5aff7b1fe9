import { addDuration, parseDuration, isZeroDuration } from './duration.js';
import { ConflictError, ForbiddenError, ValidationError } from './errors.js';

// Approval stages: when a stage is due and when it escalates, who may decide, and when a stage is
// decided. With approvalsRequired = 1 (the default) the first decision decides the stage, as in the
// reference; a quorum stage needs that many approvals, and any deny still ends it.

/** Graph approvalStage.status; stages after the current one wait as Initializing. */
export type StageStatus = 'Initializing' | 'InProgress' | 'Completed' | 'Expired';
/** Graph approvalStage.reviewResult as stored; PATCH bodies say Approve or Deny. */
export type ReviewResult = 'NotReviewed' | 'Approved' | 'Denied';
export type Decision = 'Approve' | 'Deny';

export interface StageTimingSettings {
  durationBeforeAutomaticDenial: string;
  durationBeforeEscalation: string;
  isEscalationEnabled: boolean;
}

/** When an opened stage times out, and when (if ever) it escalates to the alternate approvers. */
export function stageTimes(stage: StageTimingSettings, openedAt: Date): { dueAt: string; escalateAt: string | null } {
  const due = addDuration(openedAt, parseDuration(stage.durationBeforeAutomaticDenial, 'durationBeforeAutomaticDenial'));
  let escalateAt: string | null = null;
  if (stage.isEscalationEnabled) {
    const d = parseDuration(stage.durationBeforeEscalation, 'durationBeforeEscalation');
    if (!isZeroDuration(d)) escalateAt = addDuration(openedAt, d).toISOString();
  }
  return { dueAt: due.toISOString(), escalateAt };
}

export type StageOutcome = 'pending' | 'approved' | 'denied';

export function stageOutcome(approvalsRequired: number, decisions: readonly { reviewResult: string }[]): StageOutcome {
  if (decisions.some((d) => d.reviewResult === 'Deny')) return 'denied';
  const approvals = decisions.filter((d) => d.reviewResult === 'Approve').length;
  return approvals >= Math.max(1, approvalsRequired) ? 'approved' : 'pending';
}

export interface DecisionCheck {
  stageStatus: StageStatus;
  approverId: string;
  /** everyone who may decide this stage now (primary, and alternates once escalated) */
  approvers: ReadonlySet<string>;
  /** the requestor and the person access is for: neither may approve their own request */
  ownRequestIds: readonly (string | null)[];
  alreadyDecidedBy: ReadonlySet<string>;
  justificationRequired: boolean;
  decision: Decision;
  justification: string | null | undefined;
}

/** Refuses a decision that is not allowed: 403 for non-approvers and self-approval, 409 once decided, 400 without a required reason. */
export function checkDecision(c: DecisionCheck): void {
  if (c.ownRequestIds.includes(c.approverId)) throw new ForbiddenError('Nobody may decide a request for their own access.');
  if (!c.approvers.has(c.approverId)) throw new ForbiddenError('You are not an approver of this stage.');
  if (c.stageStatus !== 'InProgress') {
    throw new ConflictError(
      c.stageStatus === 'Initializing' ? 'This stage has not started yet.' : 'This stage has already been decided or has expired.',
      'ApprovalStageAlreadyDecided',
    );
  }
  if (c.alreadyDecidedBy.has(c.approverId)) throw new ConflictError('You have already decided this stage.', 'ApprovalStageAlreadyDecided');
  if (c.justificationRequired && !c.justification?.trim()) {
    throw new ValidationError('This stage requires a justification from the approver.', 'justification');
  }
}

export function reviewResultOf(outcome: StageOutcome): ReviewResult {
  return outcome === 'approved' ? 'Approved' : outcome === 'denied' ? 'Denied' : 'NotReviewed';
}
