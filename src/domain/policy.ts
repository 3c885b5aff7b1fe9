// Assignment policies: who may request an access package, with what approval, questions and
// expiration. Pure rules only (no I/O): parsing and validating the Graph body, the scope and
// precedence rules that requests use, and the Graph output shape. The stored shape (row mapping) is
// store/policy-rows.ts, beside the table.

import { answerPatternError } from './answer-pattern.js';
import { addDuration, parseDuration, type Duration } from './duration.js';
import { ValidationError } from './errors.js';
import { isGuid, newId } from './ids.js';
import { coerceScalars, type ScalarShape } from './scalars.js';

export const ALLOWED_TARGET_SCOPES = [
  'notSpecified',
  'specificDirectoryUsers',
  'specificConnectedOrganizationUsers',
  'specificDirectoryServicePrincipals',
  'allMemberUsers',
  'allDirectoryUsers',
  'allDirectoryServicePrincipals',
  'allConfiguredConnectedOrganizationUsers',
  'allExternalUsers',
] as const;
export type AllowedTargetScope = (typeof ALLOWED_TARGET_SCOPES)[number];

/** Scopes Latchkey stores and reports but cannot serve: there are no service principal subjects yet. */
const UNSUPPORTED_SCOPES: ReadonlySet<AllowedTargetScope> = new Set(['specificDirectoryServicePrincipals', 'allDirectoryServicePrincipals']);

export const EXPIRATION_TYPES = ['notSpecified', 'noExpiration', 'afterDateTime', 'afterDuration'] as const;

/** Reference limits (§3): subjects named in one policy's "who can request". */
export const MAX_USERS_AND_GROUPS = 500;
export const MAX_CONNECTED_ORGANIZATIONS = 1000;
export const MAX_STAGES = 3;
/** Expiration after N days: the reference's UI range. */
export const MAX_EXPIRATION_DAYS = 3660;
/**
 * Stage decision deadline. The reference UI offers 1–14 days; the API takes any duration. Latchkey
 * accepts PT1H..P90D: shorter deadlines would expire before an email is read, longer ones leave
 * requests open for a quarter.
 */
export const MIN_DECISION_MS = 3600_000;
export const MAX_DECISION_MS = 90 * 24 * 3600_000;
export const MAX_QUESTIONS = 50;
export const MAX_CHOICES = 100;
/** Regex patterns are bounded so that a policy cannot carry an expensive pattern (answers are bounded too). */
export const MAX_REGEX_LENGTH = 200;
export const MAX_TEXT = 1000;
export const MAX_APPROVERS_PER_LIST = 100;

const T = '#microsoft.graph.';

export type SubjectSet =
  | { '@odata.type': '#microsoft.graph.singleUser'; userId: string; description?: string | null }
  | { '@odata.type': '#microsoft.graph.groupMembers'; groupId: string; description?: string | null }
  | { '@odata.type': '#microsoft.graph.connectedOrganizationMembers'; connectedOrganizationId: string; description?: string | null }
  | { '@odata.type': '#microsoft.graph.requestorManager'; managerLevel: 1 | 2 }
  | { '@odata.type': '#microsoft.graph.internalSponsors' }
  | { '@odata.type': '#microsoft.graph.externalSponsors' }
  | { '@odata.type': '#microsoft.graph.targetUserSponsors' };

type SubjectKind = 'singleUser' | 'groupMembers' | 'connectedOrganizationMembers' | 'requestorManager' | 'internalSponsors' | 'externalSponsors' | 'targetUserSponsors';
const SUBJECT_KINDS: readonly SubjectKind[] = ['singleUser', 'groupMembers', 'connectedOrganizationMembers', 'requestorManager', 'internalSponsors', 'externalSponsors', 'targetUserSponsors'];

export interface ExpirationPattern {
  type: 'notSpecified' | 'noExpiration' | 'afterDateTime' | 'afterDuration';
  endDateTime: string | null;
  duration: string | null;
}

