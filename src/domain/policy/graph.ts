// Graph output of a policy: the accessPackageAssignmentPolicy and its request requirements.

import { T, type Policy, type Question } from './types.js';

function questionToGraph(q: Question): Record<string, unknown> {
  const base: Record<string, unknown> = {
    '@odata.type': q['@odata.type'], id: q.id, sequence: q.sequence, isRequired: q.isRequired, isAnswerEditable: q.isAnswerEditable,
    text: q.text, localizations: q.localizations,
  };
  if (q['@odata.type'] === `${T}accessPackageMultipleChoiceQuestion`) {
    base.isMultipleSelectionAllowed = q.isMultipleSelectionAllowed ?? false;
    base.choices = q.choices ?? [];
  } else {
    base.isSingleLineQuestion = q.isSingleLineQuestion ?? true;
    base.regexPattern = q.regexPattern ?? null;
  }
  return base;
}

export function questionsToGraph(questions: Question[]): Record<string, unknown>[] {
  return questions.map(questionToGraph);
}

/** Full Graph accessPackageAssignmentPolicy (without accessPackage/catalog; questions are included, as a GET with $expand=questions returns them). */
export function policyToGraph(policy: Policy): Record<string, unknown> {
  return {
    id: policy.id,
    displayName: policy.displayName,
    description: policy.description,
    allowedTargetScope: policy.allowedTargetScope,
    specificAllowedTargets: policy.specificAllowedTargets,
    expiration: policy.expiration,
    requestorSettings: policy.requestorSettings,
    requestApprovalSettings: policy.requestApprovalSettings,
    notificationSettings: policy.notificationSettings,
    reviewSettings: policy.reviewSettings ?? null,
    automaticRequestSettings: policy.automaticRequestSettings,
    /** Latchkey: what happens to access when its holder leaves the policy's scope (types.ts ScopeLossSettings) */
    scopeLossSettings: policy.scopeLossSettings,
    createdDateTime: policy.createdAt,
    modifiedDateTime: policy.modifiedAt,
    questions: questionsToGraph(policy.questions),
  };
}

/** Graph accessPackageAssignmentRequestRequirements for one policy. */
export function requirementsOf(policy: Policy): Record<string, unknown> {
  const a = policy.requestApprovalSettings;
  return {
    policyId: policy.id,
    policyDisplayName: policy.displayName,
    policyDescription: policy.description,
    allowCustomAssignmentSchedule: policy.requestorSettings.allowCustomAssignmentSchedule,
    isApprovalRequiredForAdd: a.isApprovalRequiredForAdd,
    isApprovalRequiredForUpdate: a.isApprovalRequiredForUpdate,
    isRequestorJustificationRequired: a.isRequestorJustificationRequired,
    schedule: { startDateTime: null, expiration: policy.expiration, recurrence: null },
    questions: questionsToGraph(policy.questions),
  };
}
