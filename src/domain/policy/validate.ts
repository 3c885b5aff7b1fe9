// Validation of a whole policy body (create, PUT, or a PATCH merged over the current policy): the
// scalars coercion, then each part in turn, into the stored settings and the ids they refer to.

import { parseDuration, type Duration } from '../duration.js';
import { coerceScalars, type ScalarShape } from '../scalars.js';
import { arrayAt, boolAt, dateTimeAt, durationAt, fail, isObj, objectAt, stringAt } from './fields.js';
import { MAX_CONNECTED_ORGANIZATIONS, MAX_EXPIRATION_DAYS, MAX_STAGES, MAX_USERS_AND_GROUPS } from './limits.js';
import {
  ALLOWED_TARGET_SCOPES, DEFAULT_EXPIRATION, DEFAULT_REQUESTOR, DEFAULT_SCOPE_LOSS, EXPIRATION_TYPES, SUBJECT_KINDS, T,
  type AllowedTargetScope, type ApprovalSettings, type AutomaticRequestSettings, type ExpirationPattern, type PolicyReferences, type PolicySettings,
  type RequestorSettings, type ScopeLossSettings, type SubjectKind,
} from './types.js';
import { questionsAt } from './validate-questions.js';
import { stageAt } from './validate-stages.js';
import { subjectList } from './validate-subjects.js';

/** Scopes Latchkey stores and reports but cannot serve: there are no service principal subjects yet. */
const UNSUPPORTED_SCOPES: ReadonlySet<AllowedTargetScope> = new Set(['specificDirectoryServicePrincipals', 'allDirectoryServicePrincipals']);

/** The writable top-level properties of a policy body. */
export const POLICY_PROPERTIES = [
  'displayName', 'description', 'allowedTargetScope', 'specificAllowedTargets', 'expiration', 'requestorSettings',
  'requestApprovalSettings', 'questions', 'notificationSettings', 'reviewSettings', 'automaticRequestSettings', 'scopeLossSettings',
] as const;

function expirationAt(v: unknown, field: string, now: Date, checkFuture: boolean): ExpirationPattern {
  if (v === undefined || v === null) return { ...DEFAULT_EXPIRATION };
  const o = objectAt(v, field, ['type', 'endDateTime', 'duration']);
  const rawType = o.type ?? (o.endDateTime ? 'afterDateTime' : o.duration ? 'afterDuration' : 'noExpiration');
  if (typeof rawType !== 'string') fail(`${field}.type`, `'${field}.type' must be a string.`);
  const type = EXPIRATION_TYPES.find((t) => t.toLowerCase() === rawType.toLowerCase());
  if (!type) fail(`${field}.type`, `Invalid value '${rawType}' for '${field}.type'; expected one of: ${EXPIRATION_TYPES.join(', ')}.`);
  if (type === 'afterDuration') {
    const duration = durationAt(o.duration, `${field}.duration`, '');
    if (!duration) fail(`${field}.duration`, `'${field}.duration' is required when the type is afterDuration, e.g. 'P30D' or 'PT12H'.`);
    const d: Duration = parseDuration(duration, `${field}.duration`);
    if (d.years || d.months || d.minutes || d.seconds) {
      fail(`${field}.duration`, `'${field}.duration' must be a number of days ('P{n}D') or hours ('PT{n}H'), got '${duration}'.`);
    }
    const hours = (d.weeks * 7 + d.days) * 24 + d.hours;
    if (hours > MAX_EXPIRATION_DAYS * 24) fail(`${field}.duration`, `'${field}.duration' may be at most ${MAX_EXPIRATION_DAYS} days.`);
    return { type, endDateTime: null, duration };
  }
  if (type === 'afterDateTime') {
    const end = dateTimeAt(o.endDateTime, `${field}.endDateTime`);
    if (checkFuture && new Date(end).getTime() <= now.getTime()) fail(`${field}.endDateTime`, `'${field}.endDateTime' must be in the future.`);
    return { type, endDateTime: end, duration: null };
  }
  return { type, endDateTime: null, duration: null };
}

const REQUESTOR_KEYS = [
  'enableTargetsToSelfAddAccess', 'enableTargetsToSelfUpdateAccess', 'enableTargetsToSelfRemoveAccess', 'allowCustomAssignmentSchedule',
  'enableOnBehalfRequestorsToAddAccess', 'enableOnBehalfRequestorsToUpdateAccess', 'enableOnBehalfRequestorsToRemoveAccess', 'acceptRequests',
] as const;

