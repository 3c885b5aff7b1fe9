import { validateAnswers } from '../../domain/answers.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import { isInScope, selfServicePolicies } from '../../domain/policy/scope.js';
import type { Policy } from '../../domain/policy/types.js';
import { OPEN_REQUEST_STATES } from '../../domain/request-lifecycle.js';
import { initialSchedule } from '../../domain/schedule.js';
import type { Tx } from '../../store/db.js';
import { holdRow } from '../../store/locks.js';
import { transitiveGroupIds } from '../../store/membership.js';
import type { Caller } from '../deps.js';
import { callerFacts, loadSubjectFacts } from '../subject-facts.js';
import { startApproval } from './approval-flow.js';
import { type LifecycleDeps, type RequestRow } from './common.js';
import {
  POLICY_FIELD, canBypassApproval, insertRequest, loadPackage, requireAssignmentWrite, requireJustification, setRequest, type SubmitInput,
} from './requests.js';
import { startOrSchedule } from './start-assignment.js';
import { findActiveAssignment, findActiveIncompatiblePackage } from '../../store/assignments.js';
import { listIncompatibleGroups } from '../../store/packages.js';
import { listPoliciesOfPackage } from '../../store/policies.js';
import { findOpenAddRequest } from '../../store/requests.js';
import { findManagerId, findUserById, findUserIdByEmail } from '../../store/users.js';

// userAdd and adminAdd: who may ask, under which policy, for whom; then approval or access at once.

async function checkSeparationOfDuties(tx: Tx, accessPackageId: string, targetId: string): Promise<void> {
  const conflicting = await findActiveIncompatiblePackage(tx, accessPackageId, targetId);
  if (conflicting !== undefined) {
    throw new ForbiddenError(`Separation of duties: the person already has '${conflicting}', which is incompatible with this access package.`);
  }
  const groups = await listIncompatibleGroups(tx, accessPackageId);
  if (groups.length > 0) {
    const mine = new Set(await transitiveGroupIds(tx, targetId));
    const hit = groups.find((g) => mine.has(g.id));
    if (hit) throw new ForbiddenError(`Separation of duties: members of the group '${hit.displayName}' cannot have this access package.`);
  }
}

async function checkNoDuplicate(tx: Tx, accessPackageId: string, targetId: string | null, targetEmail: string | null): Promise<void> {
  const open = await findOpenAddRequest(tx, accessPackageId, targetId, targetEmail, OPEN_REQUEST_STATES);
  if (open) throw new ConflictError(`There is already an open request (${open.id}, ${open.state}) for this access package and person.`, 'ExistingOpenRequest');
  if (targetId) {
    const active = await findActiveAssignment(tx, accessPackageId, targetId);
    if (active) throw new ConflictError(`The person already has this access package (assignment ${active.id}).`, 'ExistingAssignment');
  }
}

