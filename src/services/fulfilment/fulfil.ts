import { isoNow } from '../../domain/clock.js';
import { ConnectorError } from '../../connectors/types.js';
import { newId } from '../../domain/ids.js';
import {
  ACTIVE_ASSIGNMENT_STATES, deliveryOutcome, transitionRequest, type GrantState, type RequestState,
} from '../../domain/request-lifecycle.js';
import type { Tx } from '../../store/db.js';
import { holdRow } from '../../store/locks.js';
import { backoffMs } from '../../domain/backoff.js';
import { MAX_CONNECTED_GRANT_ATTEMPTS, MAX_GRANT_ATTEMPTS, type LifecycleDeps } from '../lifecycle/common.js';
import { prefetchAccounts, type KnownAccounts } from './accounts.js';
import { deliverToConnection, grantDeliveryKey, regrantSuffix } from './connected.js';
import { JOB_FULFIL, JOB_REVOKE } from './jobs.js';
import { findAssignment, listActiveAssignmentsOfPackage, setAssignmentState } from '../../store/assignments.js';
import { findGrantProgress, insertGrants, listGrantStates, listGrantWork, markRoleGrantsRevoking, resetGrants, updateGrant, type GrantWork } from '../../store/grants.js';
import { listRoleScopesOfPackage } from '../../store/packages.js';
import { listRequestsDelivering, updateRequest } from '../../store/requests.js';
import { pool } from '../../domain/pool.js';


// Delivery: an assignment's grants are carried out through the connector of each resource (a built-in
// one, or the connection the resource lives in: connected.ts), outside any transaction (a connector may
// be a remote system), and their results recorded afterwards. Connectors are idempotent, so a crash
// between the call and the record is repaired by simply running the job again.

/** Creates one pending grant per resource role of the package and queues delivery, inside the caller's transaction. */
export async function createGrants(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, assignment: { id: string; accessPackageId: string; targetId: string; requestId: string | null }): Promise<void> {
  const at = isoNow(deps.clock);
  const roleScopes = await listRoleScopesOfPackage(tx, assignment.accessPackageId);
  await insertGrants(tx, roleScopes.map((rs) => ({
    id: newId(), assignmentId: assignment.id, resourceRoleId: rs.roleId, resourceScopeId: rs.scopeId, targetId: assignment.targetId,
    state: 'pending', attempts: 0, lastError: null, nextAttemptAt: null, deliveredAt: null, revokedAt: null, createdAt: at, modifiedAt: at,
    requestId: assignment.requestId, deliveryId: null, confirmationDueAt: null,
  })));
  await deps.events.enqueue(tx, JOB_FULFIL, { assignmentId: assignment.id });
}

type Result = { grant: GrantWork; error: string | null; retryable: boolean; retryAfterMs?: number; confirmationDueAt?: string | null };

/**
 * Assignments whose deliveries run at once in one fulfilment batch. Each assignment's grants still go
 * one after the other; a connection's own concurrency limit queues what exceeds it.
 */
const FULFIL_PARALLEL = 16;

/**
 * Worker: delivers the due pending grants of these assignments and records the outcomes in one
 * transaction. One batch rather than one job at a time because the database waits are what a delivery
 * into a fast target costs most (on SQLite every statement queues behind the API's transactions on the
 * one connection): one read of the grants, the target calls side by side, one write of the results.
 */
export async function fulfilAssignments(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'connectors' | 'connectionTargets' | 'events'>, assignmentIds: readonly string[]): Promise<void> {
  const ids = [...new Set(assignmentIds)].sort();
  if (ids.length === 0) return;
  const now = deps.clock.now().toISOString();
  // grants waiting out a retry backoff are left for the job queued at their retry time; those a target
  // accepted for later wait for its confirmation (or its due time), not for another delivery
  const due = (await listGrantWork(deps.db, ids, 'pending')).filter((g) => !g.confirmationDueAt && (!g.nextAttemptAt || g.nextAttemptAt <= now));
  const byAssignment = new Map<string, GrantWork[]>();
  for (const g of due) {
    const grants = byAssignment.get(g.assignmentId);
    if (grants) grants.push(g);
    else byAssignment.set(g.assignmentId, [g]);
  }
  const accounts = await prefetchAccounts(deps.db, due);
  const results = new Map<string, Result[]>();
  await pool([...byAssignment], FULFIL_PARALLEL, async ([assignmentId, grants]) => {
    const done: Result[] = [];
    for (const grant of grants) done.push(await deliver(deps, grant, accounts));
    results.set(assignmentId, done);
  });
  await deps.events.transaction(async (tx) => {
    for (const id of ids) await recordDelivery(tx, deps, id, results.get(id) ?? []);
  });
}

async function deliver(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'connectors' | 'connectionTargets'>, grant: GrantWork, accounts: KnownAccounts): Promise<Result> {
  try {
    if (grant.connectionId) {
      const { confirmationDueAt } = await deliverToConnection(deps, { ...grant, connectionId: grant.connectionId }, 'grant', accounts);
      return { grant, error: null, retryable: false, confirmationDueAt };
    }
    const connector = deps.connectors.get(grant.originSystem);
    await connector.grant({ objectId: grant.targetId }, { originId: grant.roleOriginId, resourceOriginId: grant.resourceOriginId },
      { originId: grant.scopeOriginId, isRootScope: !!grant.isRootScope });
    return { grant, error: null, retryable: false };
  } catch (e) {
    const retryable = e instanceof ConnectorError ? e.retryable : true;
    const retryAfterMs = e instanceof ConnectorError ? e.retryAfterMs : undefined;
    return { grant, error: (e as Error).message || String(e), retryable, retryAfterMs };
  }
}

