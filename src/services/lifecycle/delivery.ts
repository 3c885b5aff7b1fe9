import { ConnectorError } from '../../connectors/types.js';
import { newId } from '../../domain/ids.js';
import {
  ACTIVE_ASSIGNMENT_STATES, assignmentStatus, deliveryOutcome, transitionRequest, type GrantState, type RequestState,
} from '../../domain/request-lifecycle.js';
import { addDuration, parseDuration } from '../../domain/duration.js';
import type { Db, Tx } from '../../store/db.js';
import { parseJsonOr } from '../../domain/json.js';
import { chunks, IDS_PER_STATEMENT } from '../../store/chunks.js';
import { lockRow, lockRows } from '../../store/locks.js';
import { backoffMs } from '../../domain/backoff.js';
import { enqueue } from '../../store/jobs.js';
import {
  MAX_GRANT_ATTEMPTS, assignmentMailWanted, audit, auditMany, emailOf, emailsOf, findPolicy, now, packageName, packageNames, policiesById,
  type AssignmentRow, type LifecycleDeps, type QueuedMail,
} from './common.js';

// Delivery: an assignment's grants are carried out through the connector of each resource, outside any
// transaction (a connector may be a remote system), and their results recorded afterwards. Connectors are
// idempotent, so a crash between the call and the record is repaired by simply running the job again.

export const JOB_FULFIL = 'fulfil';
export const JOB_REVOKE = 'revoke';

interface GrantWork {
  id: string;
  assignmentId: string;
  targetId: string;
  state: string;
  attempts: number;
  roleOriginId: string;
  resourceOriginId: string;
  originSystem: string;
  scopeOriginId: string;
  isRootScope: number;
  resourceRoleId: string;
  resourceScopeId: string;
  nextAttemptAt: string | null;
}

/** Grants with the role, resource and scope they stand for, as the connectors know them. */
function grantsWithRoles(db: Db | Tx) {
  return db
    .selectFrom('grants')
    .innerJoin('resourceRoles', 'resourceRoles.id', 'grants.resourceRoleId')
    .innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
    .innerJoin('resourceScopes', 'resourceScopes.id', 'grants.resourceScopeId');
}

function grantWorkQuery(db: Db | Tx) {
  return grantsWithRoles(db)
    .select([
      'grants.id', 'grants.assignmentId', 'grants.targetId', 'grants.state', 'grants.attempts', 'grants.resourceRoleId', 'grants.resourceScopeId', 'grants.nextAttemptAt',
      'resourceRoles.originId as roleOriginId', 'resources.originId as resourceOriginId', 'resources.originSystem',
      'resourceScopes.originId as scopeOriginId', 'resourceScopes.isRootScope',
    ]);
}

/** Creates one pending grant per resource role of the package and queues delivery, inside the caller's transaction. */
export async function createGrants(tx: Tx, deps: LifecycleDeps, assignment: { id: string; accessPackageId: string; targetId: string; requestId: string | null }): Promise<void> {
  const at = now(deps);
  const roleScopes = await tx.selectFrom('resourceRoleScopes').select(['roleId', 'scopeId']).where('accessPackageId', '=', assignment.accessPackageId).execute();
  if (roleScopes.length > 0) {
    await tx.insertInto('grants').values(roleScopes.map((rs) => ({
      id: newId(), assignmentId: assignment.id, resourceRoleId: rs.roleId, resourceScopeId: rs.scopeId, targetId: assignment.targetId,
      state: 'pending', attempts: 0, lastError: null, nextAttemptAt: null, deliveredAt: null, revokedAt: null, createdAt: at, modifiedAt: at,
      requestId: assignment.requestId,
    }))).execute();
  }
  await enqueue(tx, deps.clock, JOB_FULFIL, { assignmentId: assignment.id });
}

