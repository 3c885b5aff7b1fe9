import { ConflictError, ForbiddenError, NotFoundError } from '../../domain/errors.js';
import { initialRequest, transitionRequest } from '../../domain/request-lifecycle.js';
import type { Tx } from '../../store/db.js';
import type { Caller } from '../deps.js';
import { endAssignments } from '../fulfilment/revoke.js';
import { findPolicy, type AssignmentRow, type LifecycleDeps, type RequestRow } from './common.js';
import { insertRequests, loadActiveAssignment, requestRow, requireAssignmentWrite, type SubmitInput } from './requests.js';

// Removal: userRemove and adminRemove, many at once (bulkRemove), and the set-based core that expiry uses too.

export async function submitRemove(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, caller: Caller, input: SubmitInput): Promise<RequestRow> {
  const admin = input.requestType === 'adminRemove';
  const a = await loadActiveAssignment(tx, input.assignmentId);
  const p = caller.principal;
  if (admin) requireAssignmentWrite(caller, a.catalogId, 'Removing');
  if (!admin) {
    if (a.targetId !== p.userId) throw new ForbiddenError('Only the person who holds an assignment may give it up themselves.');
    const policy = a.policyId ? await findPolicy(tx, a.policyId) : undefined;
    if (policy && !policy.requestorSettings.enableTargetsToSelfRemoveAccess) throw new ForbiddenError("This assignment's policy does not let people remove their own access.");
  }
  return removeAssignment(tx, deps, caller, a, admin ? 'adminRemove' : 'userRemove', input.justification ?? null, input.idempotencyKey ?? null);
}

async function removeAssignment(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, caller: Caller | null, a: AssignmentRow, requestType: 'userRemove' | 'adminRemove' | 'systemRemove', justification: string | null, idempotencyKey: string | null): Promise<RequestRow> {
  return (await removeAssignments(tx, deps, caller, [a], requestType, justification, idempotencyKey))[0];
}

/**
 * Ends assignments the caller has locked: a removal request each (started at once: nothing to approve),
 * the assignments expired, their grants revoking under revocation jobs (endAssignments), an assignmentEnded event each (its audit record).
 * Set-based, so expiring a batch costs the same few statements as removing one.
 */
export async function removeAssignments(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, caller: Caller | null, assignments: readonly AssignmentRow[], requestType: 'userRemove' | 'adminRemove' | 'systemRemove',
  justification: string | null, idempotencyKey: string | null): Promise<RequestRow[]> {
  // a key names one request: given with several, all but the first would collide on it
  if (idempotencyKey && assignments.length > 1) throw new Error('removeAssignments: an idempotency key belongs to a single removal');
  const started = transitionRequest(initialRequest().state, 'start');
  const requests = assignments.map((a) => requestRow(deps, caller ? caller.principal.userId : null, {
    accessPackageId: a.accessPackageId, requestType, policyId: a.policyId, assignmentId: a.id, targetId: a.targetId, justification, idempotencyKey,
    state: started.state, status: started.status,
  }));
  await insertRequests(tx, requests);
  await endAssignments(tx, deps, assignments.map((a) => a.id));
  await deps.events.publish(tx, caller, assignments.map((a) => ({ type: 'assignmentEnded' as const, assignmentId: a.id, requestType, justification })));
  return requests;
}

/** Removes many assignments at once; already-ended ones are skipped, so running it twice changes nothing. */
export async function bulkRemove(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, caller: Caller, assignmentIds: string[], justification: string | null): Promise<{ removed: string[]; skipped: { id: string; reason: string }[] }> {
  const removed: string[] = [];
  const skipped: { id: string; reason: string }[] = [];
  for (const id of assignmentIds) {
    try {
      await deps.events.transaction(async (tx) => {
        const a = await loadActiveAssignment(tx, id);
        requireAssignmentWrite(caller, a.catalogId, 'Removing');
        await removeAssignment(tx, deps, caller, a, 'adminRemove', justification, null);
      });
      removed.push(id);
    } catch (e) {
      if (e instanceof ConflictError || e instanceof NotFoundError || e instanceof ForbiddenError) skipped.push({ id, reason: e.message });
      else throw e;
    }
  }
  return { removed, skipped };
}
