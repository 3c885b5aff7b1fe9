import { auditRows, insertAuditRows, type AuditEntry, type AuditRow } from '../../store/audit.js';
import type { Tx } from '../../store/db.js';
import type { DomainEvent, LifecycleEvent } from './types.js';
import type { Subscriber } from './bus.js';
import { catalogAuditEntries } from './audit-catalog.js';
import { isCatalogEvent } from './catalog-types.js';
import { directoryAuditEntries } from './audit-directory.js';
import { isDirectoryEvent } from './directory-types.js';
import { reconcileAuditEntries } from './audit-reconcile.js';
import { isReconcileEvent } from './reconcile-types.js';

// The audit trail: each event becomes the audit record it has always been (activity strings and
// properties as the reference's audit log names them); the lifecycle's here, the configuration's in
// audit-catalog.ts, the directory's in audit-directory.ts. The actor and time are the publisher's.

const REQUEST = 'accessPackageAssignmentRequest';
const ASSIGNMENT = 'accessPackageAssignment';

/** The audit records of one event (none for events that are not audited, such as reminders). */
export function auditEntries(e: DomainEvent): AuditEntry[] {
  if (isCatalogEvent(e)) return catalogAuditEntries(e);
  if (isDirectoryEvent(e)) return directoryAuditEntries(e);
  if (isReconcileEvent(e)) return reconcileAuditEntries(e);
  return lifecycleAuditEntries(e);
}