/** Worker: delivers the due pending grants of one assignment and records the outcome. */
export async function fulfilAssignment(deps: LifecycleDeps, assignmentId: string): Promise<void> {
  const { db, clock } = deps;
  const nowDate = clock.now();
  const pending = (await grantWorkQuery(db).where('grants.assignmentId', '=', assignmentId).where('grants.state', '=', 'pending').execute()) as GrantWork[];
  // grants waiting out a retry backoff are left for the job queued at their retry time
  const due = pending.filter((g) => !g.nextAttemptAt || g.nextAttemptAt <= nowDate.toISOString());
  const results: { grant: GrantWork; error: string | null; retryable: boolean }[] = [];
  for (const grant of due) {
    try {
      const connector = deps.connectors.get(grant.originSystem);
      await connector.grant({ objectId: grant.targetId }, { originId: grant.roleOriginId, resourceOriginId: grant.resourceOriginId },
        { originId: grant.scopeOriginId, isRootScope: !!grant.isRootScope });
      results.push({ grant, error: null, retryable: false });
    } catch (e) {
      const retryable = e instanceof ConnectorError ? e.retryable : true;
      results.push({ grant, error: (e as Error).message || String(e), retryable });
    }
  }
  await recordDelivery(deps, assignmentId, results);
}

async function recordDelivery(deps: LifecycleDeps, assignmentId: string, results: { grant: GrantWork; error: string | null; retryable: boolean }[]): Promise<void> {
  const { db, clock } = deps;
  await db.transaction().execute(async (tx) => {
    if (!(await lockRow(tx, 'assignments', assignmentId))) return;
    const assignment = await tx.selectFrom('assignments').selectAll().where('id', '=', assignmentId).executeTakeFirstOrThrow();
    const at = now(deps);
    const retries: string[] = [];
    for (const r of results) {
      // the assignment may have ended while the connector was called: its grants are being revoked now
      const current = await tx.selectFrom('grants').select(['state', 'attempts']).where('id', '=', r.grant.id).executeTakeFirst();
      if (!current || current.state !== 'pending') continue;
      const attempts = current.attempts + 1;
      if (r.error === null) {
        await tx.updateTable('grants').set({ state: 'delivered', attempts, lastError: null, nextAttemptAt: null, deliveredAt: at, modifiedAt: at }).where('id', '=', r.grant.id).execute();
      } else if (r.retryable && attempts < MAX_GRANT_ATTEMPTS) {
        const retryAt = new Date(clock.now().getTime() + backoffMs(attempts)).toISOString();
        retries.push(retryAt);
        await tx.updateTable('grants').set({ attempts, lastError: r.error, nextAttemptAt: retryAt, modifiedAt: at }).where('id', '=', r.grant.id).execute();
      } else {
        await tx.updateTable('grants').set({ state: 'failed', attempts, lastError: r.error, nextAttemptAt: null, modifiedAt: at }).where('id', '=', r.grant.id).execute();
      }
    }
    if (retries.length > 0) {
      const runAt = retries.sort()[0];
      await enqueue(tx, clock, JOB_FULFIL, { assignmentId }, { runAt, dedupeKey: `fulfil:${assignmentId}:${runAt}` });
    }
    if (!ACTIVE_ASSIGNMENT_STATES.includes(assignment.state as never)) return;
    const grants = await tx.selectFrom('grants').select('state').where('assignmentId', '=', assignmentId).execute();
    const outcome = deliveryOutcome(grants as { state: GrantState }[]);
    if (outcome !== assignment.state) {
      await tx.updateTable('assignments').set({ state: outcome, status: assignmentStatus(outcome), modifiedAt: at }).where('id', '=', assignmentId).execute();
    }
    if (outcome !== 'delivering') await settleRequests(tx, deps, assignmentId, outcome);
  });
}