export interface ApprovalStage {
  durationBeforeAutomaticDenial: string;
  durationBeforeEscalation: string;
  isApproverJustificationRequired: boolean;
  isEscalationEnabled: boolean;
  primaryApprovers: SubjectSet[];
  fallbackPrimaryApprovers: SubjectSet[];
  escalationApprovers: SubjectSet[];
  fallbackEscalationApprovers: SubjectSet[];
  /** Latchkey extension: approvals needed to pass the stage, default 1 (reference behaviour) */
  approvalsRequired: number;
}

export interface ApprovalSettings {
  isApprovalRequiredForAdd: boolean;
  isApprovalRequiredForUpdate: boolean;
  isRequestorJustificationRequired: boolean;
  stages: ApprovalStage[];
}

export interface RequestorSettings {
  enableTargetsToSelfAddAccess: boolean;
  enableTargetsToSelfUpdateAccess: boolean;
  enableTargetsToSelfRemoveAccess: boolean;
  allowCustomAssignmentSchedule: boolean;
  enableOnBehalfRequestorsToAddAccess: boolean;
  enableOnBehalfRequestorsToUpdateAccess: boolean;
  enableOnBehalfRequestorsToRemoveAccess: boolean;
  onBehalfRequestors: SubjectSet[];
  /** the policy-level enable switch (beta name): false = no new requests and, for notSpecified policies, no direct assignment. Default true. */
  acceptRequests: boolean;
}

export interface Localization { languageCode: string; text: string }
export interface Choice { actualValue: string; text: string; localizations: Localization[] }

export type Question = {
  id: string;
  '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion' | '#microsoft.graph.accessPackageMultipleChoiceQuestion';
  sequence: number;
  isRequired: boolean;
  isAnswerEditable: boolean;
  text: string;
  localizations: Localization[];
  isSingleLineQuestion?: boolean;
  regexPattern?: string | null;
  choices?: Choice[];
  isMultipleSelectionAllowed?: boolean;
};

export interface Policy {
  id: string;
  accessPackageId: string;
  displayName: string;
  description: string | null;
  allowedTargetScope: AllowedTargetScope;
  specificAllowedTargets: SubjectSet[];
  expiration: ExpirationPattern;
  requestorSettings: RequestorSettings;
  requestApprovalSettings: ApprovalSettings;
  questions: Question[];
  notificationSettings: { isAssignmentNotificationDisabled: boolean };
  reviewSettings: unknown | null;
  createdAt: string;
  modifiedAt: string;
}

/** What policy scope rules need to know about the person access is for. userType null = not in the directory yet (an external email). */
export interface SubjectFacts {
  userId: string | null;
  email: string | null;
  userType: 'Member' | 'Guest' | null;
  groupIds: ReadonlySet<string>;
  connectedOrganizationId: string | null;
  connectedOrganizationState: 'configured' | 'proposed' | null;
}

// ---------------------------------------------------------------- defaults

/** What a policy holds where its body (or its stored row, store/policy-rows.ts) leaves a setting out. */
export const DEFAULT_REQUESTOR: RequestorSettings = {
  enableTargetsToSelfAddAccess: false,
  enableTargetsToSelfUpdateAccess: false,
  enableTargetsToSelfRemoveAccess: false,
  allowCustomAssignmentSchedule: false,
  enableOnBehalfRequestorsToAddAccess: false,
  enableOnBehalfRequestorsToUpdateAccess: false,
  enableOnBehalfRequestorsToRemoveAccess: false,
  onBehalfRequestors: [],
  acceptRequests: true,
};
export const DEFAULT_EXPIRATION: ExpirationPattern = { type: 'noExpiration', endDateTime: null, duration: null };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------- Graph output

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
    automaticRequestSettings: null,
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

// ---------------------------------------------------------------- scope and precedence