// The boolean and whole-number properties of a policy body, which clients may write as strings
// ("true", "1") as the reference's own examples do. reviewSettings is stored as sent, so it is listed too.
const SUBJECT_SCALARS: ScalarShape = [{ isBackup: 'boolean', managerLevel: 'integer' }];
const POLICY_SCALARS: ScalarShape = {
  specificAllowedTargets: SUBJECT_SCALARS,
  requestorSettings: { ...Object.fromEntries(REQUESTOR_KEYS.map((k) => [k, 'boolean'])), onBehalfRequestors: SUBJECT_SCALARS },
  requestApprovalSettings: {
    isApprovalRequiredForAdd: 'boolean', isApprovalRequiredForUpdate: 'boolean', isRequestorJustificationRequired: 'boolean',
    stages: [{
      isApproverJustificationRequired: 'boolean', isEscalationEnabled: 'boolean', approvalsRequired: 'integer',
      primaryApprovers: SUBJECT_SCALARS, fallbackPrimaryApprovers: SUBJECT_SCALARS, escalationApprovers: SUBJECT_SCALARS, fallbackEscalationApprovers: SUBJECT_SCALARS,
    }],
  },
  questions: [{ sequence: 'integer', isRequired: 'boolean', isAnswerEditable: 'boolean', isMultipleSelectionAllowed: 'boolean', isSingleLineQuestion: 'boolean' }],
  notificationSettings: { isAssignmentNotificationDisabled: 'boolean' },
  automaticRequestSettings: { requestAccessForAllowedTargets: 'boolean', removeAccessWhenTargetLeavesAllowedTargets: 'boolean' },
  scopeLossSettings: { removeAccess: 'boolean' },
  reviewSettings: {
    isEnabled: 'boolean', isRecommendationEnabled: 'boolean', isReviewerJustificationRequired: 'boolean', isSelfReview: 'boolean',
    schedule: { recurrence: { pattern: { interval: 'integer', month: 'integer', dayOfMonth: 'integer' }, range: { numberOfOccurrences: 'integer' } } },
    primaryReviewers: SUBJECT_SCALARS, fallbackReviewers: SUBJECT_SCALARS,
  },
};

/** automaticRequestSettings: stored only for an auto-assignment policy (requestAccessForAllowedTargets true). */
function automaticAt(v: unknown): AutomaticRequestSettings | null {
  if (v === undefined || v === null) return null;
  const field = 'automaticRequestSettings';
  const o = objectAt(v, field, ['requestAccessForAllowedTargets', 'removeAccessWhenTargetLeavesAllowedTargets', 'gracePeriodBeforeAccessRemoval']);
  const settings: AutomaticRequestSettings = {
    requestAccessForAllowedTargets: boolAt(o, 'requestAccessForAllowedTargets', field, false),
    removeAccessWhenTargetLeavesAllowedTargets: boolAt(o, 'removeAccessWhenTargetLeavesAllowedTargets', field, true),
    gracePeriodBeforeAccessRemoval: durationAt(o.gracePeriodBeforeAccessRemoval, `${field}.gracePeriodBeforeAccessRemoval`, '') || null,
  };
  return settings.requestAccessForAllowedTargets ? settings : null;
}

/** Latchkey's scopeLossSettings (types.ts), defaults filled in. */
function scopeLossAt(v: unknown): ScopeLossSettings {
  if (v === undefined || v === null) return { ...DEFAULT_SCOPE_LOSS };
  const field = 'scopeLossSettings';
  const o = objectAt(v, field, ['removeAccess', 'gracePeriodBeforeAccessRemoval']);
  return {
    removeAccess: boolAt(o, 'removeAccess', field, DEFAULT_SCOPE_LOSS.removeAccess),
    gracePeriodBeforeAccessRemoval: durationAt(o.gracePeriodBeforeAccessRemoval, `${field}.gracePeriodBeforeAccessRemoval`, DEFAULT_SCOPE_LOSS.gracePeriodBeforeAccessRemoval),
  };
}

/**
 * An auto-assignment policy, as the reference has it: allowedTargetScope specificDirectoryUsers with exactly
 * one attributeRuleMembers rule, nobody requesting under it and nothing to approve; and a rule only there.
 */
