// The Graph shapes My Access reads (only the properties it uses). Names follow Graph v1.0; the few
// Latchkey additions (stage deadlines, justification rule, decisions) are marked. The shapes the admin
// pages read too are in api/types.
import type { AccessPackageSummary, AssignmentBase, AssignmentRequestBase, Choice, ExpirationPattern, Localization } from '../api/types';

export type { ExpirationPattern, Localization } from '../api/types';

export type AccessPackage = AccessPackageSummary;

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


export interface AssignmentRequest extends AssignmentRequestBase {
  answers: Answer[];
  accessPackage?: AccessPackage | null;
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

export interface Assignment extends AssignmentBase {
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