/** Moves the requests that are delivering this assignment to the delivery outcome, and tells the requestor. */
async function settleRequests(tx: Tx, deps: LifecycleDeps, assignmentId: string, outcome: 'delivered' | 'partiallyDelivered' | 'deliveryFailed'): Promise<void> {
  const at = now(deps);
  const requests = await tx.selectFrom('assignmentRequests').selectAll()
    .where('assignmentId', '=', assignmentId).where('state', 'in', ['delivering', 'partiallyDelivered', 'deliveryFailed']).execute();
  for (const r of requests) {
    if (r.state === outcome) continue;
    const next = transitionRequest(r.state as RequestState, outcome);
    await tx.updateTable('assignmentRequests').set({ state: next.state, status: next.status, modifiedAt: at, completedAt: outcome === 'delivered' ? at : null })
      .where('id', '=', r.id).execute();
    await audit(tx, deps, null, {
      activity: outcome === 'delivered' ? 'Fulfill access package assignment' : 'Access package assignment delivery failed',
      targetType: 'accessPackageAssignmentRequest', targetId: r.id, result: outcome === 'delivered' ? 'success' : 'failure',
      modifiedProperties: [{ displayName: 'state', oldValue: r.state, newValue: next.state }],
    });
    if (outcome === 'delivered' && (r.requestType === 'userAdd' || r.requestType === 'systemAdd')) {
      const policy = r.policyId ? await findPolicy(tx, r.policyId).catch(() => undefined) : undefined;
      const target = await emailOf(tx, r.targetId);
      if (target && assignmentMailWanted(r.requestType, policy)) {
        await deps.notifications.queue(tx, { to: target.email, template: 'accessDelivered', data: { packageName: await packageName(tx, r.accessPackageId), targetName: target.name, requestId: r.id, endDateTime: r.endAt } });
      }
    }
  }
}

/** The revocation job for one assignment, or for a batch of them that one transaction ended. */
function revokePayload(assignmentIds: readonly string[]): { assignmentId: string } | { assignmentIds: string[] } {
  return assignmentIds.length === 1 ? { assignmentId: assignmentIds[0] } : { assignmentIds: [...assignmentIds] };
}

/**
 * Assignments per revocation job. A job calls the connectors grant by grant, and a remote system may take a
 * fraction of a second a call: small jobs finish well inside their lease, and the worker's lanes run several
 * at once, as they did with one job per assignment.
 */
const REVOKE_JOB_SIZE = 50;

/** The assignments a job is about: one (fulfil, revoke) or a batch (revoke, see endAssignments). */
export function jobAssignmentIds(payload: string): string[] {
  const p = parseJsonOr<{ assignmentId?: unknown; assignmentIds?: unknown }>(payload, {});
  if (Array.isArray(p.assignmentIds)) return p.assignmentIds.filter((id): id is string => typeof id === 'string');
  return typeof p.assignmentId === 'string' ? [p.assignmentId] : [];
}

/**
 * Ends assignments inside the caller's transaction: marks them expired (ending their schedule now if it ran later) and their live grants revoking, and
 * queues their revocation in jobs of REVOKE_JOB_SIZE. The caller holds the assignments' row locks.
 */
export async function endAssignments(tx: Tx, deps: LifecycleDeps, assignmentIds: readonly string[]): Promise<void> {
  if (assignmentIds.length === 0) return;
  const at = now(deps);
  await tx.updateTable('assignments').set({ state: 'expired', status: assignmentStatus('expired'), expiredAt: at, modifiedAt: at }).where('id', 'in', assignmentIds).execute();
  // access that ends early (removed, given up) ended now, not on its planned end: the schedule says when it
  // actually ended (Graph and the portals show it); the planned end stays on the request that created it
  await tx.updateTable('assignments').set({ endAt: at }).where('id', 'in', assignmentIds)
    .where((eb) => eb.or([eb('endAt', 'is', null), eb('endAt', '>', at)])).execute();
  await tx.updateTable('grants').set({ state: 'revoking', nextAttemptAt: null, modifiedAt: at })
    .where('assignmentId', 'in', assignmentIds).where('state', 'in', ['pending', 'delivered', 'failed']).execute();
  for (const batch of chunks(assignmentIds, REVOKE_JOB_SIZE)) await enqueue(tx, deps.clock, JOB_REVOKE, revokePayload(batch));
}

/** Identity of a role in its target system, whichever catalog's copy of the resource grants it. */
const roleKey = (g: Pick<GrantWork, 'targetId' | 'originSystem' | 'resourceOriginId' | 'roleOriginId' | 'scopeOriginId'>) =>
  JSON.stringify([g.targetId, g.originSystem, g.resourceOriginId, g.roleOriginId, g.scopeOriginId]);

/**
 * For each grant being revoked, whether another active assignment still gives the same person the same
 * role (a group added to two catalogs has a resource, role and scope row in each): such access is shared
 * and must stay. One query for the whole batch.
 */