/** Records one assignment's delivery results inside the batch's transaction and settles the assignment. */
async function recordDelivery(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, assignmentId: string, results: Result[]): Promise<void> {
  const { clock } = deps;
  await holdRow(tx, 'assignments', assignmentId);
  const assignment = await findAssignment(tx, assignmentId);
  if (!assignment) return;
  const at = isoNow(deps.clock);
  const retries: string[] = [];
  for (const r of results) {
    // the assignment may have ended while the connector was called: its grants are being revoked now
    const current = await findGrantProgress(tx, r.grant.id);
    if (!current || current.state !== 'pending') continue;
    const attempts = current.attempts + 1;
    const limit = r.grant.connectionId ? MAX_CONNECTED_GRANT_ATTEMPTS : MAX_GRANT_ATTEMPTS;
    if (r.error === null && r.confirmationDueAt) {
      // accepted for later: pending until the receiver confirms (confirm.ts) or the due time passes
      await updateGrant(tx, r.grant.id, {
        attempts, lastError: null, nextAttemptAt: null, deliveryId: grantDeliveryKey(r.grant), confirmationDueAt: r.confirmationDueAt, modifiedAt: at,
      });
    } else if (r.error === null) {
      await updateGrant(tx, r.grant.id, { state: 'delivered', attempts, lastError: null, nextAttemptAt: null, deliveredAt: at, modifiedAt: at });
    } else if (r.retryable && attempts < limit) {
      // a target that said how long to wait (Retry-After) is not asked sooner
      const retryAt = new Date(clock.now().getTime() + Math.max(backoffMs(attempts), r.retryAfterMs ?? 0)).toISOString();
      retries.push(retryAt);
      await updateGrant(tx, r.grant.id, { attempts, lastError: r.error, nextAttemptAt: retryAt, modifiedAt: at });
    } else {
      await updateGrant(tx, r.grant.id, { state: 'failed', attempts, lastError: r.error, nextAttemptAt: null, modifiedAt: at });
    }
  }
  if (retries.length > 0) {
    const runAt = retries.sort()[0];
    await deps.events.enqueue(tx, JOB_FULFIL, { assignmentId }, { runAt, dedupeKey: `fulfil:${assignmentId}:${runAt}` });
  }
  await settleAssignment(tx, deps, assignment);
}

/** An active assignment's state follows its grants; once delivery is over, so do the requests delivering it. The caller holds its row lock. */
export async function settleAssignment(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, assignment: { id: string; state: string }): Promise<void> {
  if (!ACTIVE_ASSIGNMENT_STATES.includes(assignment.state as never)) return;
  const outcome = deliveryOutcome((await listGrantStates(tx, assignment.id)) as { state: GrantState }[]);
  if (outcome !== assignment.state) await setAssignmentState(tx, assignment.id, outcome, isoNow(deps.clock));
  if (outcome !== 'delivering') await settleRequests(tx, deps, assignment.id, outcome);
}

/** Moves the requests that are delivering this assignment to the delivery outcome (the requestFulfilled event tells the holder). */
export async function settleRequests(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, assignmentId: string, outcome: 'delivered' | 'partiallyDelivered' | 'deliveryFailed'): Promise<void> {
  const at = isoNow(deps.clock);
  const requests = await listRequestsDelivering(tx, assignmentId);
  for (const r of requests) {
    if (r.state === outcome) continue;
    const next = transitionRequest(r.state as RequestState, outcome);
    await updateRequest(tx, r.id, { state: next.state, status: next.status, modifiedAt: at, completedAt: outcome === 'delivered' ? at : null });
    await deps.events.publish(tx, null, { type: outcome === 'delivered' ? 'requestFulfilled' : 'deliveryFailed', request: r, newState: next.state });
  }
}

/** Re-provisions every active assignee when a package gains or loses a resource role (called inside the package change's transaction). */
export async function onRoleScopeChange(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, change: { kind: 'added' | 'removed'; accessPackageId: string; roleId: string; scopeId: string }): Promise<void> {
  const at = isoNow(deps.clock);
  const active = await listActiveAssignmentsOfPackage(tx, change.accessPackageId);
  for (const a of active) {
    if (change.kind === 'added') {
      await insertGrants(tx, [{
        id: newId(), assignmentId: a.id, resourceRoleId: change.roleId, resourceScopeId: change.scopeId, targetId: a.targetId, state: 'pending',
        attempts: 0, lastError: null, nextAttemptAt: null, deliveredAt: null, revokedAt: null, createdAt: at, modifiedAt: at, requestId: a.requestId,
        deliveryId: null, confirmationDueAt: null,
      }]);
      await setAssignmentState(tx, a.id, 'delivering', at);
      await deps.events.enqueue(tx, JOB_FULFIL, { assignmentId: a.id });
    } else {
      if ((await markRoleGrantsRevoking(tx, a.id, change.roleId, change.scopeId, at)) > 0) await deps.events.enqueue(tx, JOB_REVOKE, { assignmentId: a.id });
    }
  }
}

/**
 * Tries failed (and stuck) grants of an assignment again, or re-applies delivered ones. Each is a new
 * delivery with a new delivery key: a receiver that drops repeated webhook-ids (as Standard Webhooks
 * recommends) still applies it, and a late confirmation of the earlier delivery no longer acts.
 */
export async function retryGrants(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, assignmentId: string, states: ('failed' | 'delivered')[]): Promise<number> {
  const at = isoNow(deps.clock);
  const n = await resetGrants(tx, assignmentId, states, at, regrantSuffix(newId()));
  await setAssignmentState(tx, assignmentId, 'delivering', at);
  await deps.events.enqueue(tx, JOB_FULFIL, { assignmentId });
  return n;
}
