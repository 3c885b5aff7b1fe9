// The policy editor's form state, and the pure conversions between it and the Graph
// accessPackageAssignmentPolicy body (src/domain/policy/validate.ts validates the same rules on the server;
// checking them here first lets the form point at the field before anything is sent).

import { answerPatternError } from '../../../domain/answer-pattern';
import type { ApprovalStage, Policy, Question, SubjectSet } from './types';

const T = '#microsoft.graph.';

export type SubjectKind = 'singleUser' | 'groupMembers' | 'connectedOrganizationMembers' | 'requestorManager' | 'internalSponsors' | 'externalSponsors' | 'targetUserSponsors';

/** One entry of a subject list (who may request, approvers): what it is, and a name to show. */
export interface PickedSubject {
  kind: SubjectKind;
  id?: string;
  name: string;
  managerLevel?: 1 | 2;
  /** The subjectSet's own description as stored, written back unchanged (names shown are looked up). */
  description?: string;
}

export type Scope =
  | 'specificDirectoryUsers'
  | 'allMemberUsers'
  | 'allDirectoryUsers'
  | 'specificConnectedOrganizationUsers'
  | 'allConfiguredConnectedOrganizationUsers'
  | 'allExternalUsers'
  | 'notSpecified';

export const SCOPE_CHOICES: { value: Scope; group: 'in' | 'out' | 'none'; label: string; hint: string }[] = [
  { value: 'specificDirectoryUsers', group: 'in', label: 'Specific users and groups', hint: 'Only the users and members of the groups you pick.' },
  { value: 'allMemberUsers', group: 'in', label: 'All members (excluding guests)', hint: 'Every member user of the directory.' },
  { value: 'allDirectoryUsers', group: 'in', label: 'All users (including guests)', hint: 'Every user in the directory, guests included.' },
  { value: 'specificConnectedOrganizationUsers', group: 'out', label: 'Specific connected organizations', hint: 'People of the connected organizations you pick.' },
  { value: 'allConfiguredConnectedOrganizationUsers', group: 'out', label: 'All configured connected organizations', hint: 'People of every connected organization in the configured state.' },
  { value: 'allExternalUsers', group: 'out', label: 'All users (all connected organizations and any new external users)', hint: 'Anyone outside the directory.' },
  { value: 'notSpecified', group: 'none', label: 'None (administrator direct assignments only)', hint: 'Nobody requests; administrators assign people directly.' },
];

export interface StageForm {
  primary: PickedSubject[];
  fallback: PickedSubject[];
  denyAfterDays: string;
  approverJustification: boolean;
  approvalsRequired: string;
  escalationEnabled: boolean;
  escalateAfterHours: string;
  escalation: PickedSubject[];
  fallbackEscalation: PickedSubject[];
}

export interface QuestionForm {
  key: string;
  id?: string;
  kind: 'text' | 'choice';
  text: string;
  required: boolean;
  multiline: boolean;
  regexPattern: string;
  multipleSelection: boolean;
  choices: string[];
  /** The question as stored, for what the form does not edit (translations, actual values of choices, isAnswerEditable). */
  original?: Question;
}

export type ExpirationKind = 'noExpiration' | 'afterDateTime' | 'afterDays' | 'afterHours';

export interface PolicyForm {
  displayName: string;
  description: string;
  scope: Scope;
  targets: PickedSubject[];
  organizations: PickedSubject[];
  approvalRequired: boolean;
  requestorJustification: boolean;
  stages: StageForm[];
  questions: QuestionForm[];
  expiration: ExpirationKind;
  expirationDate: string;
  expirationAmount: string;
  allowExtension: boolean;
  extensionNeedsApproval: boolean;
  allowSelfRemove: boolean;
  allowCustomSchedule: boolean;
  enabled: boolean;
  notificationsDisabled: boolean;
  /**
   * Requestor settings the form does not edit (the on-behalf ones), sent back as they were: requestorSettings
   * is replaced as a whole on save, so leaving them out would turn them off.
   */
  otherRequestorSettings?: Record<string, unknown>;
}

export const MAX_STAGES = 3;

let keySeq = 0;
export const newKey = () => `q${++keySeq}`;