async function sharedGrants(db: Db, work: readonly GrantWork[]): Promise<Set<string>> {
  if (work.length === 0) return new Set();
  const holders = await grantsWithRoles(db)
    .innerJoin('assignments', 'assignments.id', 'grants.assignmentId')
    .select(['grants.assignmentId', 'grants.targetId', 'resources.originSystem', 'resources.originId as resourceOriginId', 'resourceRoles.originId as roleOriginId', 'resourceScopes.originId as scopeOriginId'])
    .where('grants.targetId', 'in', [...new Set(work.map((g) => g.targetId))])
    .where('resourceRoles.originId', 'in', [...new Set(work.map((g) => g.roleOriginId))])
    .where('grants.state', 'in', ['pending', 'delivered'])
    .where('assignments.state', 'in', [...ACTIVE_ASSIGNMENT_STATES])
    .execute();
  const byRole = new Map<string, Set<string>>();
  for (const h of holders) {
    const k = roleKey(h);
    if (!byRole.has(k)) byRole.set(k, new Set());
    byRole.get(k)!.add(h.assignmentId);
  }
  const shared = new Set<string>();
  for (const g of work) {
    const others = byRole.get(roleKey(g));
    if (others && [...others].some((a) => a !== g.assignmentId)) shared.add(g.id);
  }
  return shared;
}

/**
 * Worker: a revocation job. When a batch fails as a whole (one assignment's bookkeeping throws), it is split
 * into one job per assignment, so the others complete and only the faulty one is retried and, in the end,
 * reported as a failed job; retrying the batch would hold all of them back with it.
 */
export async function revokeJob(deps: LifecycleDeps, assignmentIds: readonly string[]): Promise<void> {
  if (assignmentIds.length <= 1) return revokeAssignments(deps, assignmentIds);
  try {
    await revokeAssignments(deps, assignmentIds);
  } catch (e) {
    deps.log.warn({ err: e, assignments: assignmentIds.length }, 'revoking a batch failed; retrying its assignments one job each');
    await deps.db.transaction().execute(async (tx) => {
      for (const id of assignmentIds) await enqueue(tx, deps.clock, JOB_REVOKE, revokePayload([id]));
    });
    deps.kick();
  }
}

/**
 * Worker: revokes the grants of ended assignments in their systems — except where another active
 * assignment still gives the same person the same role, so shared access is never taken away — and
 * records the outcome for the whole batch in one transaction. An assignment whose revocation failed
 * gets its own retry job; the others complete.
 */
export async function revokeAssignments(deps: LifecycleDeps, assignmentIds: readonly string[]): Promise<void> {
  const { db, clock } = deps;
  const ids = [...new Set(assignmentIds)];
  if (ids.length === 0) return;
  const work = (await grantWorkQuery(db).where('grants.assignmentId', 'in', ids).where('grants.state', '=', 'revoking').execute()) as GrantWork[];
  const shared = await sharedGrants(db, work);
  const done: string[] = [];
  for (const grant of work) {
    try {
      if (!shared.has(grant.id)) {
        await deps.connectors.get(grant.originSystem).revoke({ objectId: grant.targetId }, { originId: grant.roleOriginId, resourceOriginId: grant.resourceOriginId },
          { originId: grant.scopeOriginId, isRootScope: !!grant.isRootScope });
      }
      done.push(grant.id);
    } catch (e) {
      const attempts = grant.attempts + 1;
      await db.updateTable('grants').set({ attempts, lastError: (e as Error).message || String(e), modifiedAt: now(deps) }).where('id', '=', grant.id).execute();
    }
  }
  await db.transaction().execute(async (tx) => {
    if ((await lockRows(tx, 'assignments', ids)) === 0) return;
    const at = now(deps);
    for (const chunk of chunks(done, IDS_PER_STATEMENT)) {
      await tx.updateTable('grants').set({ state: 'revoked', revokedAt: at, lastError: null, modifiedAt: at })
        .where('id', 'in', chunk).where('state', '=', 'revoking').execute();
    }
    const left = await tx.selectFrom('grants').select(['assignmentId', 'attempts']).where('assignmentId', 'in', ids).where('state', '=', 'revoking').execute();
    const waiting = new Map<string, number>();
    for (const g of left) waiting.set(g.assignmentId, Math.max(waiting.get(g.assignmentId) ?? 0, g.attempts));
    for (const [assignmentId, attempts] of waiting) {
      // a failing target system delays the removal but never forgets it
      const retryAt = new Date(clock.now().getTime() + backoffMs(attempts)).toISOString();
      await enqueue(tx, clock, JOB_REVOKE, revokePayload([assignmentId]), { runAt: retryAt, dedupeKey: `revoke:${assignmentId}:${retryAt}` });
    }
    const finished = ids.filter((id) => !waiting.has(id));
    const settled = finished.length > 0 ? await tx.selectFrom('assignments').selectAll().where('id', 'in', finished).execute() : [];
    const ended: AssignmentRow[] = [];
    for (const assignment of settled) {
      if (!ACTIVE_ASSIGNMENT_STATES.includes(assignment.state as never)) {
        ended.push(assignment);
        continue;
      }
      // a role left the package while the assignment goes on: its state follows the grants that remain
      const grants = await tx.selectFrom('grants').select('state').where('assignmentId', '=', assignment.id).execute();
      const outcome = deliveryOutcome(grants as { state: GrantState }[]);
      await tx.updateTable('assignments').set({ state: outcome, status: assignmentStatus(outcome), modifiedAt: at }).where('id', '=', assignment.id).execute();
      if (outcome !== 'delivering') await settleRequests(tx, deps, assignment.id, outcome);
    }
    await finishRemovals(tx, deps, ended);
  });
}

