// Approval stages of a policy body: deadlines, approvers and their fallbacks, approvals required.

import { boolAt, durationAt, durationMs, fail, objectAt } from './fields.js';
import { MAX_APPROVERS_PER_LIST, MAX_DECISION_MS, MIN_DECISION_MS } from './limits.js';
import { T, type ApprovalStage, type PolicyReferences, type SubjectKind } from './types.js';
import { subjectList } from './validate-subjects.js';

const APPROVER_KINDS: readonly SubjectKind[] = ['singleUser', 'groupMembers', 'requestorManager', 'internalSponsors', 'externalSponsors', 'targetUserSponsors'];
/** Fallbacks are used when a manager or sponsor cannot be found, so they must name people directly. */
const FALLBACK_KINDS: readonly SubjectKind[] = ['singleUser', 'groupMembers'];
const NEEDS_FALLBACK = new Set([`${T}requestorManager`, `${T}internalSponsors`, `${T}externalSponsors`, `${T}targetUserSponsors`]);

export function stageAt(v: unknown, field: string, refs: PolicyReferences): ApprovalStage {
  const o = objectAt(v, field, [
    'durationBeforeAutomaticDenial', 'durationBeforeEscalation', 'isApproverJustificationRequired', 'isEscalationEnabled',
    'primaryApprovers', 'fallbackPrimaryApprovers', 'escalationApprovers', 'fallbackEscalationApprovers', 'approvalsRequired',
  ]);
  const stage: ApprovalStage = {
    durationBeforeAutomaticDenial: durationAt(o.durationBeforeAutomaticDenial, `${field}.durationBeforeAutomaticDenial`, 'P14D'),
    durationBeforeEscalation: durationAt(o.durationBeforeEscalation, `${field}.durationBeforeEscalation`, 'PT0S'),
    isApproverJustificationRequired: boolAt(o, 'isApproverJustificationRequired', field, false),
    isEscalationEnabled: boolAt(o, 'isEscalationEnabled', field, false),
    primaryApprovers: subjectList(o.primaryApprovers, `${field}.primaryApprovers`, APPROVER_KINDS, refs),
    fallbackPrimaryApprovers: subjectList(o.fallbackPrimaryApprovers, `${field}.fallbackPrimaryApprovers`, FALLBACK_KINDS, refs),
    escalationApprovers: subjectList(o.escalationApprovers, `${field}.escalationApprovers`, APPROVER_KINDS, refs),
    fallbackEscalationApprovers: subjectList(o.fallbackEscalationApprovers, `${field}.fallbackEscalationApprovers`, FALLBACK_KINDS, refs),
    approvalsRequired: 1,
  };
  const deny = durationMs(stage.durationBeforeAutomaticDenial);
  if (deny < MIN_DECISION_MS || deny > MAX_DECISION_MS) {
    fail(`${field}.durationBeforeAutomaticDenial`, `'${field}.durationBeforeAutomaticDenial' must be between PT1H and P90D, got '${stage.durationBeforeAutomaticDenial}'.`);
  }
  if (stage.primaryApprovers.length + stage.fallbackPrimaryApprovers.length === 0) {
    fail(`${field}.primaryApprovers`, `'${field}.primaryApprovers' must name at least one approver (or list them in fallbackPrimaryApprovers).`);
  }
  if (stage.primaryApprovers.some((s) => NEEDS_FALLBACK.has(s['@odata.type'])) && stage.fallbackPrimaryApprovers.length === 0) {
    fail(`${field}.fallbackPrimaryApprovers`, `'${field}.fallbackPrimaryApprovers' is required when a manager or sponsors approve: they are used when none can be found.`);
  }
  if (stage.isEscalationEnabled) {
    if (stage.escalationApprovers.length === 0) fail(`${field}.escalationApprovers`, `'${field}.escalationApprovers' must name at least one approver when escalation is enabled.`);
    const esc = durationMs(stage.durationBeforeEscalation);
    if (esc <= 0 || esc >= deny) {
      fail(`${field}.durationBeforeEscalation`, `'${field}.durationBeforeEscalation' must be longer than zero and shorter than durationBeforeAutomaticDenial (${stage.durationBeforeAutomaticDenial}).`);
    }
    if (stage.escalationApprovers.some((s) => NEEDS_FALLBACK.has(s['@odata.type'])) && stage.fallbackEscalationApprovers.length === 0) {
      fail(`${field}.fallbackEscalationApprovers`, `'${field}.fallbackEscalationApprovers' is required when a manager or sponsors are escalation approvers.`);
    }
  }
  if (o.approvalsRequired !== undefined && o.approvalsRequired !== null) {
    const n = o.approvalsRequired;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) fail(`${field}.approvalsRequired`, `'${field}.approvalsRequired' must be a whole number of at least 1.`);
    const people = [...stage.primaryApprovers, ...stage.fallbackPrimaryApprovers];
    // with groups, managers or sponsors the number of approvers is only known per request
    if (people.every((s) => s['@odata.type'] === `${T}singleUser`)) {
      const distinct = new Set(people.map((s) => (s as { userId: string }).userId)).size;
      if (n > distinct) fail(`${field}.approvalsRequired`, `'${field}.approvalsRequired' is ${n} but the stage names only ${distinct} approver(s).`);
    }
    if (n > MAX_APPROVERS_PER_LIST) fail(`${field}.approvalsRequired`, `'${field}.approvalsRequired' may be at most ${MAX_APPROVERS_PER_LIST}.`);
    stage.approvalsRequired = n;
  }
  return stage;
}