export function emptyStage(): StageForm {
  return {
    primary: [], fallback: [], denyAfterDays: '14', approverJustification: true, approvalsRequired: '1',
    escalationEnabled: false, escalateAfterHours: '48', escalation: [], fallbackEscalation: [],
  };
}

export function emptyQuestion(kind: 'text' | 'choice' = 'text'): QuestionForm {
  return { key: newKey(), kind, text: '', required: false, multiline: false, regexPattern: '', multipleSelection: false, choices: kind === 'choice' ? ['', ''] : [] };
}

export function emptyPolicyForm(): PolicyForm {
  return {
    displayName: '', description: '', scope: 'specificDirectoryUsers', targets: [], organizations: [],
    approvalRequired: false, requestorJustification: false, stages: [], questions: [],
    expiration: 'afterDays', expirationDate: '', expirationAmount: '365',
    allowExtension: false, extensionNeedsApproval: false, allowSelfRemove: true, allowCustomSchedule: false, enabled: true, notificationsDisabled: false,
  };
}

// ---------------------------------------------------------------- subjects

const kindOf = (s: SubjectSet): SubjectKind => s['@odata.type'].replace(/^#?microsoft\.graph\./i, '') as SubjectKind;

export function subjectLabel(kind: SubjectKind, managerLevel?: number): string {
  switch (kind) {
    case 'requestorManager': return managerLevel === 2 ? 'Second-level manager of the requestor' : 'Manager of the requestor';
    case 'internalSponsors': return 'Internal sponsors (of the connected organization)';
    case 'externalSponsors': return 'External sponsors (of the connected organization)';
    case 'targetUserSponsors': return 'Sponsors of the requestor';
    default: return kind;
  }
}

/** A stored subjectSet as a form entry; names of users, groups and organizations are looked up later. */
export function fromSubject(s: SubjectSet): PickedSubject {
  const kind = kindOf(s);
  const described = s.description ? { description: s.description } : {};
  if (kind === 'singleUser') return { kind, id: s.userId, name: s.description || '', ...described };
  if (kind === 'groupMembers') return { kind, id: s.groupId, name: s.description || '', ...described };
  if (kind === 'connectedOrganizationMembers') return { kind, id: s.connectedOrganizationId, name: s.description || '', ...described };
  if (kind === 'requestorManager') return { kind, name: subjectLabel(kind, s.managerLevel), managerLevel: s.managerLevel === 2 ? 2 : 1 };
  return { kind, name: subjectLabel(kind) };
}

export function toSubject(p: PickedSubject): SubjectSet {
  const type = `${T}${p.kind}`;
  const described = p.description ? { description: p.description } : {};
  switch (p.kind) {
    case 'singleUser': return { '@odata.type': type, userId: p.id, ...described };
    case 'groupMembers': return { '@odata.type': type, groupId: p.id, ...described };
    case 'connectedOrganizationMembers': return { '@odata.type': type, connectedOrganizationId: p.id, ...described };
    case 'requestorManager': return { '@odata.type': type, managerLevel: p.managerLevel ?? 1 };
    default: return { '@odata.type': type };
  }
}

export const needsFallback = (list: PickedSubject[]) => list.some((s) => s.kind !== 'singleUser' && s.kind !== 'groupMembers');

// ---------------------------------------------------------------- durations

/** 'P14D' → 14, 'PT36H' → 1.5; undefined when it is not a plain day or hour count. */
export function durationDays(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(iso.trim());
  if (!m) return undefined;
  const [, w, d, h, mi, s] = m.map((x) => (x ? Number(x) : 0));
  return w * 7 + d + h / 24 + mi / 1440 + s / 86400;
}

export function durationHours(iso: string | null | undefined): number | undefined {
  const d = durationDays(iso);
  return d === undefined ? undefined : Math.round(d * 24 * 1000) / 1000;
}

// ---------------------------------------------------------------- policy ⇄ form

/** The local calendar day (YYYY-MM-DD) of an instant: the form sends the end of that local day. */
function localDate(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function formFromPolicy(p: Policy): PolicyForm {
  const targets = p.specificAllowedTargets.map(fromSubject);
  const ap = p.requestApprovalSettings;
  const rs = p.requestorSettings;
  let expiration: ExpirationKind = 'noExpiration';
  let expirationAmount = '365';
  let expirationDate = '';
  if (p.expiration.type === 'afterDateTime' && p.expiration.endDateTime) {
    expiration = 'afterDateTime';
    expirationDate = localDate(p.expiration.endDateTime);
  } else if (p.expiration.type === 'afterDuration' && p.expiration.duration) {
    const iso = p.expiration.duration.toUpperCase();
    const days = durationDays(iso);
    // hours when given in hours, or when not a whole number of days (P1DT12H), which the days field cannot hold
    if ((iso.includes('T') && !/[DW]/.test(iso.split('T')[0])) || (days !== undefined && !Number.isInteger(days))) {
      expiration = 'afterHours';
      expirationAmount = String(durationHours(iso) ?? 1);
    } else {
      expiration = 'afterDays';
      expirationAmount = String(days ?? 1);
    }
  }
  const scope = (SCOPE_CHOICES.some((c) => c.value === p.allowedTargetScope) ? p.allowedTargetScope : 'notSpecified') as Scope;
  return {
    displayName: p.displayName,
    description: p.description ?? '',
    scope,
    targets: targets.filter((t) => t.kind !== 'connectedOrganizationMembers'),
    organizations: targets.filter((t) => t.kind === 'connectedOrganizationMembers'),
    approvalRequired: ap.isApprovalRequiredForAdd,
    requestorJustification: ap.isRequestorJustificationRequired,
    stages: ap.stages.map(stageFromGraph),
    questions: p.questions.map(questionFromGraph),
    expiration,
    expirationDate,
    expirationAmount,
    allowExtension: rs.enableTargetsToSelfUpdateAccess,
    extensionNeedsApproval: ap.isApprovalRequiredForUpdate,
    allowSelfRemove: rs.enableTargetsToSelfRemoveAccess,
    allowCustomSchedule: rs.allowCustomAssignmentSchedule,
    enabled: rs.acceptRequests,
    notificationsDisabled: p.notificationSettings?.isAssignmentNotificationDisabled ?? false,
    otherRequestorSettings: Object.fromEntries(Object.entries(rs).filter(([k]) => !FORM_REQUESTOR_SETTINGS.has(k))),
  };
}

/** The requestorSettings properties the form edits (bodyFromForm writes them). */
const FORM_REQUESTOR_SETTINGS = new Set([
  'enableTargetsToSelfAddAccess', 'enableTargetsToSelfUpdateAccess', 'enableTargetsToSelfRemoveAccess', 'allowCustomAssignmentSchedule', 'acceptRequests',
]);

function stageFromGraph(s: ApprovalStage): StageForm {
  return {
    primary: s.primaryApprovers.map(fromSubject),
    fallback: s.fallbackPrimaryApprovers.map(fromSubject),
    denyAfterDays: String(durationDays(s.durationBeforeAutomaticDenial) ?? 14),
    approverJustification: s.isApproverJustificationRequired,
    approvalsRequired: String(s.approvalsRequired ?? 1),
    escalationEnabled: s.isEscalationEnabled,
    escalateAfterHours: String(durationHours(s.durationBeforeEscalation) || 48),
    escalation: s.escalationApprovers.map(fromSubject),
    fallbackEscalation: s.fallbackEscalationApprovers.map(fromSubject),
  };
}

function questionFromGraph(q: Question): QuestionForm {
  const choice = /MultipleChoice/i.test(q['@odata.type']);
  return {
    key: newKey(),
    id: q.id,
    kind: choice ? 'choice' : 'text',
    text: q.text,
    required: q.isRequired,
    multiline: q.isSingleLineQuestion === false,
    regexPattern: q.regexPattern ?? '',
    multipleSelection: !!q.isMultipleSelectionAllowed,
    choices: (q.choices ?? []).map((c) => c.text || c.actualValue),
    original: q,
  };
}

/**
 * A question's body. What the form does not show is kept from the stored question: a choice whose text is
 * unchanged keeps its actual value (answers and reports use it, e.g. 'KE' for 'Kenya') and its translations,
 * and the question keeps its translations while its text is unchanged (a new text makes them wrong).
 */
function questionBody(q: QuestionForm, sequence: number): Record<string, unknown> {
  const o = q.original;
  const text = q.text.trim();
  const base = {
    id: q.id, sequence, isRequired: q.required, isAnswerEditable: o?.isAnswerEditable ?? true, text,
    ...(o?.localizations?.length && o.text.trim() === text ? { localizations: o.localizations } : {}),
  };
  if (q.kind === 'choice') {
    return {
      '@odata.type': `${T}accessPackageMultipleChoiceQuestion`, ...base, isMultipleSelectionAllowed: q.multipleSelection,
      choices: q.choices.map((c) => c.trim()).filter(Boolean).map((c) => {
        const was = o?.choices?.find((x) => (x.text || x.actualValue).trim() === c);
        if (!was) return { actualValue: c, text: c };
        return { actualValue: was.actualValue, text: c, ...(was.localizations?.length ? { localizations: was.localizations } : {}) };
      }),
    };
  }
  return { '@odata.type': `${T}accessPackageTextInputQuestion`, ...base, isSingleLineQuestion: !q.multiline, regexPattern: q.regexPattern.trim() || null };
}

/** Whether approval stages apply: approval of new requests, or of extensions. */
export const stagesApply = (f: PolicyForm) => (f.scope !== 'notSpecified' && f.approvalRequired) || (extensible(f) && f.extensionNeedsApproval);

/** Extension only means something for access that ends. */
export const extensible = (f: PolicyForm) => f.allowExtension && f.expiration !== 'noExpiration';

/** The Graph body for POST (with accessPackage) or PATCH. */
export function bodyFromForm(f: PolicyForm): Record<string, unknown> {
  const requests = f.scope !== 'notSpecified';
  const stages = stagesApply(f) ? f.stages : [];
  let expiration: Record<string, unknown>;
  if (f.expiration === 'afterDateTime') expiration = { type: 'afterDateTime', endDateTime: new Date(`${f.expirationDate}T23:59:59`).toISOString() };
  else if (f.expiration === 'afterDays') expiration = { type: 'afterDuration', duration: `P${Number(f.expirationAmount)}D` };
  else if (f.expiration === 'afterHours') expiration = { type: 'afterDuration', duration: `PT${Number(f.expirationAmount)}H` };
  else expiration = { type: 'noExpiration' };
  const targets = f.scope === 'specificDirectoryUsers' ? f.targets : f.scope === 'specificConnectedOrganizationUsers' ? f.organizations : [];
  return {
    displayName: f.displayName.trim(),
    description: f.description.trim() || null,
    allowedTargetScope: f.scope,
    specificAllowedTargets: targets.map(toSubject),
    expiration,
    requestorSettings: {
      ...f.otherRequestorSettings,
      enableTargetsToSelfAddAccess: requests,
      enableTargetsToSelfUpdateAccess: extensible(f),
      enableTargetsToSelfRemoveAccess: requests && f.allowSelfRemove,
      allowCustomAssignmentSchedule: requests && f.allowCustomSchedule,
      acceptRequests: f.enabled,
    },
    requestApprovalSettings: {
      isApprovalRequiredForAdd: requests && f.approvalRequired && stages.length > 0,
      isApprovalRequiredForUpdate: extensible(f) && f.extensionNeedsApproval && stages.length > 0,
      isRequestorJustificationRequired: requests && f.requestorJustification,
      stages: stages.map((s) => ({
        durationBeforeAutomaticDenial: `P${Number(s.denyAfterDays)}D`,
        isApproverJustificationRequired: s.approverJustification,
        isEscalationEnabled: s.escalationEnabled,
        durationBeforeEscalation: s.escalationEnabled ? `PT${Number(s.escalateAfterHours)}H` : 'PT0S',
        primaryApprovers: s.primary.map(toSubject),
        fallbackPrimaryApprovers: s.fallback.map(toSubject),
        escalationApprovers: s.escalationEnabled ? s.escalation.map(toSubject) : [],
        fallbackEscalationApprovers: s.escalationEnabled ? s.fallbackEscalation.map(toSubject) : [],
        approvalsRequired: Number(s.approvalsRequired) || 1,
      })),
    },
    questions: requests ? f.questions.map((q, i) => questionBody(q, i + 1)) : [],
    notificationSettings: { isAssignmentNotificationDisabled: f.notificationsDisabled },
  };
}

// ---------------------------------------------------------------- validation

const wholeNumber = (s: string, min: number, max: number) => /^\d+$/.test(s.trim()) && Number(s) >= min && Number(s) <= max;

/** Field path → message, for every problem the server would also refuse (and a few it would accept but are surely mistakes). */
export function validatePolicyForm(f: PolicyForm, today = new Date()): Record<string, string> {
  const e: Record<string, string> = {};
  if (!f.displayName.trim()) e.displayName = 'Give the policy a name.';
  if (f.scope === 'specificDirectoryUsers' && f.targets.length === 0) e.targets = 'Pick at least one user or group who may request.';
  if (f.scope === 'specificConnectedOrganizationUsers' && f.organizations.length === 0) e.organizations = 'Pick at least one connected organization.';
  if (stagesApply(f)) {
    if (f.stages.length === 0) e.stages = 'Add at least one approval stage, or turn approval off.';
    f.stages.forEach((s, i) => {
      const at = `stages.${i}`;
      if (s.primary.length === 0 && s.fallback.length === 0) e[`${at}.primary`] = `Stage ${i + 1} needs at least one approver.`;
      if (needsFallback(s.primary) && s.fallback.length === 0) e[`${at}.fallback`] = `Stage ${i + 1} uses a manager or sponsors: name fallback approvers for when none can be found.`;
      if (!wholeNumber(s.denyAfterDays, 1, 90)) e[`${at}.denyAfterDays`] = 'A whole number of days from 1 to 90.';
      if (!wholeNumber(s.approvalsRequired, 1, 100)) e[`${at}.approvalsRequired`] = 'A whole number, at least 1.';
      else {
        const people = [...s.primary, ...s.fallback];
        if (people.length > 0 && people.every((p) => p.kind === 'singleUser') && Number(s.approvalsRequired) > new Set(people.map((p) => p.id)).size) {
          e[`${at}.approvalsRequired`] = `Stage ${i + 1} names only ${new Set(people.map((p) => p.id)).size} approver(s).`;
        }
      }
      if (s.escalationEnabled) {
        if (s.escalation.length === 0) e[`${at}.escalation`] = 'Name at least one escalation approver, or turn escalation off.';
        if (needsFallback(s.escalation) && s.fallbackEscalation.length === 0) e[`${at}.fallbackEscalation`] = 'A manager or sponsors escalate: name fallback escalation approvers.';
        if (!wholeNumber(s.escalateAfterHours, 1, 90 * 24)) e[`${at}.escalateAfterHours`] = 'A whole number of hours.';
        else if (wholeNumber(s.denyAfterDays, 1, 90) && Number(s.escalateAfterHours) >= Number(s.denyAfterDays) * 24) {
          e[`${at}.escalateAfterHours`] = `Escalate before the decision deadline (${Number(s.denyAfterDays) * 24} hours).`;
        }
      }
    });
  }
  f.questions.forEach((q, i) => {
    if (f.scope === 'notSpecified') return;
    if (!q.text.trim()) e[`questions.${i}.text`] = `Question ${i + 1} has no text.`;
    if (q.kind === 'choice') {
      const choices = q.choices.map((c) => c.trim()).filter(Boolean);
      if (choices.length === 0) e[`questions.${i}.choices`] = 'Give at least one choice.';
      else if (new Set(choices).size !== choices.length) e[`questions.${i}.choices`] = 'Two choices are the same.';
    } else if (q.regexPattern.trim()) {
      const error = answerPatternError(q.regexPattern.trim());
      if (error) e[`questions.${i}.regexPattern`] = `This is not a regular expression answers can be checked against (no look-around or back-references): ${error}.`;
    }
  });
  if (f.expiration === 'afterDateTime') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(f.expirationDate)) e.expirationDate = 'Choose the date access ends.';
    else if (new Date(`${f.expirationDate}T23:59:59`).getTime() <= today.getTime()) e.expirationDate = 'The date must be in the future.';
  }
  if (f.expiration === 'afterDays' && !wholeNumber(f.expirationAmount, 1, 3660)) e.expirationAmount = 'A whole number of days from 1 to 3660.';
  if (f.expiration === 'afterHours' && !wholeNumber(f.expirationAmount, 1, 3660 * 24)) e.expirationAmount = 'A whole number of hours, at least 1.';
  return e;
}