/** Whether a subject is inside a policy's "who can request". notSpecified (administrators only) admits no one. */
export function isInScope(policy: Policy, subject: SubjectFacts): boolean {
  switch (policy.allowedTargetScope) {
    case 'notSpecified':
      return false;
    case 'specificDirectoryUsers':
      if (!subject.userId || subject.userType === null) return false;
      return policy.specificAllowedTargets.some((t) =>
        (t['@odata.type'] === `${T}singleUser` && t.userId.toLowerCase() === subject.userId!.toLowerCase())
        || (t['@odata.type'] === `${T}groupMembers` && subject.groupIds.has(t.groupId.toLowerCase())));
    case 'allMemberUsers':
      return subject.userType === 'Member';
    case 'allDirectoryUsers':
      return subject.userType === 'Member' || subject.userType === 'Guest';
    case 'specificConnectedOrganizationUsers': {
      if (subject.userType === 'Member' || !subject.connectedOrganizationId) return false;
      const org = subject.connectedOrganizationId.toLowerCase();
      return policy.specificAllowedTargets.some((t) => t['@odata.type'] === `${T}connectedOrganizationMembers` && t.connectedOrganizationId.toLowerCase() === org);
    }
    case 'allConfiguredConnectedOrganizationUsers':
      return subject.userType !== 'Member' && !!subject.connectedOrganizationId && subject.connectedOrganizationState === 'configured';
    case 'allExternalUsers':
      // every connected organization (configured or proposed) plus external people from no known organization
      return subject.userType !== 'Member';
    default:
      return false;
  }
}

/** One entry of a policy's self-add audience: a broad scope (subjectId '*') or a user, group or connected organization it names. */
export interface AudienceEntry {
  kind: 'allMemberUsers' | 'allDirectoryUsers' | 'allConfiguredConnectedOrganizationUsers' | 'allExternalUsers' | 'user' | 'group' | 'connectedOrganization';
  subjectId: string;
}

/**
 * Who may self-add under a policy, as rows an index can hold (table assignment_policy_audience): empty
 * unless the policy accepts self-service add requests. A subject may request the package when one of
 * audienceKeys(subject) is in the audience of one of its policies — exactly when selfServicePolicies(…,
 * 'add') is non-empty (precedence only chooses among policies that match, it never empties the set).
 */
export function selfAddAudience(p: Policy): AudienceEntry[] {
  if (!p.requestorSettings.acceptRequests || !p.requestorSettings.enableTargetsToSelfAddAccess) return [];
  const scope = p.allowedTargetScope;
  if (scope === 'allMemberUsers' || scope === 'allDirectoryUsers' || scope === 'allConfiguredConnectedOrganizationUsers' || scope === 'allExternalUsers') {
    return [{ kind: scope, subjectId: '*' }];
  }
  const out = new Map<string, AudienceEntry>();
  const add = (kind: AudienceEntry['kind'], id: string) => out.set(`${kind}:${id.toLowerCase()}`, { kind, subjectId: id.toLowerCase() });
  for (const t of p.specificAllowedTargets) {
    if (scope === 'specificDirectoryUsers' && t['@odata.type'] === `${T}singleUser`) add('user', t.userId);
    if (scope === 'specificDirectoryUsers' && t['@odata.type'] === `${T}groupMembers`) add('group', t.groupId);
    if (scope === 'specificConnectedOrganizationUsers' && t['@odata.type'] === `${T}connectedOrganizationMembers`) add('connectedOrganization', t.connectedOrganizationId);
  }
  return [...out.values()];
}

/** The audience entries a subject matches (the other half of selfAddAudience; mirrors isInScope). */
export function audienceKeys(s: SubjectFacts): AudienceEntry[] {
  const keys: AudienceEntry[] = [];
  const member = s.userType === 'Member';
  if (member) keys.push({ kind: 'allMemberUsers', subjectId: '*' });
  if (s.userType === 'Member' || s.userType === 'Guest') keys.push({ kind: 'allDirectoryUsers', subjectId: '*' });
  if (!member) keys.push({ kind: 'allExternalUsers', subjectId: '*' });
  if (!member && s.connectedOrganizationId && s.connectedOrganizationState === 'configured') keys.push({ kind: 'allConfiguredConnectedOrganizationUsers', subjectId: '*' });
  if (s.userId && s.userType !== null) {
    keys.push({ kind: 'user', subjectId: s.userId.toLowerCase() });
    for (const g of s.groupIds) keys.push({ kind: 'group', subjectId: g.toLowerCase() });
  }
  if (!member && s.connectedOrganizationId) keys.push({ kind: 'connectedOrganization', subjectId: s.connectedOrganizationId.toLowerCase() });
  return keys;
}