/**
 * Once every grant of these ended assignments is revoked: completes their removal requests, tells each
 * target, and applies the guest lifecycle. Set-based: a batch of expiries costs a handful of statements.
 */
async function finishRemovals(tx: Tx, deps: LifecycleDeps, assignments: readonly AssignmentRow[]): Promise<void> {
  if (assignments.length === 0) return;
  const at = now(deps);
  const removals = await tx.selectFrom('assignmentRequests').select(['id', 'assignmentId']).where('assignmentId', 'in', assignments.map((a) => a.id))
    .where('requestType', 'in', ['userRemove', 'adminRemove', 'systemRemove']).where('state', '=', 'delivering').execute();
  if (removals.length > 0) {
    const next = transitionRequest('delivering', 'delivered');
    await tx.updateTable('assignmentRequests').set({ state: next.state, status: next.status, completedAt: at, modifiedAt: at })
      .where('id', 'in', removals.map((r) => r.id)).execute();
  }
  const removed = new Set(removals.map((r) => r.assignmentId));
  const completed = assignments.filter((a) => removed.has(a.id));
  if (completed.length > 0) {
    await auditMany(tx, deps, null, completed.map((a) => ({
      activity: 'Remove access package assignment', targetType: 'accessPackageAssignment', targetId: a.id,
      modifiedProperties: [{ displayName: 'state', oldValue: 'delivered', newValue: 'expired' }],
    })));
    const origins = new Map((await tx.selectFrom('assignmentRequests').select(['id', 'requestType'])
      .where('id', 'in', completed.map((a) => a.requestId ?? '')).execute()).map((r) => [r.id, r.requestType]));
    const policies = await policiesById(tx, completed.map((a) => a.policyId));
    const targets = await emailsOf(tx, completed.map((a) => a.targetId));
    const names = await packageNames(tx, completed.map((a) => a.accessPackageId));
    const mail: QueuedMail[] = [];
    for (const a of completed) {
      const target = targets.get(a.targetId);
      if (!target || !assignmentMailWanted(origins.get(a.requestId ?? '') ?? null, a.policyId ? policies.get(a.policyId) : undefined)) continue;
      mail.push({ to: target.email, template: 'accessEnded', data: { packageName: names.get(a.accessPackageId) ?? a.accessPackageId, targetName: target.name } });
    }
    await deps.notifications.queueMany(tx, mail);
  }
  // only governed guests not yet blocked have a lifecycle to apply: found with one query
  const guests = await tx.selectFrom('users').select('id').where('id', 'in', [...new Set(assignments.map((a) => a.targetId))])
    .where('userType', '=', 'Guest').where('governed', '=', 1).where('blockedAt', 'is', null).execute();
  for (const g of guests) await applyGuestLifecycle(tx, deps, g.id);
}

