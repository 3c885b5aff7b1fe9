import { validateAnswers } from '../../domain/answers.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import { isInScope, selfServicePolicies } from '../../domain/policy/scope.js';
import type { Policy } from '../../domain/policy/types.js';
import { ACTIVE_ASSIGNMENT_STATES, OPEN_REQUEST_STATES } from '../../domain/request-lifecycle.js';
import { initialSchedule } from '../../domain/schedule.js';
import type { Tx } from '../../store/db.js';
import { lockRow } from '../../store/locks.js';
import { transitiveGroupIds } from '../../store/membership.js';
import type { Caller } from '../deps.js';
import { callerFacts, loadSubjectFacts } from '../subject-facts.js';
import { startApproval } from './approval-flow.js';
import { audit, policiesOfPackage, type LifecycleDeps, type RequestRow } from './common.js';
import {
  POLICY_FIELD, canBypassApproval, insertRequest, loadPackage, requireAssignmentWrite, requireJustification, setRequest, type SubmitInput,
} from './requests.js';
import { startOrSchedule } from './start-assignment.js';

// userAdd and adminAdd: who may ask, under which policy, for whom; then approval or access at once.

async function checkSeparationOfDuties(tx: Tx, accessPackageId: string, targetId: string): Promise<void> {
  const conflicting = await tx.selectFrom('incompatibleAccessPackages')
    .innerJoin('assignments', 'assignments.accessPackageId', 'incompatibleAccessPackages.incompatibleAccessPackageId')
    .innerJoin('accessPackages', 'accessPackages.id', 'incompatibleAccessPackages.incompatibleAccessPackageId')
    .select('accessPackages.displayName')
    .where('incompatibleAccessPackages.accessPackageId', '=', accessPackageId)
    .where('assignments.targetId', '=', targetId)
    .where('assignments.state', 'in', [...ACTIVE_ASSIGNMENT_STATES])
    .executeTakeFirst();
  if (conflicting) {
    throw new ForbiddenError(`Separation of duties: the person already has '${conflicting.displayName}', which is incompatible with this access package.`);
  }
  const groups = await tx.selectFrom('incompatibleGroups').innerJoin('groups', 'groups.id', 'incompatibleGroups.groupId')
    .select(['groups.id', 'groups.displayName']).where('incompatibleGroups.accessPackageId', '=', accessPackageId).execute();
  if (groups.length > 0) {
    const mine = new Set(await transitiveGroupIds(tx, targetId));
    const hit = groups.find((g) => mine.has(g.id));
    if (hit) throw new ForbiddenError(`Separation of duties: members of the group '${hit.displayName}' cannot have this access package.`);
  }
}

async function checkNoDuplicate(tx: Tx, accessPackageId: string, targetId: string | null, targetEmail: string | null): Promise<void> {
  const open = await tx.selectFrom('assignmentRequests').select(['id', 'state'])
    .where('accessPackageId', '=', accessPackageId).where('state', 'in', [...OPEN_REQUEST_STATES])
    .where('requestType', 'in', ['userAdd', 'adminAdd', 'systemAdd'])
    .where((eb) => (targetId ? eb('targetId', '=', targetId) : eb('targetEmail', '=', targetEmail)))
    .executeTakeFirst();
  if (open) throw new ConflictError(`There is already an open request (${open.id}, ${open.state}) for this access package and person.`, 'ExistingOpenRequest');
  if (targetId) {
    const active = await tx.selectFrom('assignments').select('id').where('accessPackageId', '=', accessPackageId).where('targetId', '=', targetId)
      .where('state', 'in', [...ACTIVE_ASSIGNMENT_STATES]).executeTakeFirst();
    if (active) throw new ConflictError(`The person already has this access package (assignment ${active.id}).`, 'ExistingAssignment');
  }
}

export async function submitAdd(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'notifications'>, caller: Caller, input: SubmitInput): Promise<RequestRow> {
  const admin = input.requestType === 'adminAdd';
  // Add requests for one package are serialised on the package row, taken first: two identical
  // submissions at once cannot both pass the duplicate check below (PostgreSQL reads committed rows
  // only, and no index forbids two open requests), and on SQLite the write lock comes before any read.
  if (input.accessPackageId && isGuid(input.accessPackageId)) await lockRow(tx, 'accessPackages', input.accessPackageId);
  const pkg = await loadPackage(tx, input.accessPackageId);
  const p = caller.principal;
  if (admin) requireAssignmentWrite(caller, pkg.catalogId, 'Assigning');
  if (!admin && pkg.catalogState !== 'published') throw new ForbiddenError('The catalog of this access package is not published, so it cannot be requested.');

  let targetId: string | null = null;
  let targetEmail: string | null = null;
  if (admin) {
    if (input.targetId) {
      if (!isGuid(input.targetId)) throw new NotFoundError('User', input.targetId);
      const u = await tx.selectFrom('users').select('id').where('id', '=', input.targetId).executeTakeFirst();
      if (!u) throw new NotFoundError('User', input.targetId);
      targetId = u.id;
    } else if (input.targetEmail) {
      const u = await tx.selectFrom('users').select('id').where((eb) => eb.or([eb('upnKey', '=', input.targetEmail!.toLowerCase()), eb('mail', '=', input.targetEmail!)])).executeTakeFirst();
      if (u) targetId = u.id;
      else targetEmail = input.targetEmail;
    } else {
      throw new ValidationError("Name who gets the access: 'assignment.targetId' or 'assignment.target.email'.", 'assignment.targetId');
    }
  } else {
    targetId = input.targetId ?? p.userId;
    if (targetId !== p.userId) {
      const report = await tx.selectFrom('users').select('managerId').where('id', '=', targetId).executeTakeFirst();
      if (!report) throw new NotFoundError('User', targetId);
      if (report.managerId !== p.userId) throw new ForbiddenError('Only a manager may request access on behalf of someone else, and only for their direct reports.');
    }
  }
  const facts = targetId === p.userId ? await callerFacts(tx, p) : await loadSubjectFacts(tx, targetId ? { userId: targetId } : { email: targetEmail! });
  if (!admin && p.userType === 'Guest' && !pkg.isExternallyVisible) throw new ForbiddenError('This catalog is not available to external users.');

  const policies = await policiesOfPackage(tx, pkg.id);
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
  await audit(tx, deps, caller, {
    activity: admin ? 'Administrator directly assigns user to access package' : 'User requests access package assignment',
    targetType: 'accessPackageAssignmentRequest', targetId: request.id, targetDisplayName: pkg.displayName,
    modifiedProperties: [{ displayName: 'accessPackageId', oldValue: null, newValue: pkg.id }, { displayName: 'targetId', oldValue: null, newValue: targetId ?? targetEmail }],
  });
  const approval = !admin && policy.requestApprovalSettings.isApprovalRequiredForAdd && policy.requestApprovalSettings.stages.length > 0;
  if (approval) {
    const r = await setRequest(tx, deps, request, 'needsApproval');
    await startApproval(tx, deps, r, policy);
    return r;
  }
  if (!admin) await audit(tx, deps, null, { activity: 'Auto approve access package assignment request', targetType: 'accessPackageAssignmentRequest', targetId: request.id });
  await startOrSchedule(tx, deps, request, policy);
  return (await tx.selectFrom('assignmentRequests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow());
}