/** Reference precedence (P1 strictest): the requestor chooses only among policies of the best tier they match. */
export function scopePriority(scope: AllowedTargetScope): 1 | 2 | 3 | 4 | undefined {
  switch (scope) {
    case 'specificDirectoryUsers':
    case 'specificConnectedOrganizationUsers':
    case 'specificDirectoryServicePrincipals':
      return 1;
    case 'allMemberUsers':
      return 2;
    case 'allDirectoryUsers':
    case 'allDirectoryServicePrincipals':
      return 3;
    case 'allConfiguredConnectedOrganizationUsers':
    case 'allExternalUsers':
      return 4;
    default:
      return undefined;
  }
}

const SELF_FLAG = {
  add: 'enableTargetsToSelfAddAccess',
  update: 'enableTargetsToSelfUpdateAccess',
  remove: 'enableTargetsToSelfRemoveAccess',
} as const;

/** Policies a subject may use for a self-service request of this kind: enabled (acceptRequests), the matching self flag, in scope, and only the highest-priority tier (the requestor chooses among equals). */
export function selfServicePolicies(policies: Policy[], subject: SubjectFacts, kind: 'add' | 'update' | 'remove'): Policy[] {
  const usable = policies.filter((p) => p.requestorSettings.acceptRequests && p.requestorSettings[SELF_FLAG[kind]] && isInScope(p, subject));
  if (usable.length === 0) return [];
  const best = Math.min(...usable.map((p) => scopePriority(p.allowedTargetScope) ?? 9));
  return usable.filter((p) => (scopePriority(p.allowedTargetScope) ?? 9) === best);
}

/** Whether the policy's expiration means "never" (notSpecified is treated as noExpiration). */
export function neverExpires(e: ExpirationPattern): boolean {
  return e.type === 'noExpiration' || e.type === 'notSpecified';
}

// ---------------------------------------------------------------- input validation

/** Ids a policy refers to; the service checks that each exists (inside its transaction). */
export interface PolicyReferences {
  users: { id: string; field: string }[];
  groups: { id: string; field: string }[];
  connectedOrganizations: { id: string; field: string }[];
}

export type PolicySettings = Omit<Policy, 'id' | 'accessPackageId' | 'createdAt' | 'modifiedAt'>;

/** The writable top-level properties of a policy body. */
export const POLICY_PROPERTIES = [
  'displayName', 'description', 'allowedTargetScope', 'specificAllowedTargets', 'expiration', 'requestorSettings',
  'requestApprovalSettings', 'questions', 'notificationSettings', 'reviewSettings',
] as const;

function fail(field: string, message: string): never {
  throw new ValidationError(message, field);
}

/** An object whose keys must all be known (OData annotations aside), so a typo names its field. */
function objectAt(v: unknown, field: string, known: readonly string[]): Record<string, unknown> {
  if (!isObj(v)) fail(field, `'${field}' must be an object.`);
  for (const k of Object.keys(v)) {
    if (k.startsWith('@odata.') || known.includes(k)) continue;
    fail(`${field}.${k}`, `'${field}.${k}' is not a known property; expected: ${known.join(', ')}.`);
  }
  return v;
}

function boolAt(o: Record<string, unknown>, key: string, field: string, d: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return d;
  if (typeof v !== 'boolean') fail(`${field}.${key}`, `'${field}.${key}' must be true or false.`);
  return v;
}

function stringAt(v: unknown, field: string, opts: { max?: number; required?: boolean } = {}): string | null {
  if (v === undefined || v === null) {
    if (opts.required) fail(field, `'${field}' is required.`);
    return null;
  }
  if (typeof v !== 'string') fail(field, `'${field}' must be a string.`);
  if (opts.required && v.trim() === '') fail(field, `'${field}' must not be empty.`);
  if (v.length > (opts.max ?? MAX_TEXT)) fail(field, `'${field}' is longer than ${opts.max ?? MAX_TEXT} characters.`);
  return v;
}

function arrayAt(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(field, `'${field}' must be an array.`);
  return v;
}