/** A governed guest whose last assignment ended is blocked, and later deleted, as the tenant settings say. */
async function applyGuestLifecycle(tx: Tx, deps: LifecycleDeps, userId: string): Promise<void> {
  const user = await tx.selectFrom('users').select(['id', 'userType', 'governed', 'blockedAt']).where('id', '=', userId).executeTakeFirst();
  if (!user || user.userType !== 'Guest' || !user.governed || user.blockedAt) return;
  const active = await tx.selectFrom('assignments').select('id').where('targetId', '=', userId).where('state', 'in', [...ACTIVE_ASSIGNMENT_STATES]).limit(1).executeTakeFirst();
  if (active) return;
  const settings = await tx.selectFrom('settings').selectAll().where('id', '=', 1).executeTakeFirst();
  const action = settings?.externalUserLifecycleAction ?? 'blockSignInAndDelete';
  if (action === 'none') return;
  const at = now(deps);
  const deleteAfter = action === 'blockSignInAndDelete'
    ? addDuration(deps.clock.now(), parseDuration(settings?.durationUntilExternalUserDeletedAfterBlocked ?? 'P30D')).toISOString()
    : null;
  await tx.updateTable('users').set({ accountEnabled: 0, blockedAt: at, deleteAfter, modifiedAt: at }).where('id', '=', userId).execute();
  await audit(tx, deps, null, {
    activity: 'Block external user', category: 'UserManagement', targetType: 'user', targetId: userId,
    modifiedProperties: [{ displayName: 'accountEnabled', oldValue: true, newValue: false }, { displayName: 'deleteAfter', oldValue: null, newValue: deleteAfter }],
  });
}

/** Re-provisions every active assignee when a package gains or loses a resource role (called inside the package change's transaction). */
export async function onRoleScopeChange(tx: Tx, deps: LifecycleDeps, change: { kind: 'added' | 'removed'; accessPackageId: string; roleId: string; scopeId: string }): Promise<void> {
  const at = now(deps);
  const active = await tx.selectFrom('assignments').select(['id', 'targetId', 'requestId'])
    .where('accessPackageId', '=', change.accessPackageId).where('state', 'in', [...ACTIVE_ASSIGNMENT_STATES]).execute();
  for (const a of active) {
    if (change.kind === 'added') {
      await tx.insertInto('grants').values({
        id: newId(), assignmentId: a.id, resourceRoleId: change.roleId, resourceScopeId: change.scopeId, targetId: a.targetId, state: 'pending',
        attempts: 0, lastError: null, nextAttemptAt: null, deliveredAt: null, revokedAt: null, createdAt: at, modifiedAt: at, requestId: a.requestId,
      }).execute();
      await tx.updateTable('assignments').set({ state: 'delivering', status: assignmentStatus('delivering'), modifiedAt: at }).where('id', '=', a.id).execute();
      await enqueue(tx, deps.clock, JOB_FULFIL, { assignmentId: a.id });
    } else {
      const n = await tx.updateTable('grants').set({ state: 'revoking', modifiedAt: at })
        .where('assignmentId', '=', a.id).where('resourceRoleId', '=', change.roleId).where('resourceScopeId', '=', change.scopeId)
        .where('state', 'in', ['pending', 'delivered', 'failed']).executeTakeFirst();
      if (Number(n.numUpdatedRows) > 0) await enqueue(tx, deps.clock, JOB_REVOKE, { assignmentId: a.id });
    }
  }
}

/** Tries failed (and stuck) grants of an assignment again. */
export async function retryGrants(tx: Tx, deps: LifecycleDeps, assignmentId: string, states: ('failed' | 'delivered')[]): Promise<number> {
  const at = now(deps);
  const r = await tx.updateTable('grants').set({ state: 'pending', attempts: 0, nextAttemptAt: null, modifiedAt: at })
    .where('assignmentId', '=', assignmentId).where('state', 'in', states).executeTakeFirst();
  await tx.updateTable('assignments').set({ state: 'delivering', status: assignmentStatus('delivering'), modifiedAt: at }).where('id', '=', assignmentId).execute();
  await enqueue(tx, deps.clock, JOB_FULFIL, { assignmentId });
  return Number(r.numUpdatedRows);
}
