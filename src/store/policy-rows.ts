import {
  ALLOWED_TARGET_SCOPES, DEFAULT_EXPIRATION, DEFAULT_REQUESTOR, DEFAULT_SCOPE_LOSS, EXPIRATION_TYPES,
  type AllowedTargetScope, type AutomaticRequestSettings, type ScopeLossSettings, type ApprovalSettings, type ExpirationPattern, type Policy, type Question, type RequestorSettings, type SubjectSet,
} from '../domain/policy/types.js';
import { isObj, parseJsonOr } from '../domain/json.js';
import type { AssignmentPoliciesTable } from './schema.js';

// The stored form of an assignment policy: the row of assignmentPolicies and back. Settings are JSON
// columns; the rules for what they may hold are in domain/policy/validate.ts.

const DEFAULT_APPROVAL: ApprovalSettings = { isApprovalRequiredForAdd: false, isApprovalRequiredForUpdate: false, isRequestorJustificationRequired: false, stages: [] };

const parseJson = (text: string | null | undefined): unknown => parseJsonOr<unknown>(text, undefined);
const asArray = <X>(v: unknown): X[] => (Array.isArray(v) ? (v as X[]) : []);
const asBool = (v: unknown, d: boolean) => (typeof v === 'boolean' ? v : d);

/** Reads a stored policy. Rows are written validated, so defaults only cover columns added later or edited by hand. */
export function policyFromRow(row: AssignmentPoliciesTable): Policy {
  const rs = parseJson(row.requestorSettings);
  const ap = parseJson(row.requestApprovalSettings);
  const ex = parseJson(row.expiration);
  const ns = parseJson(row.notificationSettings);
  const ars = parseJson(row.automaticRequestSettings);
  const sl = parseJson(row.scopeLossSettings);
  const automaticRequestSettings: AutomaticRequestSettings | null = isObj(ars) && ars.requestAccessForAllowedTargets === true
    ? {
      requestAccessForAllowedTargets: true,
      removeAccessWhenTargetLeavesAllowedTargets: asBool(ars.removeAccessWhenTargetLeavesAllowedTargets, true),
      gracePeriodBeforeAccessRemoval: typeof ars.gracePeriodBeforeAccessRemoval === 'string' ? ars.gracePeriodBeforeAccessRemoval : null,
    }
    : null;
  const scopeLossSettings: ScopeLossSettings = isObj(sl)
    ? {
      removeAccess: asBool(sl.removeAccess, DEFAULT_SCOPE_LOSS.removeAccess),
      gracePeriodBeforeAccessRemoval: typeof sl.gracePeriodBeforeAccessRemoval === 'string' ? sl.gracePeriodBeforeAccessRemoval : DEFAULT_SCOPE_LOSS.gracePeriodBeforeAccessRemoval,
    }
    : { ...DEFAULT_SCOPE_LOSS };
  const scope = (ALLOWED_TARGET_SCOPES as readonly string[]).includes(row.allowedTargetScope) ? (row.allowedTargetScope as AllowedTargetScope) : 'notSpecified';
  const requestorSettings: RequestorSettings = { ...DEFAULT_REQUESTOR };
  if (isObj(rs)) {
    for (const k of Object.keys(DEFAULT_REQUESTOR) as (keyof RequestorSettings)[]) {
      if (k === 'onBehalfRequestors') requestorSettings.onBehalfRequestors = asArray<SubjectSet>(rs.onBehalfRequestors);
      else requestorSettings[k] = asBool(rs[k], DEFAULT_REQUESTOR[k]);
    }
  }
  const approval: ApprovalSettings = isObj(ap)
    ? {
      isApprovalRequiredForAdd: asBool(ap.isApprovalRequiredForAdd, false),
      isApprovalRequiredForUpdate: asBool(ap.isApprovalRequiredForUpdate, false),
      isRequestorJustificationRequired: asBool(ap.isRequestorJustificationRequired, false),
      stages: asArray<Record<string, unknown>>(ap.stages).filter(isObj).map((s) => ({
        durationBeforeAutomaticDenial: typeof s.durationBeforeAutomaticDenial === 'string' ? s.durationBeforeAutomaticDenial : 'P14D',
        durationBeforeEscalation: typeof s.durationBeforeEscalation === 'string' ? s.durationBeforeEscalation : 'PT0S',
        isApproverJustificationRequired: asBool(s.isApproverJustificationRequired, false),
        isEscalationEnabled: asBool(s.isEscalationEnabled, false),
        primaryApprovers: asArray<SubjectSet>(s.primaryApprovers),
        fallbackPrimaryApprovers: asArray<SubjectSet>(s.fallbackPrimaryApprovers),
        escalationApprovers: asArray<SubjectSet>(s.escalationApprovers),
        fallbackEscalationApprovers: asArray<SubjectSet>(s.fallbackEscalationApprovers),
        approvalsRequired: typeof s.approvalsRequired === 'number' && s.approvalsRequired >= 1 ? Math.floor(s.approvalsRequired) : 1,
      })),
    }
    : { ...DEFAULT_APPROVAL, stages: [] };
  const expiration: ExpirationPattern = isObj(ex) && (EXPIRATION_TYPES as readonly string[]).includes(String(ex.type))
    ? { type: ex.type as ExpirationPattern['type'], endDateTime: typeof ex.endDateTime === 'string' ? ex.endDateTime : null, duration: typeof ex.duration === 'string' ? ex.duration : null }
    : { ...DEFAULT_EXPIRATION };
  return {
    id: row.id,
    accessPackageId: row.accessPackageId,
    displayName: row.displayName,
    description: row.description,
    allowedTargetScope: scope,
    specificAllowedTargets: asArray<SubjectSet>(parseJson(row.specificAllowedTargets)),
    expiration,
    requestorSettings,
    requestApprovalSettings: approval,
    questions: asArray<Question>(parseJson(row.questions)).slice().sort((a, b) => a.sequence - b.sequence),
    notificationSettings: { isAssignmentNotificationDisabled: isObj(ns) ? asBool(ns.isAssignmentNotificationDisabled, false) : false },
    reviewSettings: parseJson(row.reviewSettings) ?? null,
    automaticRequestSettings,
    scopeLossSettings,
    createdAt: row.createdAt,
    modifiedAt: row.modifiedAt,
  };
}

/** The columns of a policy (inverse of policyFromRow). */
export function policyToRow(p: Policy): AssignmentPoliciesTable {
  return {
    id: p.id,
    accessPackageId: p.accessPackageId,
    displayName: p.displayName,
    description: p.description,
    allowedTargetScope: p.allowedTargetScope,
    specificAllowedTargets: JSON.stringify(p.specificAllowedTargets),
    expiration: JSON.stringify(p.expiration),
    requestorSettings: JSON.stringify(p.requestorSettings),
    requestApprovalSettings: JSON.stringify(p.requestApprovalSettings),
    reviewSettings: p.reviewSettings === null || p.reviewSettings === undefined ? null : JSON.stringify(p.reviewSettings),
    notificationSettings: JSON.stringify(p.notificationSettings),
    automaticRequestSettings: p.automaticRequestSettings ? JSON.stringify(p.automaticRequestSettings) : null,
    scopeLossSettings: JSON.stringify(p.scopeLossSettings),
    questions: JSON.stringify(p.questions),
    createdAt: p.createdAt,
    modifiedAt: p.modifiedAt,
  };
}
