// What reconciliation found and did in a connection's target system, one event per change, published in
// the transaction that records the run's results (services/fulfilment/reconcile.ts); and the change of a
// resource's exclusive governance, which decides whether unmanaged holders are removed. An account is
// named by its id in the target and what to show of it: never anything the connection keeps secret.

export interface ReconciledRole {
  reconciliationId: string;
  connectionId: string;
  resourceId: string;
  resourceName: string;
  resourceRoleId: string;
  roleName: string;
  accountId: string;
  display: string;
}

export type ReconcileEvent =
  /**
   * a delivered grant was missing in the target and was granted again under deliveryId; confirmationDueAt
   * set: the target accepted it for later (a webhook's 202) and is to confirm it by then
   */
  | ({ type: 'driftRepaired'; grantId: string; userId: string; deliveryId: string; confirmationDueAt: string | null } & ReconciledRole)
  /** the receiver's confirmation of a repair it had accepted for later: done, or failed with its reason */
  | ({ type: 'driftRepairConfirmed'; grantId: string; userId: string; deliveryId: string; outcome: 'done' | 'failed'; error: string | null } & ReconciledRole)
  /** a holder of a governed role that no delivered grant explains, seen for the first time */
  | ({ type: 'unmanagedAccessFound' } & ReconciledRole)
  /** such a holder removed from the target, its resource being exclusively governed */
  | ({ type: 'unmanagedAccessRemoved' } & ReconciledRole)
  | { type: 'resourceExclusiveChanged'; resourceId: string; resourceName: string; catalogId: string; oldValue: boolean; newValue: boolean };

/** Every reconciliation event's type (checked complete by the compiler). */
const RECONCILE_EVENT_TYPES: Record<ReconcileEvent['type'], true> = {
  driftRepaired: true,
  driftRepairConfirmed: true,
  unmanagedAccessFound: true,
  unmanagedAccessRemoved: true,
  resourceExclusiveChanged: true,
};

export function isReconcileEvent(e: { type: string }): e is ReconcileEvent {
  return Object.hasOwn(RECONCILE_EVENT_TYPES, e.type);
}