function checkAutoAssignment(scope: AllowedTargetScope, targetTypes: string[], auto: AutomaticRequestSettings | null, rs: RequestorSettings, approval: ApprovalSettings): void {
  const rules = targetTypes.filter((t) => t === `${T}attributeRuleMembers`).length;
  if (!auto) {
    if (rules > 0) fail('automaticRequestSettings.requestAccessForAllowedTargets', "A policy with an attributeRuleMembers rule is an auto-assignment policy: set 'automaticRequestSettings.requestAccessForAllowedTargets' to true.");
    return;
  }
  if (scope !== 'specificDirectoryUsers' || rules !== 1 || targetTypes.length !== 1) {
    fail('specificAllowedTargets', "An auto-assignment policy has allowedTargetScope 'specificDirectoryUsers' and exactly one '#microsoft.graph.attributeRuleMembers' entry in 'specificAllowedTargets'.");
  }
  if (rs.enableTargetsToSelfAddAccess || rs.enableOnBehalfRequestorsToAddAccess) {
    fail('requestorSettings.enableTargetsToSelfAddAccess', 'Nobody requests under an auto-assignment policy: the people its rule matches get the access package without asking.');
  }
  if (approval.isApprovalRequiredForAdd) fail('requestApprovalSettings.isApprovalRequiredForAdd', 'An auto-assignment policy has no approval.');
}

/**
 * Validates a whole policy body (create or PUT; a PATCH merges its properties over the current policy
 * first) and returns its settings in stored form with the ids it refers to. `now` is for "the end date
 * is in the future", checked only when `checkExpirationDate` (the client sent an expiration).
 */