/** The audit records of one lifecycle event. */
function lifecycleAuditEntries(e: LifecycleEvent): AuditEntry[] {
  switch (e.type) {
    case 'requestSubmitted':
      return [{
        activity: e.admin ? 'Administrator directly assigns user to access package' : 'User requests access package assignment',
        targetType: REQUEST, targetId: e.request.id, targetDisplayName: e.packageName,
        modifiedProperties: [
          { displayName: 'accessPackageId', oldValue: null, newValue: e.request.accessPackageId },
          { displayName: 'targetId', oldValue: null, newValue: e.request.targetId ?? e.request.targetEmail },
        ],
      }];
    case 'autoAssignmentRequested':
      return [{
        activity: 'Auto-assignment policy assigns user to access package', targetType: REQUEST, targetId: e.request.id, targetDisplayName: e.packageName,
        modifiedProperties: [
          { displayName: 'accessPackageId', oldValue: null, newValue: e.request.accessPackageId },
          { displayName: 'targetId', oldValue: null, newValue: e.request.targetId },
          { displayName: 'policy', oldValue: null, newValue: e.policyName },
        ],
      }];
    case 'assignmentRemovalScheduled':
      return [{
        activity: 'Schedule access package assignment removal (holder out of policy scope)', targetType: ASSIGNMENT, targetId: e.assignment.id,
        modifiedProperties: [{ displayName: 'removalDueDateTime', oldValue: null, newValue: e.dueAt }, { displayName: 'reason', oldValue: null, newValue: e.reason }],
      }];
    case 'assignmentRemovalCanceled':
      return [{
        activity: 'Cancel scheduled access package assignment removal (holder back in policy scope)', targetType: ASSIGNMENT, targetId: e.assignmentId,
        modifiedProperties: [{ displayName: 'removalDueDateTime', oldValue: e.oldDueAt, newValue: null }],
      }];
    case 'approverReplaced':
      return [{
        activity: 'Add approver to request approval', targetType: REQUEST, targetId: e.request.id,
        modifiedProperties: [
          { displayName: 'stage', oldValue: null, newValue: e.stageIndex + 1 },
          { displayName: 'removedApprover', oldValue: e.leaverId, newValue: null },
          { displayName: 'fallbackApprovers', oldValue: null, newValue: e.approvers },
        ],
      }];
    case 'requestAutoApproved':
      return [{ activity: 'Auto approve access package assignment request', targetType: REQUEST, targetId: e.requestId }];
    case 'extensionRequested':
      return [{
        activity: e.admin ? 'Administrator extends access package assignment' : 'User requests access package assignment extension',
        targetType: REQUEST, targetId: e.requestId,
        modifiedProperties: [{ displayName: 'endDateTime', oldValue: e.oldEndAt, newValue: e.newEndAt }],
      }];
    case 'answersUpdated':
      return [{
        activity: 'Update access package assignment answers', targetType: ASSIGNMENT, targetId: e.assignmentId,
        modifiedProperties: [{ displayName: 'answers', oldValue: e.oldAnswers, newValue: e.newAnswers }],
      }];
    case 'approvalStageOpened':
      return [{
        activity: 'Create request approval', targetType: REQUEST, targetId: e.request.id,
        modifiedProperties: [{ displayName: 'stage', oldValue: null, newValue: e.stageIndex + 1 }, { displayName: 'approvers', oldValue: null, newValue: e.approvers }],
      }];
    case 'stageDecided':
      return [{
        activity: e.decision === 'Approve' ? 'Approve access package assignment request' : 'Deny access package assignment request',
        targetType: REQUEST, targetId: e.requestId,
        modifiedProperties: [{ displayName: 'stage', oldValue: null, newValue: e.stageIndex + 1 }, { displayName: 'justification', oldValue: null, newValue: e.justification }],
      }];
    case 'approvalTimedOut':
      return [{
        activity: 'Access package assignment request timed out (no approver action taken)', targetType: REQUEST, targetId: e.request.id,
        result: 'failure', modifiedProperties: [{ displayName: 'state', oldValue: e.request.state, newValue: e.next.state }, { displayName: 'status', oldValue: e.request.status, newValue: e.next.status }],
      }];
    case 'approvalEscalated':
      return [{
        activity: 'Add approver to request approval', targetType: REQUEST, targetId: e.request.id,
        modifiedProperties: [{ displayName: 'escalationApprovers', oldValue: null, newValue: e.approvers }],
      }];
    case 'requestCanceled':
      return [{
        activity: 'Cancel access package assignment request', targetType: REQUEST, targetId: e.requestId,
        modifiedProperties: [{ displayName: 'state', oldValue: e.oldState, newValue: 'canceled' }],
      }];
    case 'requestDeleted':
      return [{ activity: 'Delete access package assignment request', targetType: REQUEST, targetId: e.requestId }];
    case 'requestReprocessed':
      return [{ activity: 'Reprocess access package assignment request', targetType: REQUEST, targetId: e.requestId }];
    case 'assignmentReprocessed':
      return [{ activity: 'Reprocess access package assignment', targetType: ASSIGNMENT, targetId: e.assignmentId }];
    case 'guestCreated':
      return [{ activity: 'Add external user', category: 'UserManagement', targetType: 'user', targetId: e.userId, targetDisplayName: e.email }];
    case 'assignmentStarted':
      return [{
        activity: 'Ready to fulfill access package assignment request', targetType: ASSIGNMENT, targetId: e.assignment.id,
        modifiedProperties: [{ displayName: 'schedule', oldValue: null, newValue: { startDateTime: e.assignment.startAt, endDateTime: e.assignment.endAt } }],
      }];
    case 'extensionApplied':
      return [{
        activity: 'Extend access package assignment', targetType: ASSIGNMENT, targetId: e.assignmentId,
        modifiedProperties: [{ displayName: 'endDateTime', oldValue: e.oldEndAt, newValue: e.newEndAt }],
      }];
    case 'assignmentEnded':
      return [{
        // a system removal with a justification is joiner/mover/leaver's (services/identity/), without one an expiry
        activity: e.requestType !== 'systemRemove' ? 'Remove access package assignment request'
          : e.justification ? 'System removes access package assignment' : 'Access package assignment expired',
        targetType: ASSIGNMENT, targetId: e.assignmentId,
        modifiedProperties: [
          { displayName: 'requestType', oldValue: null, newValue: e.requestType },
          ...(e.requestType === 'systemRemove' && e.justification ? [{ displayName: 'justification', oldValue: null, newValue: e.justification }] : []),
        ],
      }];
    case 'assignmentRemoved':
      return [{
        activity: 'Remove access package assignment', targetType: ASSIGNMENT, targetId: e.assignment.id,
        modifiedProperties: [{ displayName: 'state', oldValue: 'delivered', newValue: 'expired' }],
      }];
    case 'requestFulfilled':
    case 'deliveryFailed': {
      const delivered = e.type === 'requestFulfilled';
      return [{
        activity: delivered ? 'Fulfill access package assignment' : 'Access package assignment delivery failed',
        targetType: REQUEST, targetId: e.request.id, result: delivered ? 'success' : 'failure',
        modifiedProperties: [{ displayName: 'state', oldValue: e.request.state, newValue: e.newState }],
      }];
    }
    case 'guestBlocked':
      return [{
        activity: 'Block external user', category: 'UserManagement', targetType: 'user', targetId: e.userId,
        modifiedProperties: [{ displayName: 'accountEnabled', oldValue: true, newValue: false }, { displayName: 'deleteAfter', oldValue: null, newValue: e.deleteAfter }],
      }];
    case 'guestDeleted':
      return [{ activity: 'Delete external user', category: 'UserManagement', targetType: 'user', targetId: e.userId, targetDisplayName: e.userPrincipalName }];
    case 'requestDenied':
    case 'requestApproved':
    case 'assignmentExpiring':
      // told by mail; the decision that caused a deny or approval has its own record (stageDecided)
      return [];
  }
}

/**
 * Writes the events' audit records. In a transaction of the bus, the records of all its publish calls
 * (a submission's request, approval and auto-approval, say) are inserted together just before the commit,
 * in as few statements as the parameter limits allow; in any other transaction at once.
 */
export function auditSubscriber(): Subscriber {
  const pending = new WeakMap<Tx, AuditRow[]>();
  return async (tx, events, ctx) => {
    const rows = auditRows(ctx.audit, events.flatMap(auditEntries));
    if (rows.length === 0) return;
    const gathered = pending.get(tx);
    if (gathered) {
      gathered.push(...rows);
      return;
    }
    const flush = async (): Promise<void> => {
      const all = pending.get(tx) ?? [];
      pending.delete(tx);
      await insertAuditRows(tx, all);
    };
    if (ctx.beforeCommit(flush)) pending.set(tx, rows);
    else await insertAuditRows(tx, rows);
  };
}
