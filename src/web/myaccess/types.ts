// The Graph shapes My Access reads (only the properties it uses). Names follow Graph v1.0; the few
// Latchkey additions (stage deadlines, justification rule, decisions) are marked.

export interface AccessPackage {
  id: string;
  displayName: string;
  description: string | null;
  isHidden: boolean;
}

export interface ExpirationPattern {
  type: 'notSpecified' | 'noExpiration' | 'afterDateTime' | 'afterDuration';
  endDateTime?: string | null;
  duration?: string | null;
}

export interface Localization {
  languageCode: string;
  text: string;
}

export interface Choice {
  actualValue: string;
  text: string;
  localizations?: Localization[];
}

export interface Question {
  '@odata.type': string;
  id: string;
  sequence: number;
  isRequired: boolean;
  text: string;
  localizations?: Localization[];
  /** text questions */
  isSingleLineQuestion?: boolean;
  regexPattern?: string | null;
  /** multiple-choice questions */
  isMultipleSelectionAllowed?: boolean;
  choices?: Choice[];
}

export const MULTIPLE_CHOICE = '#microsoft.graph.accessPackageMultipleChoiceQuestion';

/** accessPackageAssignmentRequestRequirements: one per policy the person may request under. */
export interface Requirements {
  policyId: string;
  policyDisplayName: string;
  policyDescription: string | null;
  allowCustomAssignmentSchedule: boolean;
  isApprovalRequiredForAdd: boolean;
  isApprovalRequiredForUpdate: boolean;
  isRequestorJustificationRequired: boolean;
  schedule: { expiration: ExpirationPattern };
  questions: Question[];
}

export interface Answer {
  '@odata.type'?: string;
  value: string;
  displayValue: string;
  answeredQuestion: { id: string; text?: string; sequence?: number };
}

export interface Schedule {
  startDateTime: string | null;
  expiration: ExpirationPattern;
}

export interface Subject {
  objectId: string | null;
  displayName: string;
  email: string | null;
  principalName: string | null;
}

export interface AssignmentRequest {
  id: string;
  requestType: string;
  state: string;
  status: string;
  createdDateTime: string;
  completedDateTime: string | null;
  justification: string | null;
  schedule: Schedule;
  answers: Answer[];
  accessPackage?: AccessPackage | null;
  requestor?: Subject | null;
  target?: Subject | null;
  fulfillmentErrorCount?: number;
}

export interface Policy {
  id: string;
  displayName: string;
  description: string | null;
  expiration: ExpirationPattern;
  requestorSettings: {
    enableTargetsToSelfUpdateAccess: boolean;
    enableTargetsToSelfRemoveAccess: boolean;
    acceptRequests?: boolean;
  };
  requestApprovalSettings: {
    isApprovalRequiredForUpdate: boolean;
    isRequestorJustificationRequired: boolean;
    stages: unknown[];
  };
}

export interface Assignment {
  id: string;
  state: string;
  status: string;
  expiredDateTime: string | null;
  schedule: Schedule;
  accessPackage?: AccessPackage | null;
  assignmentPolicy?: Policy | null;
}

export interface ApprovalStage {
  id: string;
  displayName: string;
  assignedToMe: boolean;
  reviewResult: 'NotReviewed' | 'Approved' | 'Denied' | string;
  status: 'InProgress' | 'Initializing' | 'Completed' | 'Expired' | string;
  justification: string | null;
  reviewedBy: { id: string; displayName: string } | null;
  reviewedDateTime: string | null;
  /** Latchkey: the decision deadline */
  dueDateTime?: string | null;
  /** Latchkey: whether deciding this stage needs a justification */
  isApproverJustificationRequired?: boolean;
  escalated?: boolean;
}

export interface Approval {
  id: string;
  stages: ApprovalStage[];
}
