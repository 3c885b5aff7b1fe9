import { isoNow } from '../../domain/clock.js';
import { OPEN_REQUEST_STATES, type RequestState } from '../../domain/request-lifecycle.js';
import { completeOpenStages, getStage, insertStageApprovers, listStageApproverIds } from '../../store/approvals.js';
import type { Tx } from '../../store/db.js';
import { listCancelableRequestsFor, listOpenStagesOfApprover, lockActiveAssignmentsOfUser, removeStageApprover } from '../../store/identity-lifecycle.js';
import { holdRow } from '../../store/locks.js';
import { findPolicyRow } from '../../store/policies.js';
import { policyFromRow } from '../../store/policy-rows.js';
import { getRequest } from '../../store/requests.js';
import { subjectOf } from '../lifecycle/approval-flow.js';
import { resolveApprovers } from '../lifecycle/approvers.js';
import type { LifecycleDeps } from '../lifecycle/common.js';
import { setRequest } from '../lifecycle/requests.js';
import { removeAssignments } from '../lifecycle/submit-remove.js';

// Leaver: a person disabled or deleted (by the API, SCIM provisioning or LDAP sync) loses every assignment
// through the request door, a systemRemove request each whose justification says why, and the revocation jobs
// take the access out of the target systems; the requests for them that are still open are canceled; the
// approvals waiting on them pass to the stages' fallback approvers. One transaction, so a retried job finds
// the work done (nothing active, nothing open, no longer an approver) and changes nothing. Re-enabling the
// person later gives nothing back: the removals are history, and access comes again only through a new request
// (or an auto-assignment rule that matches them, as for a joiner).

type Deps = Pick<LifecycleDeps, 'db' | 'clock' | 'events'>;

export async function runLeaver(deps: Deps, userId: string, cause: string): Promise<void> {
  await deps.events.transaction(async (tx) => {
    const assignments = await lockActiveAssignmentsOfUser(tx, userId);
    if (assignments.length > 0) await removeAssignments(tx, deps, null, assignments, 'systemRemove', `Removed: ${cause}.`, null);
    await cancelOpenRequests(tx, deps, userId, cause);
    await passApprovals(tx, deps, userId);
  });
}

async function cancelOpenRequests(tx: Tx, deps: Deps, userId: string, cause: string): Promise<void> {
  const at = isoNow(deps.clock);
  for (const r of await listCancelableRequestsFor(tx, userId)) {
    await holdRow(tx, 'assignmentRequests', r.id);
    const request = await getRequest(tx, r.id);
    if (!OPEN_REQUEST_STATES.includes(request.state as RequestState) || request.state === 'delivering') continue;
    await setRequest(tx, deps, request, 'cancel', { completedAt: at, reason: `Canceled: ${cause}.` });
    await completeOpenStages(tx, request.id);
    await deps.events.publish(tx, null, { type: 'requestCanceled', requestId: request.id, oldState: request.state });
  }
}

/**
 * Each open stage the person could decide: they are taken off it, and the stage's fallback approvers (the
 * escalation fallbacks where they were an escalation approver) who are not on it yet are added and told.
 * Where the policy names no fallback, the other approvers still decide, or the stage times out as any would.
 */
async function passApprovals(tx: Tx, deps: Deps, userId: string): Promise<void> {
  const at = isoNow(deps.clock);
  for (const s of await listOpenStagesOfApprover(tx, userId)) {
    await holdRow(tx, 'assignmentRequests', s.requestId);
    await removeStageApprover(tx, s.stageId, userId);
    const request = await getRequest(tx, s.requestId);
    const row = request.policyId ? await findPolicyRow(tx, request.policyId) : undefined;
    const settings = row ? policyFromRow(row).requestApprovalSettings.stages[s.stageIndex] : undefined;
    if (!settings) continue;
    const fallback = s.kind === 'escalation' ? settings.fallbackEscalationApprovers : settings.fallbackPrimaryApprovers;
    const existing = new Set(await listStageApproverIds(tx, s.stageId));
    const added = (await resolveApprovers(tx, fallback, [], await subjectOf(tx, request))).filter((id) => id !== userId && !existing.has(id));
    await insertStageApprovers(tx, added.map((approverId) => ({ stageId: s.stageId, requestId: request.id, approverId, kind: s.kind, createdAt: at })));
    const stage = await getStage(tx, s.stageId);
    await deps.events.publish(tx, null, { type: 'approverReplaced', request, stageIndex: s.stageIndex, leaverId: userId, approvers: added, dueAt: stage.dueAt });
  }
}
