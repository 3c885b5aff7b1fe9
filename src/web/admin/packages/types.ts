// Graph shapes the access package pages read, as the API returns them (src/api/graph/*). Only the
// properties these pages use are listed; what My Access reads too is in api/types.
import type { AccessPackageSummary, AssignmentBase, AssignmentRequestBase, Choice, Localization, Subject as GraphSubject } from '../../api/types';

export interface Catalog {
  id: string;
  displayName: string;
  state?: string;
  isExternallyVisible?: boolean;
}

export interface AccessPackage extends AccessPackageSummary {
  createdDateTime: string;
  modifiedDateTime: string;
  catalog?: Catalog;
}

export interface Resource {
  id: string;
  displayName: string;
  description: string | null;
  originSystem: string;
  originId: string;
  roles?: ResourceRole[];
  scopes?: ResourceScope[];
}

export interface ResourceRole {
  id: string;
  displayName: string;
  description: string | null;
  originId: string;
  originSystem: string;
  resource?: Resource;
}

export interface ResourceScope {
  id: string;
  displayName: string;
  isRootScope: boolean;
  resource?: Resource;
}

export interface RoleScope {
  id: string;
  createdDateTime: string;
  role?: ResourceRole;
  scope?: ResourceScope;
}

/** subjectSet as stored in policies (@odata.type + the id of its kind). */
export interface SubjectSet {
  '@odata.type': string;
  userId?: string;
  groupId?: string;
  connectedOrganizationId?: string;
  managerLevel?: number;
  description?: string | null;
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
  approvalsRequired?: number;
}

export interface Question {
  '@odata.type': string;
  id?: string;
  sequence?: number;
  isRequired: boolean;
  isAnswerEditable?: boolean;
  text: string;
  isSingleLineQuestion?: boolean;
  regexPattern?: string | null;
  isMultipleSelectionAllowed?: boolean;
  choices?: Choice[];
  localizations?: Localization[];
}

export interface Policy {
  id: string;
  displayName: string;
  description: string | null;
  allowedTargetScope: string;
  specificAllowedTargets: SubjectSet[];
  expiration: { type: string; endDateTime: string | null; duration: string | null };
  requestorSettings: {
    enableTargetsToSelfAddAccess: boolean;
    enableTargetsToSelfUpdateAccess: boolean;
    enableTargetsToSelfRemoveAccess: boolean;
    allowCustomAssignmentSchedule: boolean;
    acceptRequests: boolean;
  };
  requestApprovalSettings: {
    isApprovalRequiredForAdd: boolean;
    isApprovalRequiredForUpdate: boolean;
    isRequestorJustificationRequired: boolean;
    stages: ApprovalStage[];
  };
  notificationSettings?: { isAssignmentNotificationDisabled: boolean };
  questions: Question[];
  createdDateTime: string;
  modifiedDateTime: string;
}

/** The subject of an assignment or request (target, requestor). */
export interface Subject extends GraphSubject {
  id: string;
}

export interface Assignment extends AssignmentBase {
  target?: Subject | null;
  assignmentPolicy?: { id: string; displayName: string } | null;
}

export interface FulfillmentError {
  resource: string;
  role: string;
  message: string;
  attempts: number;
  willRetryAt: string | null;
}

export interface AssignmentRequest extends AssignmentRequestBase {
  answers: { answeredQuestion?: { text?: string }; value?: string; displayValue?: string }[];
  fulfillmentErrors?: FulfillmentError[];
  target?: Subject | null;
  requestor?: Subject | null;
  assignment?: { id: string; state: string } | null;
}
