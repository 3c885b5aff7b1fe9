import { isoNow } from '../../domain/clock.js';
import { ACTIVE_ASSIGNMENT_STATES, transitionRequest } from '../../domain/request-lifecycle.js';
import { addDuration, parseDuration } from '../../domain/duration.js';
import type { Tx } from '../../store/db.js';
import { chunks } from '../../store/chunks.js';
import { lockRows } from '../../store/locks.js';
import { backoffMs } from '../../domain/backoff.js';
import type { AssignmentRow, LifecycleDeps } from '../lifecycle/common.js';
import { settleAssignment } from './fulfil.js';
import { JOB_REVOKE, REVOKE_JOB_SIZE, revokePayload } from './jobs.js';
import { sharedGrants } from './shared-grants.js';
import { deliverToConnection, deliveryKey } from './connected.js';
import { expireAssignments, hasActiveAssignment, listAssignments } from '../../store/assignments.js';
import { listGrantWork, listRevokingGrants, markGrantsRevoked, markGrantsRevoking, updateGrant } from '../../store/grants.js';
import { listRemovalsDelivering, updateRequests } from '../../store/requests.js';
import { loadSettings } from '../settings.js';
import { blockUser, findGuestState, listUnblockedGovernedGuests } from '../../store/users.js';

// Revocation: ended assignments' grants are revoked in their systems by worker jobs, outside any transaction,
// and the removal completes once none is left; access another active assignment still gives is kept.

/**
 * Ends assignments inside the caller's transaction: marks them expired (ending their schedule now if it ran later) and their live grants revoking, and
 * queues their revocation in jobs of REVOKE_JOB_SIZE. The caller holds the assignments' row locks.
 */
export async function endAssignments(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, assignmentIds: readonly string[]): Promise<void> {
  if (assignmentIds.length === 0) return;
  const at = isoNow(deps.clock);
  // access that ends early (removed, given up) ended now, not on its planned end: the schedule says when it
  // actually ended (Graph and the portals show it); the planned end stays on the request that created it
  await expireAssignments(tx, assignmentIds, at);
  await markGrantsRevoking(tx, assignmentIds, at);
  for (const batch of chunks(assignmentIds, REVOKE_JOB_SIZE)) await deps.events.enqueue(tx, JOB_REVOKE, revokePayload(batch));
}

/**
 * Worker: a revocation job. When a batch fails as a whole (one assignment's bookkeeping throws), it is split
 * into one job per assignment, so the others complete and only the faulty one is retried and, in the end,
 * reported as a failed job; retrying the batch would hold all of them back with it.
 */
export async function revokeJob(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'log' | 'connectors' | 'connectionTargets' | 'events'>, assignmentIds: readonly string[]): Promise<void> {
  if (assignmentIds.length <= 1) return revokeAssignments(deps, assignmentIds);
  try {
    await revokeAssignments(deps, assignmentIds);
  } catch (e) {
    deps.log.warn({ err: e, assignments: assignmentIds.length }, 'revoking a batch failed; retrying its assignments one job each');
    await deps.events.transaction(async (tx) => {
      for (const id of assignmentIds) await deps.events.enqueue(tx, JOB_REVOKE, revokePayload([id]));
    });
  }
}

/**
 * Worker: revokes the grants of ended assignments in their systems — except where another active
 * assignment still gives the same person the same role, so shared access is never taken away — and
 * records the outcome for the whole batch in one transaction. An assignment whose revocation failed
 * gets its own retry job; the others complete.
 */
