import { isoNow } from '../../domain/clock.js';
import { validateAnswers } from '../../domain/answers.js';
import { ConflictError, ForbiddenError, ValidationError } from '../../domain/errors.js';
import { parseJsonOr } from '../../domain/json.js';
import { isInScope } from '../../domain/policy/scope.js';
import type { Policy } from '../../domain/policy/types.js';
import { OPEN_REQUEST_STATES } from '../../domain/request-lifecycle.js';
import { extendedSchedule } from '../../domain/schedule.js';
import type { Tx } from '../../store/db.js';
import type { Caller } from '../deps.js';
import { loadSubjectFacts } from '../subject-facts.js';
import { startApproval } from './approval-flow.js';
import { applyExtension } from './apply-extension.js';
import { findPolicy, type AssignmentRow, type LifecycleDeps, type RequestRow } from './common.js';
import { canBypassApproval, insertRequest, loadActiveAssignment, requireAssignmentWrite, requireJustification, setRequest, type SubmitInput } from './requests.js';
import { updateAssignment } from '../../store/assignments.js';
import { findOpenUpdateRequest, getRequest } from '../../store/requests.js';

// userUpdate and adminUpdate: an extension (approved, or applied at once), or an admin's edit of the answers.

export async function submitUpdate(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, caller: Caller, input: SubmitInput): Promise<RequestRow> {
  const admin = input.requestType === 'adminUpdate';
  const a = await loadActiveAssignment(tx, input.assignmentId);
  const p = caller.principal;
  if (admin) requireAssignmentWrite(caller, a.catalogId, 'Extending');
  if (!admin && a.targetId !== p.userId) throw new ForbiddenError('Only the person who holds an assignment may extend it themselves.');
  if (!a.policyId) throw new ValidationError('The assignment has no policy to extend under.', 'assignment.id');
  const policy = await findPolicy(tx, a.policyId);
  if (!admin) {
    if (!policy.requestorSettings.enableTargetsToSelfUpdateAccess) throw new ForbiddenError("This assignment's policy does not let people extend their access.");
    if (!policy.requestorSettings.acceptRequests) throw new ValidationError('This policy does not accept requests at the moment.', 'assignment.id', 'PolicyDisabled');
    // the reference requires the requestor to still be in scope; admin-only policies have no scope, and
    // (improving on the reference) their assignees may still extend when the policy allows it
    if (policy.allowedTargetScope !== 'notSpecified' && !isInScope(policy, await loadSubjectFacts(tx, { userId: a.targetId }))) {
      throw new ForbiddenError("You no longer meet this policy's requirements, so the access cannot be extended.");
    }
  }
  const needsApproval = policy.requestApprovalSettings.isApprovalRequiredForUpdate && policy.requestApprovalSettings.stages.length > 0;
  if (admin && needsApproval && !canBypassApproval(caller, a.catalogId)) {
    throw new ForbiddenError('This policy requires approval for extensions, which an access package assignment manager cannot bypass.');
  }
  requireJustification(policy, input, admin);
  const open = await findOpenUpdateRequest(tx, a.id, OPEN_REQUEST_STATES);
  if (open) throw new ConflictError(`An extension of this assignment is already pending (${open.id}).`, 'ExistingOpenRequest');
  if (admin && input.schedule === undefined && input.answers !== undefined) return updateAnswers(tx, deps, caller, a, policy, input);
  const schedule = extendedSchedule(policy, { startAt: a.startAt ?? a.createdAt, endAt: a.endAt }, input.schedule, deps.clock.now(), !admin);
  const answers = input.answers === undefined ? parseJsonOr<unknown[]>(a.answers, []) : validateAnswers(policy.questions, input.answers);
  const request = await insertRequest(tx, deps, caller.principal.userId, {
    accessPackageId: a.accessPackageId, requestType: input.requestType, policyId: policy.id, assignmentId: a.id, targetId: a.targetId,
    justification: input.justification ?? null, answers: JSON.stringify(answers), schedule: JSON.stringify(input.schedule ?? {}),
    idempotencyKey: input.idempotencyKey ?? null, startAt: schedule.startAt, endAt: schedule.endAt,
  });
  await deps.events.publish(tx, caller, { type: 'extensionRequested', requestId: request.id, admin, oldEndAt: a.endAt, newEndAt: schedule.endAt });
  if (!admin && needsApproval) {
    const r = await setRequest(tx, deps, request, 'needsApproval');
    await startApproval(tx, deps, r, policy);
    return r;
  }
  await applyExtension(tx, deps, request);
  return getRequest(tx, request.id);
}

/**
 * The reference's other adminUpdate, "edit answers": answers and no schedule. The assignment takes the
 * new answers (checked against the policy's questions) and keeps its schedule, whether or not its
 * policy expires; the request records them and is delivered at once, as an extension is.
 */
async function updateAnswers(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, caller: Caller, a: AssignmentRow, policy: Policy, input: SubmitInput): Promise<RequestRow> {
  const answers = JSON.stringify(validateAnswers(policy.questions, input.answers));
  const request = await insertRequest(tx, deps, caller.principal.userId, {
    accessPackageId: a.accessPackageId, requestType: input.requestType, policyId: policy.id, assignmentId: a.id, targetId: a.targetId,
    justification: input.justification ?? null, answers, schedule: '{}', idempotencyKey: input.idempotencyKey ?? null,
    startAt: a.startAt ?? a.createdAt, endAt: a.endAt,
  });
  const at = isoNow(deps.clock);
  await updateAssignment(tx, a.id, { answers, modifiedAt: at });
  const started = await setRequest(tx, deps, request, 'start');
  await setRequest(tx, deps, started, 'delivered', { completedAt: at });
  await deps.events.publish(tx, caller, { type: 'answersUpdated', assignmentId: a.id, oldAnswers: a.answers, newAnswers: answers });
  return getRequest(tx, request.id);
}
