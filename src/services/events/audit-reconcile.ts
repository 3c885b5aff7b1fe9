import type { AuditEntry } from '../../store/audit.js';
import type { ReconcileEvent, ReconciledRole } from './reconcile-types.js';

// The audit trail of reconciliation: drift repaired (and, for a repair the receiver accepted for later, its
// confirmation: done or failed), unmanaged access found and removed, each on the
// catalog resource whose role it concerns, with the role, the account and the run; and a resource's
// exclusive governance switched on or off.

const RESOURCE = 'accessPackageResource';

const about = (e: ReconciledRole) => [
  { displayName: 'resourceRoleId', oldValue: null, newValue: e.resourceRoleId },
  { displayName: 'role', oldValue: null, newValue: e.roleName },
  { displayName: 'accountId', oldValue: null, newValue: e.accountId },
  { displayName: 'account', oldValue: null, newValue: e.display },
  { displayName: 'connectionId', oldValue: null, newValue: e.connectionId },
  { displayName: 'reconciliationId', oldValue: null, newValue: e.reconciliationId },
];

export function reconcileAuditEntries(e: ReconcileEvent): AuditEntry[] {
  switch (e.type) {
    case 'driftRepaired':
      return [{
        activity: 'Reconciliation repaired missing access', targetType: RESOURCE, targetId: e.resourceId, targetDisplayName: e.resourceName,
        modifiedProperties: [
          ...about(e), { displayName: 'grantId', oldValue: null, newValue: e.grantId }, { displayName: 'userId', oldValue: null, newValue: e.userId },
          { displayName: 'deliveryId', oldValue: null, newValue: e.deliveryId },
          { displayName: 'awaitingConfirmation', oldValue: null, newValue: e.confirmationDueAt !== null },
          { displayName: 'confirmationDueDateTime', oldValue: null, newValue: e.confirmationDueAt },
        ],
      }];
    case 'driftRepairConfirmed':
      return [{
        activity: e.outcome === 'done' ? 'Reconciliation repair confirmed' : 'Reconciliation repair failed',
        targetType: RESOURCE, targetId: e.resourceId, targetDisplayName: e.resourceName,
        modifiedProperties: [
          ...about(e), { displayName: 'grantId', oldValue: null, newValue: e.grantId }, { displayName: 'userId', oldValue: null, newValue: e.userId },
          { displayName: 'deliveryId', oldValue: null, newValue: e.deliveryId }, { displayName: 'error', oldValue: null, newValue: e.error },
        ],
      }];
    case 'unmanagedAccessFound':
      return [{ activity: 'Reconciliation found unmanaged access', targetType: RESOURCE, targetId: e.resourceId, targetDisplayName: e.resourceName, modifiedProperties: about(e) }];
    case 'unmanagedAccessRemoved':
      return [{ activity: 'Reconciliation removed unmanaged access', targetType: RESOURCE, targetId: e.resourceId, targetDisplayName: e.resourceName, modifiedProperties: about(e) }];
    case 'resourceExclusiveChanged':
      return [{
        activity: 'Update resource governance', targetType: RESOURCE, targetId: e.resourceId, targetDisplayName: e.resourceName,
        modifiedProperties: [{ displayName: 'exclusive', oldValue: e.oldValue, newValue: e.newValue }, { displayName: 'catalogId', oldValue: null, newValue: e.catalogId }],
      }];
  }
}