export async function submitAdd(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, caller: Caller, input: SubmitInput): Promise<RequestRow> {
  const admin = input.requestType === 'adminAdd';
  // Add requests for one package are serialised on the package row, taken first: two identical
  // submissions at once cannot both pass the duplicate check below (PostgreSQL reads committed rows
  // only, and no index forbids two open requests), and on SQLite the write lock comes before any read.
  if (input.accessPackageId && isGuid(input.accessPackageId)) await holdRow(tx, 'accessPackages', input.accessPackageId);
  const pkg = await loadPackage(tx, input.accessPackageId);
  const p = caller.principal;
  if (admin) requireAssignmentWrite(caller, pkg.catalogId, 'Assigning');
  if (!admin && pkg.catalogState !== 'published') throw new ForbiddenError('The catalog of this access package is not published, so it cannot be requested.');

  let targetId: string | null = null;
  let targetEmail: string | null = null;
  if (admin) {
    if (input.targetId) {
      if (!isGuid(input.targetId)) throw new NotFoundError('User', input.targetId);
      if (!(await findUserById(tx, input.targetId))) throw new NotFoundError('User', input.targetId);
      targetId = input.targetId;
    } else if (input.targetEmail) {
      const u = await findUserIdByEmail(tx, input.targetEmail);
      if (u) targetId = u;
      else targetEmail = input.targetEmail;
    } else {
      throw new ValidationError("Name who gets the access: 'assignment.targetId' or 'assignment.target.email'.", 'assignment.targetId');
    }
  } else {
    targetId = input.targetId ?? p.userId;
    if (targetId !== p.userId) {
      const managerId = await findManagerId(tx, targetId);
      if (managerId === undefined) throw new NotFoundError('User', targetId);
      if (managerId !== p.userId) throw new ForbiddenError('Only a manager may request access on behalf of someone else, and only for their direct reports.');
    }
  }
  const facts = targetId === p.userId ? await callerFacts(tx, p) : await loadSubjectFacts(tx, targetId ? { userId: targetId } : { email: targetEmail! });
  if (!admin && p.userType === 'Guest' && !pkg.isExternallyVisible) throw new ForbiddenError('This catalog is not available to external users.');

  const policies = await listPoliciesOfPackage(tx, pkg.id);
  let policy: Policy | undefined;
  if (input.policyId) {
    policy = policies.find((x) => x.id === input.policyId);
    if (!policy) throw new ValidationError(`Policy '${input.policyId}' is not a policy of access package '${pkg.displayName}'.`, POLICY_FIELD);
  }
  const onBehalf = !admin && targetId !== p.userId;
  if (!admin) {
    const candidates = selfServicePolicies(policies, facts, 'add')
      .filter((x) => !onBehalf || x.requestorSettings.enableOnBehalfRequestorsToAddAccess);
    if (!policy) {
      if (candidates.length === 0) throw new ForbiddenError("You don't meet the requirements of any policy of this access package.");
      if (candidates.length > 1) {
        throw new ValidationError(`Several policies apply; choose one in 'assignment.assignmentPolicyId': ${candidates.map((c) => `${c.id} (${c.displayName})`).join(', ')}.`, POLICY_FIELD);
      }
      policy = candidates[0];
    } else if (!candidates.some((c) => c.id === policy!.id)) {
      if (!policy.requestorSettings.acceptRequests) throw new ValidationError('This policy does not accept requests at the moment.', POLICY_FIELD, 'PolicyDisabled');
      throw new ForbiddenError("You don't meet the requirements of this policy (who can request, self-service, or a policy of higher priority applies).");
    }
  } else {
    if (!policy) {
      const enabled = policies.filter((x) => x.requestorSettings.acceptRequests);
      if (enabled.length !== 1) throw new ValidationError("Choose the policy to assign under in 'assignment.assignmentPolicyId'.", POLICY_FIELD);
      policy = enabled[0];
    }
    if (!policy.requestorSettings.acceptRequests) throw new ValidationError('This policy is disabled: it accepts no requests and no direct assignments.', POLICY_FIELD, 'PolicyDisabled');
    if (policy.allowedTargetScope !== 'notSpecified' && !isInScope(policy, facts)) {
      throw new ValidationError("The person doesn't meet this policy's requirements (who can request). Assign under a policy that covers them.", 'assignment.targetId');
    }
    const needsApproval = policy.requestApprovalSettings.isApprovalRequiredForAdd && policy.requestApprovalSettings.stages.length > 0;
    if (needsApproval && !canBypassApproval(caller, pkg.catalogId)) {
      throw new ForbiddenError('This policy requires approval, which an access package assignment manager cannot bypass; assign under a policy without approval.');
    }
  }
  requireJustification(policy, input, admin);
  const answers = admin && input.answers === undefined ? [] : validateAnswers(policy.questions, input.answers ?? []);
  const schedule = initialSchedule(policy, input.schedule, deps.clock.now(), admin || policy.requestorSettings.allowCustomAssignmentSchedule);
  await checkNoDuplicate(tx, pkg.id, targetId, targetEmail);
  if (targetId) await checkSeparationOfDuties(tx, pkg.id, targetId);

  const request = await insertRequest(tx, deps, caller.principal.userId, {
    accessPackageId: pkg.id, requestType: input.requestType, policyId: policy.id, targetId, targetEmail, justification: input.justification ?? null,
    answers: JSON.stringify(answers), schedule: JSON.stringify(input.schedule ?? {}), idempotencyKey: input.idempotencyKey ?? null,
    startAt: schedule.startAt, endAt: schedule.endAt,
  });
  await deps.events.publish(tx, caller, { type: 'requestSubmitted', request, admin, packageName: pkg.displayName });
  const approval = !admin && policy.requestApprovalSettings.isApprovalRequiredForAdd && policy.requestApprovalSettings.stages.length > 0;
  if (approval) {
    const r = await setRequest(tx, deps, request, 'needsApproval');
    await startApproval(tx, deps, r, policy);
    return r;
  }
  if (!admin) await deps.events.publish(tx, null, { type: 'requestAutoApproved', requestId: request.id });
  // the request as the use case left it (setRequest returns each change it stores), not read back
  return startOrSchedule(tx, deps, request, policy);
}