/** Graph's @odata.type, with or without the leading '#', compared case-insensitively. */
function odataKind(v: unknown, field: string, kinds: readonly string[]): string {
  if (!isObj(v)) fail(field, `'${field}' must be an object.`);
  const raw = v['@odata.type'];
  if (typeof raw !== 'string') fail(`${field}.@odata.type`, `'${field}.@odata.type' is required, e.g. '#microsoft.graph.${kinds[0]}'.`);
  const name = raw.replace(/^#/, '').replace(/^microsoft\.graph\./i, '');
  const found = kinds.find((k) => k.toLowerCase() === name.toLowerCase());
  if (!found) {
    if (name.toLowerCase() === 'attributerulemembers') {
      fail(`${field}.@odata.type`, 'Auto-assignment policies (attributeRuleMembers) are not supported by Latchkey.');
    }
    fail(`${field}.@odata.type`, `'${raw}' is not allowed in '${field}'; expected one of: ${kinds.map((k) => T + k).join(', ')}.`);
  }
  return found;
}

function guidAt(v: unknown, field: string): string {
  if (!isGuid(v)) fail(field, `'${field}' must be an object id (GUID), got ${JSON.stringify(v)}.`);
  return (v as string).toLowerCase();
}

function subjectSet(v: unknown, field: string, kinds: readonly SubjectKind[], refs: PolicyReferences): SubjectSet {
  const kind = odataKind(v, field, kinds) as SubjectKind;
  const o = v as Record<string, unknown>;
  const type = `${T}${kind}`;
  const desc = () => stringAt(o.description, `${field}.description`);
  switch (kind) {
    case 'singleUser': {
      objectAt(o, field, ['userId', 'description', 'isBackup', 'id']);
      const userId = guidAt(o.userId ?? o.id, `${field}.userId`);
      refs.users.push({ id: userId, field: `${field}.userId` });
      return { '@odata.type': type as '#microsoft.graph.singleUser', userId, description: desc() };
    }
    case 'groupMembers': {
      objectAt(o, field, ['groupId', 'description', 'isBackup', 'id']);
      const groupId = guidAt(o.groupId ?? o.id, `${field}.groupId`);
      refs.groups.push({ id: groupId, field: `${field}.groupId` });
      return { '@odata.type': type as '#microsoft.graph.groupMembers', groupId, description: desc() };
    }
    case 'connectedOrganizationMembers': {
      objectAt(o, field, ['connectedOrganizationId', 'description', 'isBackup', 'id']);
      const id = guidAt(o.connectedOrganizationId ?? o.id, `${field}.connectedOrganizationId`);
      refs.connectedOrganizations.push({ id, field: `${field}.connectedOrganizationId` });
      return { '@odata.type': type as '#microsoft.graph.connectedOrganizationMembers', connectedOrganizationId: id, description: desc() };
    }
    case 'requestorManager': {
      objectAt(o, field, ['managerLevel', 'isBackup']);
      const level = o.managerLevel ?? 1;
      if (level !== 1 && level !== 2) fail(`${field}.managerLevel`, `'${field}.managerLevel' must be 1 or 2.`);
      return { '@odata.type': type as '#microsoft.graph.requestorManager', managerLevel: level };
    }
    default:
      objectAt(o, field, ['isBackup', 'description']);
      return { '@odata.type': type } as SubjectSet;
  }
}

function subjectList(v: unknown, field: string, kinds: readonly SubjectKind[], refs: PolicyReferences, max = MAX_APPROVERS_PER_LIST): SubjectSet[] {
  const items = arrayAt(v, field);
  if (items.length > max) fail(field, `'${field}' may list at most ${max} entries.`);
  const out = items.map((x, i) => subjectSet(x, `${field}[${i}]`, kinds, refs));
  const seen = new Set<string>();
  out.forEach((s, i) => {
    const key = JSON.stringify({ ...s, description: undefined });
    if (seen.has(key)) fail(`${field}[${i}]`, `'${field}[${i}]' repeats an earlier entry.`);
    seen.add(key);
  });
  return out;
}

function durationMs(text: string): number {
  return addDuration(new Date(0), parseDuration(text)).getTime();
}

function durationAt(v: unknown, field: string, d: string): string {
  if (v === undefined || v === null) return d;
  parseDuration(v, field);
  return (v as string).trim().toUpperCase();
}

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

/** A date-time with an explicit zone, normalised to UTC ISO-8601. */
export function dateTimeAt(v: unknown, field: string): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(v.trim())) {
    fail(field, `'${field}' must be an ISO-8601 date-time with a time zone, e.g. '2026-06-30T00:00:00Z', got ${JSON.stringify(v)}.`);
  }
  const d = new Date(v.trim());
  if (Number.isNaN(d.getTime())) fail(field, `'${field}' is not a valid date-time: '${v}'.`);
  return d.toISOString();
}

