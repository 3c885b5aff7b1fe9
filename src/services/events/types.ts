import type { Decision } from '../../domain/approval.js';
import type { AssignmentRow } from '../../store/assignments.js';
import type { RequestRow } from '../../store/requests.js';
import type { CatalogEvent } from './catalog-types.js';
import type { DirectoryEvent } from './directory-types.js';
import type { ReconcileEvent } from './reconcile-types.js';

// What happened, one event per state change: in the lifecycle (below), in the entitlement configuration
// (catalog-types.ts), in the directory (directory-types.ts) and in reconciliation (reconcile-types.ts). Use cases publish them inside the
// transaction of the change (see bus.ts); the subscribers (audit.ts, mail.ts, and later webhooks and
// custom extensions) turn them into their records in the same transaction. An event carries what its
// subscribers need that the database would no longer tell them afterwards (the state before, the
// decision's justification); the rest they look up.

export type RemovalType = 'userRemove' | 'adminRemove' | 'systemRemove';

export type DomainEvent = LifecycleEvent | CatalogEvent | DirectoryEvent | ReconcileEvent;

/** What happened to a request or an assignment. */
export type LifecycleEvent =
  /** an add request was stored (userAdd or adminAdd) */
  | { type: 'requestSubmitted'; request: RequestRow; admin: boolean; packageName: string }
  /** an auto-assignment policy gave the package to a person its rule matches (a systemAdd request) */
  | { type: 'autoAssignmentRequested'; request: RequestRow; policyName: string; packageName: string }
  /** an add request needed no approval */
  | { type: 'requestAutoApproved'; requestId: string }
  /** an extension request was stored (userUpdate or adminUpdate with a schedule) */
  | { type: 'extensionRequested'; requestId: string; admin: boolean; oldEndAt: string | null; newEndAt: string | null }
  /** an administrator edited an assignment's answers */
  | { type: 'answersUpdated'; assignmentId: string; oldAnswers: string; newAnswers: string }
  /** an approval stage opened (index from 0) for these approvers */
  | { type: 'approvalStageOpened'; request: RequestRow; stageIndex: number; approvers: string[]; dueAt: string | null }
  /** an approver decided a stage (index from 0) */
  | { type: 'stageDecided'; requestId: string; stageIndex: number; decision: Decision; justification: string | null }
  /** a stage's outcome was a deny: the request is denied */
  | { type: 'requestDenied'; request: RequestRow; justification: string | null }
  /** the last stage was approved: the request proceeds */
  | { type: 'requestApproved'; request: RequestRow; justification: string | null }
  /** nobody decided before the stage's deadline; `request` is the row before, `next` its new state */
  | { type: 'approvalTimedOut'; request: RequestRow; next: { state: string; status: string } }
  /** the stage went to its escalation approvers (those not already approvers) */
  | { type: 'approvalEscalated'; request: RequestRow; approvers: string[]; dueAt: string | null }
  | { type: 'requestCanceled'; requestId: string; oldState: string }
  | { type: 'requestDeleted'; requestId: string }
  /** failed grants of a request (or every grant of an assignment) are tried again */
  | { type: 'requestReprocessed'; requestId: string }
  | { type: 'assignmentReprocessed'; assignmentId: string }
  /** the guest account of an external person was created for their approved request */
  | { type: 'guestCreated'; userId: string; email: string }
  /** an approved add request became an assignment, its grants waiting for delivery */
  | { type: 'assignmentStarted'; assignment: AssignmentRow }
  | { type: 'extensionApplied'; assignmentId: string; oldEndAt: string | null; newEndAt: string | null }
  /** an assignment ended (removed, given up, expired): its grants are being revoked */
  | { type: 'assignmentEnded'; assignmentId: string; requestType: RemovalType; justification?: string | null }
  /** the holder left the policy's scope: the assignment is removed at `dueAt` unless they come back before */
  | { type: 'assignmentRemovalScheduled'; assignment: AssignmentRow; dueAt: string; reason: string }
  /** the holder came back into the policy's scope before the removal was due */
  | { type: 'assignmentRemovalCanceled'; assignmentId: string; oldDueAt: string }
  /** an approver left (disabled or deleted): the stage passed to its fallback approvers */
  | { type: 'approverReplaced'; request: RequestRow; stageIndex: number; leaverId: string; approvers: string[]; dueAt: string | null }
  /** every grant of an ended assignment is revoked: its removal is complete */
  | { type: 'assignmentRemoved'; assignment: AssignmentRow }
  /** a request's delivery settled: delivered, or partially delivered or failed */
  | { type: 'requestFulfilled'; request: RequestRow; newState: string }
  | { type: 'deliveryFailed'; request: RequestRow; newState: string }
  /** an assignment ends within 14 days or 1 day (the reminder is marked sent) */
  | { type: 'assignmentExpiring'; assignment: AssignmentRow; days: 14 | 1 }
  /** a governed guest's last assignment ended: sign-in blocked, deleted at `deleteAfter` (null: kept) */
  | { type: 'guestBlocked'; userId: string; deleteAfter: string | null }
  | { type: 'guestDeleted'; userId: string; userPrincipalName: string };

export type DomainEventType = DomainEvent['type'];
