import { parseJsonOr } from '../../domain/json.js';

// The worker jobs of fulfilment, and what their payloads carry.

export const JOB_FULFIL = 'fulfil';
export const JOB_REVOKE = 'revoke';

/** The revocation job for one assignment, or for a batch of them that one transaction ended. */
export function revokePayload(assignmentIds: readonly string[]): { assignmentId: string } | { assignmentIds: string[] } {
  return assignmentIds.length === 1 ? { assignmentId: assignmentIds[0] } : { assignmentIds: [...assignmentIds] };
}

/**
 * Assignments per revocation job. A job calls the connectors grant by grant, and a remote system may take a
 * fraction of a second a call: small jobs finish well inside their lease, and the worker's lanes run several
 * at once, as they did with one job per assignment.
 */
export const REVOKE_JOB_SIZE = 50;

/** The assignments a job is about: one (fulfil, revoke) or a batch (revoke, see endAssignments). */
export function jobAssignmentIds(payload: string): string[] {
  const p = parseJsonOr<{ assignmentId?: unknown; assignmentIds?: unknown }>(payload, {});
  if (Array.isArray(p.assignmentIds)) return p.assignmentIds.filter((id): id is string => typeof id === 'string');
  return typeof p.assignmentId === 'string' ? [p.assignmentId] : [];
}

/** One reconciliation run of a connection; the payload is `{ reconciliationId }`. */
export const JOB_RECONCILE = 'reconcile';

/** The run a reconcile job is about. */
export function jobReconciliationId(payload: string): string | undefined {
  const p = parseJsonOr<{ reconciliationId?: unknown }>(payload, {});
  return typeof p.reconciliationId === 'string' ? p.reconciliationId : undefined;
}