const APPROVER_KINDS: readonly SubjectKind[] = ['singleUser', 'groupMembers', 'requestorManager', 'internalSponsors', 'externalSponsors', 'targetUserSponsors'];
/** Fallbacks are used when a manager or sponsor cannot be found, so they must name people directly. */
const FALLBACK_KINDS: readonly SubjectKind[] = ['singleUser', 'groupMembers'];
const NEEDS_FALLBACK = new Set([`${T}requestorManager`, `${T}internalSponsors`, `${T}externalSponsors`, `${T}targetUserSponsors`]);

function stageAt(v: unknown, field: string, refs: PolicyReferences): ApprovalStage {
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

function localizationsAt(v: unknown, field: string): Localization[] {
  const items = arrayAt(v, field);
  if (items.length > 100) fail(field, `'${field}' may list at most 100 localizations.`);
  const seen = new Set<string>();
  return items.map((x, i) => {
    const f = `${field}[${i}]`;
    const o = objectAt(x, f, ['languageCode', 'text']);
    const languageCode = stringAt(o.languageCode, `${f}.languageCode`, { required: true, max: 35 })!;
    if (!/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(languageCode)) fail(`${f}.languageCode`, `'${f}.languageCode' must be a language tag such as 'fr-CA'.`);
    if (seen.has(languageCode.toLowerCase())) fail(`${f}.languageCode`, `'${f}.languageCode' repeats '${languageCode}'.`);
    seen.add(languageCode.toLowerCase());
    return { languageCode, text: stringAt(o.text, `${f}.text`, { required: true })! };
  });
}

const QUESTION_KINDS = ['accessPackageTextInputQuestion', 'accessPackageMultipleChoiceQuestion'] as const;

function questionsAt(v: unknown, field: string): Question[] {
  const items = arrayAt(v, field);
  if (items.length > MAX_QUESTIONS) fail(field, `'${field}' may list at most ${MAX_QUESTIONS} questions.`);
  const ids = new Set<string>();
  const sequences = new Set<number>();
  const out = items.map((x, i): Question => {
    const f = `${field}[${i}]`;
    if (!isObj(x)) fail(f, `'${f}' must be an object.`);
    // a body without @odata.type is a text question unless it carries choices
    const kind = x['@odata.type'] === undefined ? (x.choices !== undefined ? QUESTION_KINDS[1] : QUESTION_KINDS[0]) : odataKind(x, f, QUESTION_KINDS);
    const multiple = kind === QUESTION_KINDS[1];
    const o = objectAt(x, f, [
      'id', 'sequence', 'isRequired', 'isAnswerEditable', 'text', 'localizations',
      ...(multiple ? ['choices', 'isMultipleSelectionAllowed'] : ['isSingleLineQuestion', 'regexPattern']),
    ]);
    let id: string;
    if (o.id === undefined || o.id === null) id = newId();
    else id = guidAt(o.id, `${f}.id`);
    if (ids.has(id)) fail(`${f}.id`, `'${f}.id' repeats the id of an earlier question.`);
    ids.add(id);
    let sequence = i + 1;
    if (o.sequence !== undefined && o.sequence !== null) {
      if (typeof o.sequence !== 'number' || !Number.isInteger(o.sequence) || o.sequence < 0) fail(`${f}.sequence`, `'${f}.sequence' must be a whole number.`);
      sequence = o.sequence;
    }
    if (sequences.has(sequence)) fail(`${f}.sequence`, `'${f}.sequence' ${sequence} is used by another question; sequences must be unique.`);
    sequences.add(sequence);
    const q: Question = {
      id,
      '@odata.type': `${T}${kind}` as Question['@odata.type'],
      sequence,
      isRequired: boolAt(o, 'isRequired', f, false),
      isAnswerEditable: boolAt(o, 'isAnswerEditable', f, true),
      text: stringAt(o.text, `${f}.text`, { required: true })!,
      localizations: localizationsAt(o.localizations, `${f}.localizations`),
    };
    if (multiple) {
      const choices = arrayAt(o.choices, `${f}.choices`);
      if (choices.length === 0) fail(`${f}.choices`, `'${f}.choices' must list at least one choice.`);
      if (choices.length > MAX_CHOICES) fail(`${f}.choices`, `'${f}.choices' may list at most ${MAX_CHOICES} choices.`);
      const values = new Set<string>();
      q.choices = choices.map((c, j) => {
        const cf = `${f}.choices[${j}]`;
        const co = objectAt(c, cf, ['actualValue', 'text', 'localizations']);
        const actualValue = stringAt(co.actualValue, `${cf}.actualValue`, { required: true })!;
        if (values.has(actualValue)) fail(`${cf}.actualValue`, `'${cf}.actualValue' '${actualValue}' is used by another choice.`);
        values.add(actualValue);
        return { actualValue, text: stringAt(co.text, `${cf}.text`) ?? actualValue, localizations: localizationsAt(co.localizations, `${cf}.localizations`) };
      });
      q.isMultipleSelectionAllowed = boolAt(o, 'isMultipleSelectionAllowed', f, false);
    } else {
      q.isSingleLineQuestion = boolAt(o, 'isSingleLineQuestion', f, true);
      const pattern = stringAt(o.regexPattern, `${f}.regexPattern`, { max: MAX_REGEX_LENGTH });
      if (pattern !== null && pattern !== '') {
        const error = answerPatternError(pattern);
        if (error) fail(`${f}.regexPattern`, `'${f}.regexPattern' is not a valid regular expression (RE2 syntax, matched in linear time: no back-references or look-around): ${error}`);
      }
      q.regexPattern = pattern === '' ? null : pattern;
    }
    return q;
  });
  return out.sort((a, b) => a.sequence - b.sequence);
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
  reviewSettings: {
    isEnabled: 'boolean', isRecommendationEnabled: 'boolean', isReviewerJustificationRequired: 'boolean', isSelfReview: 'boolean',
    schedule: { recurrence: { pattern: { interval: 'integer', month: 'integer', dayOfMonth: 'integer' }, range: { numberOfOccurrences: 'integer' } } },
    primaryReviewers: SUBJECT_SCALARS, fallbackReviewers: SUBJECT_SCALARS,
  },
};

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

  const targetKinds: readonly SubjectKind[] = scope === 'specificDirectoryUsers' ? ['singleUser', 'groupMembers']
    : scope === 'specificConnectedOrganizationUsers' ? ['connectedOrganizationMembers'] : [];
  const rawTargets = arrayAt(body.specificAllowedTargets, 'specificAllowedTargets');
  if (targetKinds.length === 0 && rawTargets.length > 0) {
    // still say so when it is the unsupported auto-assignment rule
    if (isObj(rawTargets[0]) && /attributerulemembers$/i.test(String(rawTargets[0]['@odata.type'] ?? ''))) {
      fail('specificAllowedTargets[0].@odata.type', 'Auto-assignment policies (attributeRuleMembers) are not supported by Latchkey.');
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

  const ars = body.automaticRequestSettings;
  if (ars !== undefined && ars !== null) {
    const o = objectAt(ars, 'automaticRequestSettings', ['requestAccessForAllowedTargets', 'removeAccessWhenTargetLeavesAllowedTargets', 'gracePeriodBeforeAccessRemoval']);
    if (o.requestAccessForAllowedTargets === true) fail('automaticRequestSettings.requestAccessForAllowedTargets', 'Auto-assignment policies are not supported by Latchkey.');
  }
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
  };
  return { settings, refs };
}