export async function revokeAssignments(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'connectors' | 'connectionTargets' | 'events'>, assignmentIds: readonly string[]): Promise<void> {
  const { db, clock } = deps;
  const ids = [...new Set(assignmentIds)];
  if (ids.length === 0) return;
  // a revoke the target accepted for later waits for its confirmation (confirm.ts), not for another one
  const work = (await listGrantWork(db, ids, 'revoking')).filter((g) => !g.confirmationDueAt);
  const { shared, revokeImplied } = await sharedGrants(db, work);
  const done: string[] = [];
  for (const grant of work) {
    try {
      if (!shared.has(grant.id) && grant.connectionId) {
        const { confirmationDueAt } = await deliverToConnection(deps, { ...grant, connectionId: grant.connectionId }, 'revoke', undefined, { revokeImplied: revokeImplied.has(grant.id) });
        if (confirmationDueAt) {
          await updateGrant(db, grant.id, { attempts: grant.attempts + 1, lastError: null, deliveryId: deliveryKey(grant.id, 'revoke'), confirmationDueAt, modifiedAt: isoNow(deps.clock) });
          continue;
        }
      } else if (!shared.has(grant.id)) {
        await deps.connectors.get(grant.originSystem).revoke({ objectId: grant.targetId }, { originId: grant.roleOriginId, resourceOriginId: grant.resourceOriginId },
          { originId: grant.scopeOriginId, isRootScope: !!grant.isRootScope });
      }
      done.push(grant.id);
    } catch (e) {
      const attempts = grant.attempts + 1;
      await updateGrant(db, grant.id, { attempts, lastError: (e as Error).message || String(e), modifiedAt: isoNow(deps.clock) });
    }
  }
  await deps.events.transaction(async (tx) => {
    if ((await lockRows(tx, 'assignments', ids)) === 0) return;
    const at = isoNow(deps.clock);
    await markGrantsRevoked(tx, done, at);
    const left = await listRevokingGrants(tx, ids);
    const waiting = new Map<string, number>();
    // an assignment with a revoke awaiting its confirmation is not finished, and is not retried either:
    // the confirmation (or its due time) queues the job that completes it
    const confirming = new Set(left.filter((g) => g.confirmationDueAt).map((g) => g.assignmentId));
    for (const g of left) if (!g.confirmationDueAt) waiting.set(g.assignmentId, Math.max(waiting.get(g.assignmentId) ?? 0, g.attempts));
    for (const [assignmentId, attempts] of waiting) {
      // a failing target system delays the removal but never forgets it
      const retryAt = new Date(clock.now().getTime() + backoffMs(attempts)).toISOString();
      await deps.events.enqueue(tx, JOB_REVOKE, revokePayload([assignmentId]), { runAt: retryAt, dedupeKey: `revoke:${assignmentId}:${retryAt}` });
    }
    const finished = ids.filter((id) => !waiting.has(id) && !confirming.has(id));
    const settled = await listAssignments(tx, finished);
    const ended: AssignmentRow[] = [];
    for (const assignment of settled) {
      if (!ACTIVE_ASSIGNMENT_STATES.includes(assignment.state as never)) {
        ended.push(assignment);
        continue;
      }
      // a role left the package while the assignment goes on: its state follows the grants that remain
      await settleAssignment(tx, deps, assignment);
    }
    await finishRemovals(tx, deps, ended);
  });
}

/**
 * Once every grant of these ended assignments is revoked: completes their removal requests, tells each
 * target, and applies the guest lifecycle. Set-based: a batch of expiries costs a handful of statements.
 */
async function finishRemovals(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, assignments: readonly AssignmentRow[]): Promise<void> {
  if (assignments.length === 0) return;
  const at = isoNow(deps.clock);
  const removals = await listRemovalsDelivering(tx, assignments.map((a) => a.id));
  if (removals.length > 0) {
    const next = transitionRequest('delivering', 'delivered');
    await updateRequests(tx, removals.map((r) => r.id), { state: next.state, status: next.status, completedAt: at, modifiedAt: at });
  }
  const removed = new Set(removals.map((r) => r.assignmentId));
  const completed = assignments.filter((a) => removed.has(a.id));
  await deps.events.publish(tx, null, completed.map((assignment) => ({ type: 'assignmentRemoved' as const, assignment })));
  // only governed guests not yet blocked have a lifecycle to apply: found with one query
  const guests = await listUnblockedGovernedGuests(tx, assignments.map((a) => a.targetId));
  for (const id of guests) await applyGuestLifecycle(tx, deps, id);
}

/** A governed guest whose last assignment ended is blocked, and later deleted, as the tenant settings say. */
async function applyGuestLifecycle(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, userId: string): Promise<void> {
  const user = await findGuestState(tx, userId);
  if (!user || user.userType !== 'Guest' || !user.governed || user.blockedAt) return;
  if (await hasActiveAssignment(tx, userId)) return;
  const settings = await loadSettings(tx);
  const action = settings.externalUserLifecycleAction;
  if (action === 'none') return;
  const at = isoNow(deps.clock);
  const deleteAfter = action === 'blockSignInAndDelete'
    ? addDuration(deps.clock.now(), parseDuration(settings.durationUntilExternalUserDeletedAfterBlocked)).toISOString()
    : null;
  await blockUser(tx, userId, at, deleteAfter);
  await deps.events.publish(tx, null, { type: 'guestBlocked', userId, deleteAfter });
}

