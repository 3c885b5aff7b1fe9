// Assignment policy shapes: who may request an access package, with what approval, questions and
// expiration, as Latchkey holds them. The rules live beside: graph.ts (Graph output), scope.ts (who
// may request), validate.ts (the Graph body); the stored shape is store/policy-rows.ts, beside the table.

import type { RuleSubject } from '../membership-rule.js';

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

export const EXPIRATION_TYPES = ['notSpecified', 'noExpiration', 'afterDateTime', 'afterDuration'] as const;

/** The OData type prefix of Graph subject sets and questions. */
export const T = '#microsoft.graph.';

export type SubjectSet =
  | { '@odata.type': '#microsoft.graph.singleUser'; userId: string; description?: string | null }
  | { '@odata.type': '#microsoft.graph.groupMembers'; groupId: string; description?: string | null }
  | { '@odata.type': '#microsoft.graph.connectedOrganizationMembers'; connectedOrganizationId: string; description?: string | null }
  | { '@odata.type': '#microsoft.graph.requestorManager'; managerLevel: 1 | 2 }
  | { '@odata.type': '#microsoft.graph.internalSponsors' }
  | { '@odata.type': '#microsoft.graph.externalSponsors' }
  | { '@odata.type': '#microsoft.graph.targetUserSponsors' }
  /** an auto-assignment policy's rule (membership-rule.ts); only in specificAllowedTargets, alone */
  | { '@odata.type': '#microsoft.graph.attributeRuleMembers'; membershipRule: string; description?: string | null };

export type SubjectKind = 'singleUser' | 'groupMembers' | 'connectedOrganizationMembers' | 'requestorManager' | 'internalSponsors' | 'externalSponsors' | 'targetUserSponsors'
  | 'attributeRuleMembers';
export const SUBJECT_KINDS: readonly SubjectKind[] = ['singleUser', 'groupMembers', 'connectedOrganizationMembers', 'requestorManager', 'internalSponsors', 'externalSponsors', 'targetUserSponsors'];

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

/** An auto-assignment policy's settings (Graph's accessPackageAutomaticRequestSettings). */
export interface AutomaticRequestSettings {
  /** people matching the rule get the package without asking */
  requestAccessForAllowedTargets: boolean;
  /** people who stop matching lose it, after gracePeriodBeforeAccessRemoval */
  removeAccessWhenTargetLeavesAllowedTargets: boolean;
  /** ISO-8601 duration; null or zero: at the worker's next cycle */
  gracePeriodBeforeAccessRemoval: string | null;
}

/**
 * Latchkey's setting (beyond the reference) for access requested or assigned under a policy whose holder
 * leaves its scope (left the group, the connected organization): removed after the grace period, with an
 * email at its start, or kept. Auto-assignment policies follow automaticRequestSettings instead.
 */
export interface ScopeLossSettings {
  removeAccess: boolean;
  /** ISO-8601 duration */
  gracePeriodBeforeAccessRemoval: string;
}
export const DEFAULT_SCOPE_LOSS: ScopeLossSettings = { removeAccess: true, gracePeriodBeforeAccessRemoval: 'P7D' };

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
  /** null: not an auto-assignment policy */
  automaticRequestSettings: AutomaticRequestSettings | null;
  scopeLossSettings: ScopeLossSettings;
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
  /** the user's attributes, for attributeRuleMembers rules; without them no rule matches */
  attributes?: RuleSubject;
}

/** Whether the policy gives its package automatically to the people its rule matches. */
export function isAutoAssignmentPolicy(p: Pick<Policy, 'automaticRequestSettings'>): boolean {
  return !!p.automaticRequestSettings?.requestAccessForAllowedTargets;
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

/** Whether the policy's expiration means "never" (notSpecified is treated as noExpiration). */
export function neverExpires(e: ExpirationPattern): boolean {
  return e.type === 'noExpiration' || e.type === 'notSpecified';
}

/** Ids a policy refers to; the service checks that each exists (inside its transaction). */
export interface PolicyReferences {
  users: { id: string; field: string }[];
  groups: { id: string; field: string }[];
  connectedOrganizations: { id: string; field: string }[];
}

export type PolicySettings = Omit<Policy, 'id' | 'accessPackageId' | 'createdAt' | 'modifiedAt'>;