export function validatePolicySettings(sent: Record<string, unknown>, now: Date, checkExpirationDate = true): { settings: PolicySettings; refs: PolicyReferences } {
  const body = coerceScalars(sent, POLICY_SCALARS) as Record<string, unknown>;
  const refs: PolicyReferences = { users: [], groups: [], connectedOrganizations: [] };
  const displayName = stringAt(body.displayName, 'displayName', { required: true, max: 256 })!;
  const description = stringAt(body.description, 'description', { max: 2048 });

  const rawScope = body.allowedTargetScope ?? 'notSpecified';
  if (typeof rawScope !== 'string') fail('allowedTargetScope', "'allowedTargetScope' must be a string.");
  const scope = ALLOWED_TARGET_SCOPES.find((s) => s.toLowerCase() === rawScope.toLowerCase());
  if (!scope) fail('allowedTargetScope', `Invalid value '${rawScope}' for 'allowedTargetScope'; expected one of: ${ALLOWED_TARGET_SCOPES.join(', ')}.`);
  if (UNSUPPORTED_SCOPES.has(scope)) fail('allowedTargetScope', `'${scope}' is not supported by Latchkey: there are no service principal subjects.`);

  const targetKinds: readonly SubjectKind[] = scope === 'specificDirectoryUsers' ? ['singleUser', 'groupMembers', 'attributeRuleMembers']
    : scope === 'specificConnectedOrganizationUsers' ? ['connectedOrganizationMembers'] : [];
  const rawTargets = arrayAt(body.specificAllowedTargets, 'specificAllowedTargets');
  if (targetKinds.length === 0 && rawTargets.length > 0) {
    // still say so when it is the unsupported auto-assignment rule
    if (isObj(rawTargets[0]) && /attributerulemembers$/i.test(String(rawTargets[0]['@odata.type'] ?? ''))) {
      fail('specificAllowedTargets[0].@odata.type', "An attributeRuleMembers rule needs allowedTargetScope 'specificDirectoryUsers'.");
    }
    fail('specificAllowedTargets', `'specificAllowedTargets' must be empty when allowedTargetScope is '${scope}'.`);
  }
  const specificAllowedTargets = subjectList(rawTargets, 'specificAllowedTargets', targetKinds.length ? targetKinds : SUBJECT_KINDS, refs, MAX_CONNECTED_ORGANIZATIONS + MAX_USERS_AND_GROUPS);
  if (scope === 'specificDirectoryUsers') {
    if (specificAllowedTargets.length === 0) fail('specificAllowedTargets', "'specificAllowedTargets' must name at least one user or group when allowedTargetScope is 'specificDirectoryUsers'.");
    if (specificAllowedTargets.length > MAX_USERS_AND_GROUPS) fail('specificAllowedTargets', `A policy may name at most ${MAX_USERS_AND_GROUPS} users and groups.`);
  }
  if (scope === 'specificConnectedOrganizationUsers') {
    if (specificAllowedTargets.length === 0) fail('specificAllowedTargets', "'specificAllowedTargets' must name at least one connected organization when allowedTargetScope is 'specificConnectedOrganizationUsers'.");
    if (specificAllowedTargets.length > MAX_CONNECTED_ORGANIZATIONS) fail('specificAllowedTargets', `A policy may name at most ${MAX_CONNECTED_ORGANIZATIONS} connected organizations.`);
  }

  const automaticRequestSettings = automaticAt(body.automaticRequestSettings);
  const scopeLossSettings = scopeLossAt(body.scopeLossSettings);
  const cess = body.customExtensionStageSettings;
  if (cess !== undefined && cess !== null && (!Array.isArray(cess) || cess.length > 0)) {
    fail('customExtensionStageSettings', 'Custom extensions are not supported by Latchkey; send an empty array or leave the property out.');
  }

  const expiration = expirationAt(body.expiration, 'expiration', now, checkExpirationDate);

  const rs = body.requestorSettings === undefined || body.requestorSettings === null ? {}
    : objectAt(body.requestorSettings, 'requestorSettings', [...REQUESTOR_KEYS, 'onBehalfRequestors']);
  const requestorSettings: RequestorSettings = { ...DEFAULT_REQUESTOR, onBehalfRequestors: [] };
  for (const k of REQUESTOR_KEYS) requestorSettings[k] = boolAt(rs, k, 'requestorSettings', DEFAULT_REQUESTOR[k]);
  requestorSettings.onBehalfRequestors = subjectList(rs.onBehalfRequestors, 'requestorSettings.onBehalfRequestors', ['singleUser', 'groupMembers', 'requestorManager'], refs);
  // nobody requests under an admin-only policy; but (improving on the reference) the people assigned
  // under it may extend their own access when enableTargetsToSelfUpdateAccess says so
  if (scope === 'notSpecified' && requestorSettings.enableTargetsToSelfAddAccess) {
    fail('requestorSettings.enableTargetsToSelfAddAccess', "'requestorSettings.enableTargetsToSelfAddAccess' cannot be true when allowedTargetScope is 'notSpecified' (administrator direct assignment only); choose who can request.");
  }

  const ap = body.requestApprovalSettings === undefined || body.requestApprovalSettings === null ? {}
    : objectAt(body.requestApprovalSettings, 'requestApprovalSettings', ['isApprovalRequiredForAdd', 'isApprovalRequiredForUpdate', 'isRequestorJustificationRequired', 'stages']);
  const rawStages = arrayAt(ap.stages, 'requestApprovalSettings.stages');
  if (rawStages.length > MAX_STAGES) fail('requestApprovalSettings.stages', `'requestApprovalSettings.stages' may have at most ${MAX_STAGES} stages.`);
  const approval: ApprovalSettings = {
    isApprovalRequiredForAdd: boolAt(ap, 'isApprovalRequiredForAdd', 'requestApprovalSettings', false),
    isApprovalRequiredForUpdate: boolAt(ap, 'isApprovalRequiredForUpdate', 'requestApprovalSettings', false),
    isRequestorJustificationRequired: boolAt(ap, 'isRequestorJustificationRequired', 'requestApprovalSettings', false),
    stages: rawStages.map((s, i) => stageAt(s, `requestApprovalSettings.stages[${i}]`, refs)),
  };
  if ((approval.isApprovalRequiredForAdd || approval.isApprovalRequiredForUpdate) && approval.stages.length === 0) {
    fail('requestApprovalSettings.stages', "'requestApprovalSettings.stages' needs at least one stage when approval is required.");
  }

  const ns = body.notificationSettings === undefined || body.notificationSettings === null ? {}
    : objectAt(body.notificationSettings, 'notificationSettings', ['isAssignmentNotificationDisabled']);
  const rv = body.reviewSettings;
  if (rv !== undefined && rv !== null && !isObj(rv)) fail('reviewSettings', "'reviewSettings' must be an object or null.");
  if (rv !== undefined && rv !== null && JSON.stringify(rv).length > 64 * 1024) fail('reviewSettings', "'reviewSettings' is too large.");

  checkAutoAssignment(scope, specificAllowedTargets.map((t) => t['@odata.type']), automaticRequestSettings, requestorSettings, approval);

  const settings: PolicySettings = {
    displayName,
    description,
    allowedTargetScope: scope,
    specificAllowedTargets,
    expiration,
    requestorSettings,
    requestApprovalSettings: approval,
    questions: questionsAt(body.questions, 'questions'),
    notificationSettings: { isAssignmentNotificationDisabled: boolAt(ns, 'isAssignmentNotificationDisabled', 'notificationSettings', false) },
    reviewSettings: rv ?? null,
    automaticRequestSettings,
    scopeLossSettings,
  };
  return { settings, refs };
}
