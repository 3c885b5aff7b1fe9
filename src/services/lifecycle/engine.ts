import { canCatalog, isAdministrator, RoleDefinitionIds } from '../../domain/authorization.js';
import { validateAnswers } from '../../domain/answers.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { isGuid, newId } from '../../domain/ids.js';
import { isInScope, selfServicePolicies } from '../../domain/policy/scope.js';
import type { Policy } from '../../domain/policy/types.js';
import {
  ACTIVE_ASSIGNMENT_STATES, OPEN_REQUEST_STATES, assignmentStatus, initialRequest, requestKind, transitionRequest,
  type RequestState, type SubmittableRequestType,
} from '../../domain/request-lifecycle.js';
import { extensionOffer } from '../../domain/extension.js';
import { extendedSchedule, initialSchedule, type Schedule } from '../../domain/schedule.js';
import type { SelectQueryBuilder } from 'kysely';
import { parseJsonOr } from '../../domain/json.js';
import type { Tx } from '../../store/db.js';
import { lockRow, skipLocked } from '../../store/locks.js';
import type { Database } from '../../store/schema.js';
import { chunks, ROWS_PER_INSERT } from '../../store/chunks.js';
import { transitiveGroupIds } from '../../store/membership.js';
import { newUserRow } from '../../store/users.js';
import { isUniqueViolation } from '../../store/constraints.js';
import { callerFacts, loadSubjectFacts } from '../subject-facts.js';
import type { Caller } from '../deps.js';
import { decideStage, escalateStages, startApproval, timeOutStages, type DecisionInput } from './approval-flow.js';
import { audit, auditMany, emailOf, now, packageName, reminderMarks, type AssignmentRow, type LifecycleDeps, type RequestRow, findPolicy, policiesOfPackage } from './common.js';
import { JOB_FULFIL, JOB_REVOKE, createGrants, endAssignments, fulfilAssignment, jobAssignmentIds, onRoleScopeChange, retryGrants, revokeJob } from './delivery.js';
import type { WorkerTasks } from '../worker-tasks.js';

// The lifecycle engine: every change to access goes through a request (the only door), whose checks
// run before anything is stored; approvals, delivery, expiry and extension follow from it.

export interface SubmitInput {
  requestType: SubmittableRequestType;
  accessPackageId?: string;
  policyId?: string;
  targetId?: string;
  targetEmail?: string;
  assignmentId?: string;
  justification?: string | null;
  schedule?: unknown;
  answers?: unknown;
  idempotencyKey?: string | null;
}

const POLICY_FIELD = 'assignment.assignmentPolicyId';

/** Assignments expired per transaction (revoked in jobs of fewer, see endAssignments). */
const EXPIRY_BATCH = 500;

/** Thrown to roll back a validation-only submission after every check has passed. */
class ValidationOnlyRollback extends Error {
  constructor(readonly row: RequestRow) {
    super('validation only');
  }
}

/** Administrators, catalog owners and package managers may assign past a policy's approval; assignment managers may not (reference rule). */
function canBypassApproval(caller: Caller, catalogId: string): boolean {
  if (isAdministrator(caller.principal)) return true;
  const roles = caller.principal.catalogRoles.get(catalogId);
  return !!roles && (roles.has(RoleDefinitionIds.catalogOwner) || roles.has(RoleDefinitionIds.accessPackageManager));
}

/** Refuses unless the caller manages assignments in the catalog; `doing` starts the message, e.g. 'Extending'. */
function requireAssignmentWrite(caller: Caller, catalogId: string, doing: string): void {
  if (!canCatalog(caller.principal, 'assignment.write', catalogId)) {
    throw new ForbiddenError(`${doing} needs the 'assignment.write' permission in catalog '${catalogId}'.`);
  }
}

export function createLifecycleEngine(deps: LifecycleDeps) {
  const { db, clock } = deps;

  async function loadPackage(tx: Tx, id: string | undefined) {
    if (!id) throw new ValidationError("'assignment.accessPackageId' is required.", 'assignment.accessPackageId');
    const pkg = isGuid(id)
      ? await tx.selectFrom('accessPackages').innerJoin('catalogs', 'catalogs.id', 'accessPackages.catalogId')
        .select(['accessPackages.id', 'accessPackages.catalogId', 'accessPackages.displayName', 'catalogs.state as catalogState', 'catalogs.isExternallyVisible'])
        .where('accessPackages.id', '=', id).executeTakeFirst()
      : undefined;
    if (!pkg) throw new NotFoundError('Access package', id);
    return pkg;
  }

  /** A new request row: created now, in its initial state unless `fields` say otherwise. */
  function requestRow(requestorId: string | null, fields: Partial<RequestRow> & Pick<RequestRow, 'accessPackageId' | 'requestType'>): RequestRow {
    const at = now(deps);
    const pos = initialRequest();
    return {
      id: newId(), policyId: null, assignmentId: null, state: pos.state, status: pos.status, requestorId, targetId: null, targetEmail: null,
      justification: null, answers: '[]', schedule: '{}', idempotencyKey: null, createdAt: at, completedAt: null, startAt: null, endAt: null, modifiedAt: at, reason: null,
      ...fields,
    };
  }

  async function insertRequests(tx: Tx, rows: readonly RequestRow[]): Promise<void> {
    try {
      for (const chunk of chunks(rows, ROWS_PER_INSERT)) await tx.insertInto('assignmentRequests').values(chunk).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError('A request with this idempotency key already exists.', 'DuplicateRequest');
      throw e;
    }
  }

  async function insertRequest(tx: Tx, requestorId: string | null, fields: Partial<RequestRow> & Pick<RequestRow, 'accessPackageId' | 'requestType'>): Promise<RequestRow> {
    const row = requestRow(requestorId, fields);
    await insertRequests(tx, [row]);
    return row;
  }

  async function setRequest(tx: Tx, request: RequestRow, event: Parameters<typeof transitionRequest>[1], extra: Partial<RequestRow> = {}): Promise<RequestRow> {
    const next = transitionRequest(request.state as RequestState, event);
    const at = now(deps);
    const patch = { state: next.state, status: next.status, modifiedAt: at, ...extra };
    await tx.updateTable('assignmentRequests').set(patch).where('id', '=', request.id).execute();
    return { ...request, ...patch };
  }

  /** The guest account for an external person, created when their request is approved (no invitation mail: the delivered mail is it). */
  async function ensureGuest(tx: Tx, email: string): Promise<string> {
    const existing = await tx.selectFrom('users').select('id').where((eb) => eb.or([eb('upnKey', '=', email.toLowerCase()), eb('mail', '=', email)])).executeTakeFirst();
    if (existing) return existing.id;
    const facts = await loadSubjectFacts(tx, { email });
    const local = email.split('@')[0];
    const row = { ...newUserRow({ displayName: local, userPrincipalName: email, mail: email, userType: 'Guest', connectedOrganizationId: facts.connectedOrganizationId }, now(deps)), governed: 1 };
    await tx.insertInto('users').values(row).execute();
    await audit(tx, deps, null, { activity: 'Add external user', category: 'UserManagement', targetType: 'user', targetId: row.id, targetDisplayName: email });
    return row.id;
  }

  /** An approved add request: starts access now (assignment, grants, delivery) or waits for its start date. */
  async function startOrSchedule(tx: Tx, request: RequestRow, policy: Policy): Promise<void> {
    const requested = parseJsonOr<unknown>(request.schedule, {});
    const schedule: Schedule = request.startAt && request.startAt > now(deps)
      ? { startAt: request.startAt, endAt: request.endAt }
      // access counted from now: a request that waited for approval still gets the policy's full duration
      : initialSchedule(policy, requested, clock.now(), true);
    if (schedule.startAt > now(deps)) {
      await setRequest(tx, request, 'schedule', { startAt: schedule.startAt, endAt: schedule.endAt });
      return;
    }
    await startAssignment(tx, { ...request, startAt: schedule.startAt, endAt: schedule.endAt }, policy);
  }

  async function startAssignment(tx: Tx, request: RequestRow, _policy: Policy): Promise<void> {
    const at = now(deps);
    const targetId = request.targetId ?? (request.targetEmail ? await ensureGuest(tx, request.targetEmail) : null);
    if (!targetId) throw new ValidationError('The request names nobody to assign.', 'assignment.targetId');
    const assignment: AssignmentRow = {
      id: newId(), accessPackageId: request.accessPackageId, policyId: request.policyId, targetId, state: 'delivering', status: assignmentStatus('delivering'),
      startAt: request.startAt ?? at, endAt: request.endAt, expiredAt: null, createdAt: at, modifiedAt: at, requestId: request.id,
      justification: request.justification, answers: request.answers, ...reminderMarks(request.endAt, request.startAt ?? at),
    };
    await tx.insertInto('assignments').values(assignment).execute();
    await setRequest(tx, request, 'start', { assignmentId: assignment.id, targetId, startAt: assignment.startAt, endAt: assignment.endAt });
    await audit(tx, deps, null, {
      activity: 'Ready to fulfill access package assignment request', targetType: 'accessPackageAssignment', targetId: assignment.id,
      modifiedProperties: [{ displayName: 'schedule', oldValue: null, newValue: { startDateTime: assignment.startAt, endDateTime: assignment.endAt } }],
    });
    await createGrants(tx, deps, assignment);
  }

  /** An approved (or unapproved admin) update: the assignment gets its new end date. */
  async function applyExtension(tx: Tx, request: RequestRow): Promise<void> {
    const assignmentId = request.assignmentId!;
    await lockRow(tx, 'assignments', assignmentId);
    const a = await tx.selectFrom('assignments').selectAll().where('id', '=', assignmentId).executeTakeFirstOrThrow();
    if (!ACTIVE_ASSIGNMENT_STATES.includes(a.state as never)) {
      await setRequest(tx, request, 'deny', { completedAt: now(deps), reason: 'The assignment ended before the extension was applied.' });
      return;
    }
    const at = now(deps);
    // the request's answers are the assignment's own unless the update gave new ones
    await tx.updateTable('assignments').set({ endAt: request.endAt, answers: request.answers, ...reminderMarks(request.endAt, at), modifiedAt: at }).where('id', '=', a.id).execute();
    // an extension has nothing to deliver: it starts and completes in one step
    const started = await setRequest(tx, request, 'start');
    await setRequest(tx, started, 'delivered', { completedAt: at });
    await audit(tx, deps, null, {
      activity: 'Extend access package assignment', targetType: 'accessPackageAssignment', targetId: a.id,
      modifiedProperties: [{ displayName: 'endDateTime', oldValue: a.endAt, newValue: request.endAt }],
    });
  }

  async function onApproved(tx: Tx, request: RequestRow, policy: Policy): Promise<void> {
    if (requestKind(request.requestType as never) === 'update') await applyExtension(tx, request);
    else await startOrSchedule(tx, request, policy);
  }

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

  function requireJustification(policy: Policy, input: SubmitInput, admin: boolean): void {
    if (!admin && policy.requestApprovalSettings.isRequestorJustificationRequired && !input.justification?.trim()) {
      throw new ValidationError('This policy requires a justification.', 'justification');
    }
  }

  async function submitAdd(tx: Tx, caller: Caller, input: SubmitInput): Promise<RequestRow> {
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
    const schedule = initialSchedule(policy, input.schedule, clock.now(), admin || policy.requestorSettings.allowCustomAssignmentSchedule);
    await checkNoDuplicate(tx, pkg.id, targetId, targetEmail);
    if (targetId) await checkSeparationOfDuties(tx, pkg.id, targetId);

    const request = await insertRequest(tx, caller.principal.userId, {
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
      const r = await setRequest(tx, request, 'needsApproval');
      await startApproval(tx, deps, r, policy);
      return r;
    }
    if (!admin) await audit(tx, deps, null, { activity: 'Auto approve access package assignment request', targetType: 'accessPackageAssignmentRequest', targetId: request.id });
    await startOrSchedule(tx, request, policy);
    return (await tx.selectFrom('assignmentRequests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow());
  }

  async function loadActiveAssignment(tx: Tx, id: string | undefined) {
    if (!id) throw new ValidationError("'assignment.id' is required for this request type.", 'assignment.id');
    if (!isGuid(id) || !(await lockRow(tx, 'assignments', id))) throw new NotFoundError('Assignment', id);
    const a = await tx.selectFrom('assignments').innerJoin('accessPackages', 'accessPackages.id', 'assignments.accessPackageId')
      .selectAll('assignments').select('accessPackages.catalogId').where('assignments.id', '=', id).executeTakeFirstOrThrow();
    if (!ACTIVE_ASSIGNMENT_STATES.includes(a.state as never)) throw new ConflictError(`Assignment '${id}' has ended (${a.state}).`, 'AssignmentNotActive');
    return a;
  }

  async function submitUpdate(tx: Tx, caller: Caller, input: SubmitInput): Promise<RequestRow> {
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
    const open = await tx.selectFrom('assignmentRequests').select('id').where('assignmentId', '=', a.id)
      .where('requestType', 'in', ['userUpdate', 'adminUpdate']).where('state', 'in', [...OPEN_REQUEST_STATES]).executeTakeFirst();
    if (open) throw new ConflictError(`An extension of this assignment is already pending (${open.id}).`, 'ExistingOpenRequest');
    if (admin && input.schedule === undefined && input.answers !== undefined) return updateAnswers(tx, caller, a, policy, input);
    const schedule = extendedSchedule(policy, { startAt: a.startAt ?? a.createdAt, endAt: a.endAt }, input.schedule, clock.now(), !admin);
    const answers = input.answers === undefined ? parseJsonOr<unknown[]>(a.answers, []) : validateAnswers(policy.questions, input.answers);
    const request = await insertRequest(tx, caller.principal.userId, {
      accessPackageId: a.accessPackageId, requestType: input.requestType, policyId: policy.id, assignmentId: a.id, targetId: a.targetId,
      justification: input.justification ?? null, answers: JSON.stringify(answers), schedule: JSON.stringify(input.schedule ?? {}),
      idempotencyKey: input.idempotencyKey ?? null, startAt: schedule.startAt, endAt: schedule.endAt,
    });
    await audit(tx, deps, caller, {
      activity: admin ? 'Administrator extends access package assignment' : 'User requests access package assignment extension',
      targetType: 'accessPackageAssignmentRequest', targetId: request.id,
      modifiedProperties: [{ displayName: 'endDateTime', oldValue: a.endAt, newValue: schedule.endAt }],
    });
    if (!admin && needsApproval) {
      const r = await setRequest(tx, request, 'needsApproval');
      await startApproval(tx, deps, r, policy);
      return r;
    }
    await applyExtension(tx, request);
    return tx.selectFrom('assignmentRequests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
  }

  /**
   * The reference's other adminUpdate, "edit answers": answers and no schedule. The assignment takes the
   * new answers (checked against the policy's questions) and keeps its schedule, whether or not its
   * policy expires; the request records them and is delivered at once, as an extension is.
   */
  async function updateAnswers(tx: Tx, caller: Caller, a: AssignmentRow, policy: Policy, input: SubmitInput): Promise<RequestRow> {
    const answers = JSON.stringify(validateAnswers(policy.questions, input.answers));
    const request = await insertRequest(tx, caller.principal.userId, {
      accessPackageId: a.accessPackageId, requestType: input.requestType, policyId: policy.id, assignmentId: a.id, targetId: a.targetId,
      justification: input.justification ?? null, answers, schedule: '{}', idempotencyKey: input.idempotencyKey ?? null,
      startAt: a.startAt ?? a.createdAt, endAt: a.endAt,
    });
    const at = now(deps);
    await tx.updateTable('assignments').set({ answers, modifiedAt: at }).where('id', '=', a.id).execute();
    const started = await setRequest(tx, request, 'start');
    await setRequest(tx, started, 'delivered', { completedAt: at });
    await audit(tx, deps, caller, {
      activity: 'Update access package assignment answers', targetType: 'accessPackageAssignment', targetId: a.id,
      modifiedProperties: [{ displayName: 'answers', oldValue: a.answers, newValue: answers }],
    });
    return tx.selectFrom('assignmentRequests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
  }

  async function submitRemove(tx: Tx, caller: Caller, input: SubmitInput): Promise<RequestRow> {
    const admin = input.requestType === 'adminRemove';
    const a = await loadActiveAssignment(tx, input.assignmentId);
    const p = caller.principal;
    if (admin) requireAssignmentWrite(caller, a.catalogId, 'Removing');
    if (!admin) {
      if (a.targetId !== p.userId) throw new ForbiddenError('Only the person who holds an assignment may give it up themselves.');
      const policy = a.policyId ? await findPolicy(tx, a.policyId) : undefined;
      if (policy && !policy.requestorSettings.enableTargetsToSelfRemoveAccess) throw new ForbiddenError("This assignment's policy does not let people remove their own access.");
    }
    return removeAssignment(tx, caller, a, admin ? 'adminRemove' : 'userRemove', input.justification ?? null, input.idempotencyKey ?? null);
  }

  async function removeAssignment(tx: Tx, caller: Caller | null, a: AssignmentRow, requestType: 'userRemove' | 'adminRemove' | 'systemRemove', justification: string | null, idempotencyKey: string | null): Promise<RequestRow> {
    return (await removeAssignments(tx, caller, [a], requestType, justification, idempotencyKey))[0];
  }

  /**
   * Ends assignments the caller has locked: a removal request each (started at once: nothing to approve),
   * the assignments expired, their grants revoking under revocation jobs (endAssignments), an audit event each.
   * Set-based, so expiring a batch costs the same few statements as removing one.
   */
  async function removeAssignments(tx: Tx, caller: Caller | null, assignments: readonly AssignmentRow[], requestType: 'userRemove' | 'adminRemove' | 'systemRemove',
    justification: string | null, idempotencyKey: string | null): Promise<RequestRow[]> {
    // a key names one request: given with several, all but the first would collide on it
    if (idempotencyKey && assignments.length > 1) throw new Error('removeAssignments: an idempotency key belongs to a single removal');
    const started = transitionRequest(initialRequest().state, 'start');
    const requests = assignments.map((a) => requestRow(caller ? caller.principal.userId : null, {
      accessPackageId: a.accessPackageId, requestType, policyId: a.policyId, assignmentId: a.id, targetId: a.targetId, justification, idempotencyKey,
      state: started.state, status: started.status,
    }));
    await insertRequests(tx, requests);
    await endAssignments(tx, deps, assignments.map((a) => a.id));
    await auditMany(tx, deps, caller, assignments.map((a) => ({
      activity: requestType === 'systemRemove' ? 'Access package assignment expired' : 'Remove access package assignment request',
      targetType: 'accessPackageAssignment', targetId: a.id, modifiedProperties: [{ displayName: 'requestType', oldValue: null, newValue: requestType }],
    })));
    return requests;
  }

  const submitIn = (tx: Tx, caller: Caller, input: SubmitInput): Promise<RequestRow> => {
    const kind = requestKind(input.requestType);
    return kind === 'add' ? submitAdd(tx, caller, input) : kind === 'update' ? submitUpdate(tx, caller, input) : submitRemove(tx, caller, input);
  };

  return {
    /** isValidationOnly: every check of a real submission runs, then the transaction is rolled back. */
    async validate(caller: Caller, input: SubmitInput): Promise<RequestRow> {
      try {
        await db.transaction().execute(async (tx) => {
          throw new ValidationOnlyRollback(await submitIn(tx, caller, { ...input, idempotencyKey: null }));
        });
      } catch (e) {
        if (e instanceof ValidationOnlyRollback) return e.row;
        throw e;
      }
      throw new Error('unreachable: a validation-only submission always rolls back');
    },

    /** Validates and stores a request, then carries it as far as it can go at once (approval, delivery, removal). */
    async submit(caller: Caller, input: SubmitInput): Promise<RequestRow> {
      if (input.idempotencyKey) {
        const seen = await db.selectFrom('assignmentRequests').selectAll().where('idempotencyKey', '=', input.idempotencyKey).executeTakeFirst();
        if (seen) {
          if (seen.requestorId !== caller.principal.userId) throw new ConflictError('This idempotency key belongs to another request.', 'DuplicateRequest');
          return seen;
        }
      }
      let r: RequestRow;
      try {
        r = await db.transaction().execute((tx) => submitIn(tx, caller, input));
      } catch (e) {
        // a twin carrying the same key was stored while this one was being checked: answer with it
        if (input.idempotencyKey && e instanceof ConflictError) {
          const seen = await db.selectFrom('assignmentRequests').selectAll().where('idempotencyKey', '=', input.idempotencyKey).executeTakeFirst();
          if (seen && seen.requestorId === caller.principal.userId) return seen;
        }
        throw e;
      }
      deps.kick();
      return r;
    },

    decide(caller: Caller, requestId: string, stageId: string, input: DecisionInput): Promise<void> {
      return decideStage(deps, caller, requestId, stageId, input, onApproved);
    },

    /** Cancels a request that has not been delivered yet (requestor, target, or an assignment manager of its catalog). */
    async cancel(caller: Caller, requestId: string): Promise<RequestRow> {
      const r = await db.transaction().execute(async (tx) => {
        if (!isGuid(requestId) || !(await lockRow(tx, 'assignmentRequests', requestId))) throw new NotFoundError('Request', requestId);
        const request = await tx.selectFrom('assignmentRequests').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
        const pkg = await loadPackage(tx, request.accessPackageId);
        const own = caller.principal.userId === request.requestorId || caller.principal.userId === request.targetId;
        if (!own && !canCatalog(caller.principal, 'assignment.write', pkg.catalogId)) throw new ForbiddenError('Only the requestor or an assignment manager of the catalog can cancel this request.');
        const at = now(deps);
        const next = await setRequest(tx, request, 'cancel', { completedAt: at, reason: 'Canceled.' });
        await tx.updateTable('approvalStages').set({ status: 'Completed' }).where('requestId', '=', requestId).where('status', 'in', ['InProgress', 'Initializing']).execute();
        await audit(tx, deps, caller, { activity: 'Cancel access package assignment request', targetType: 'accessPackageAssignmentRequest', targetId: requestId,
          modifiedProperties: [{ displayName: 'state', oldValue: request.state, newValue: 'canceled' }] });
        return next;
      });
      return r;
    },

    /** Retries the failed grants of a partially delivered or failed request. */
    async reprocessRequest(caller: Caller, requestId: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        if (!isGuid(requestId) || !(await lockRow(tx, 'assignmentRequests', requestId))) throw new NotFoundError('Request', requestId);
        const request = await tx.selectFrom('assignmentRequests').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
        const pkg = await loadPackage(tx, request.accessPackageId);
        requireAssignmentWrite(caller, pkg.catalogId, 'Reprocessing');
        await setRequest(tx, request, 'reprocess');
        if (request.assignmentId) {
          await lockRow(tx, 'assignments', request.assignmentId);
          await retryGrants(tx, deps, request.assignmentId, ['failed']);
        }
        await audit(tx, deps, caller, { activity: 'Reprocess access package assignment request', targetType: 'accessPackageAssignmentRequest', targetId: requestId });
      });
      deps.kick();
    },

    /** Re-applies every grant of a delivered assignment, repairing access changed outside Latchkey. */
    async reprocessAssignment(caller: Caller, assignmentId: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const a = await loadActiveAssignment(tx, assignmentId);
        requireAssignmentWrite(caller, a.catalogId, 'Reprocessing');
        await retryGrants(tx, deps, a.id, ['failed', 'delivered']);
        await audit(tx, deps, caller, { activity: 'Reprocess access package assignment', targetType: 'accessPackageAssignment', targetId: a.id });
      });
      deps.kick();
    },

    /** Deletes a completed request that produced no assignment (denied, canceled, timed out). */
    async deleteRequest(caller: Caller, requestId: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        if (!isGuid(requestId) || !(await lockRow(tx, 'assignmentRequests', requestId))) throw new NotFoundError('Request', requestId);
        const request = await tx.selectFrom('assignmentRequests').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
        const pkg = await loadPackage(tx, request.accessPackageId);
        requireAssignmentWrite(caller, pkg.catalogId, 'Deleting requests');
        if (request.assignmentId || !['denied', 'canceled'].includes(request.state)) {
          throw new ConflictError('Only a completed request without an assignment (denied, canceled or timed out) can be deleted.', 'RequestNotDeletable');
        }
        await tx.deleteFrom('approvalDecisions').where('requestId', '=', requestId).execute();
        await tx.deleteFrom('approvalStageApprovers').where('requestId', '=', requestId).execute();
        await tx.deleteFrom('approvalStages').where('requestId', '=', requestId).execute();
        await tx.deleteFrom('assignmentRequests').where('id', '=', requestId).execute();
        await audit(tx, deps, caller, { activity: 'Delete access package assignment request', targetType: 'accessPackageAssignmentRequest', targetId: requestId });
      });
    },

    /** Removes many assignments at once; already-ended ones are skipped, so running it twice changes nothing. */
    async bulkRemove(caller: Caller, assignmentIds: string[], justification: string | null): Promise<{ removed: string[]; skipped: { id: string; reason: string }[] }> {
      const removed: string[] = [];
      const skipped: { id: string; reason: string }[] = [];
      for (const id of assignmentIds) {
        try {
          await db.transaction().execute(async (tx) => {
            const a = await loadActiveAssignment(tx, id);
            requireAssignmentWrite(caller, a.catalogId, 'Removing');
            await removeAssignment(tx, caller, a, 'adminRemove', justification, null);
          });
          removed.push(id);
        } catch (e) {
          if (e instanceof ConflictError || e instanceof NotFoundError || e instanceof ForbiddenError) skipped.push({ id, reason: e.message });
          else throw e;
        }
      }
      if (removed.length) deps.kick();
      return { removed, skipped };
    },

    onRoleScopeChange: (tx: Tx, change: { kind: 'added' | 'removed'; accessPackageId: string; roleId: string; scopeId: string }) => onRoleScopeChange(tx, deps, change),

    /** What the worker runs: delivery and revocation jobs, and scans of due times. */
    workerTasks(): WorkerTasks {
      return {
        handlers: {
          [JOB_FULFIL]: async (job) => {
            for (const id of jobAssignmentIds(job.payload)) await fulfilAssignment(deps, id);
          },
          [JOB_REVOKE]: (job) => revokeJob(deps, jobAssignmentIds(job.payload)),
        },
        periodic: [
          { name: 'startScheduled', run: () => startScheduled() },
          { name: 'expireDue', run: () => expireDue() },
          { name: 'timeOutApprovals', run: () => timeOutStages(deps) },
          { name: 'escalateApprovals', run: () => escalateStages(deps) },
          { name: 'remindExpiring', run: () => remindExpiring() },
          { name: 'deleteBlockedGuests', run: () => deleteBlockedGuests() },
        ],
      };
    },
  };

  /** Scheduled requests whose start has come: their assignments begin. */
  async function startScheduled(limit = 200): Promise<number> {
    const due = await db.selectFrom('assignmentRequests').select('id').where('state', '=', 'scheduled').where('startAt', '<=', now(deps)).limit(limit).execute();
    for (const { id } of due) {
      await db.transaction().execute(async (tx) => {
        await lockRow(tx, 'assignmentRequests', id);
        const r = await tx.selectFrom('assignmentRequests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        if (r.state !== 'scheduled' || !r.startAt || r.startAt > now(deps)) return;
        await startAssignment(tx, r, await findPolicy(tx, r.policyId ?? ''));
      });
    }
    return due.length;
  }

  /**
   * Assignments past their end: each becomes a systemRemove request and its access is revoked in the target
   * systems. A batch per transaction, revoked in jobs of several assignments: when 100k assignments end at the
   * same instant, expiring them one transaction (and one job) each ran at about 130–200 a second (bench).
   */
  async function expireDue(limit = EXPIRY_BATCH): Promise<number> {
    const due = (q: SelectQueryBuilder<Database, 'assignments', AssignmentRow>) =>
      q.where('state', 'in', [...ACTIVE_ASSIGNMENT_STATES]).where('endAt', 'is not', null).where('endAt', '<=', now(deps));
    // a plain read first: on SQLite a transaction takes the write lock, which an idle worker should not take every round
    if (!(await due(db.selectFrom('assignments').selectAll()).limit(1).executeTakeFirst())) return 0;
    return db.transaction().execute(async (tx) => {
      // read under the lock, so an extension that got here first has moved the end date; other workers' batches are skipped
      // no ORDER BY: a batch's order does not matter, and sorting every due row to take 500 would cost O(due) per batch
      const batch = await skipLocked(tx, due(tx.selectFrom('assignments').selectAll()).limit(limit)).execute();
      await removeAssignments(tx, null, batch, 'systemRemove', null, null);
      return batch.length;
    });
  }

  /** Mails the holder 14 days and 1 day before expiry, once each, inviting an extension where the policy allows one. */
  async function remindExpiring(limit = 500): Promise<number> {
    let n = 0;
    for (const [days, column, template] of [[14, 'reminded14At', 'expiresIn14Days'], [1, 'reminded1At', 'expiresIn1Day']] as const) {
      const horizon = new Date(clock.now().getTime() + days * 86_400_000).toISOString();
      const due = await db.selectFrom('assignments').selectAll().where('state', 'in', [...ACTIVE_ASSIGNMENT_STATES]).where('endAt', 'is not', null)
        .where('endAt', '<=', horizon).where('endAt', '>', now(deps)).where(column, 'is', null).limit(limit).execute();
      for (const a of due) {
        await db.transaction().execute(async (tx) => {
          const claimed = await tx.updateTable('assignments').set({ [column]: now(deps) }).where('id', '=', a.id).where(column, 'is', null).executeTakeFirst();
          if (Number(claimed.numUpdatedRows) === 0) return;
          // a 1-day reminder makes the 14-day one moot
          if (days === 1) await tx.updateTable('assignments').set({ reminded14At: now(deps) }).where('id', '=', a.id).where('reminded14At', 'is', null).execute();
          const policy = a.policyId ? await findPolicy(tx, a.policyId).catch(() => undefined) : undefined;
          const origin = a.requestId ? await tx.selectFrom('assignmentRequests').select('requestType').where('id', '=', a.requestId).executeTakeFirst() : undefined;
          if (policy?.notificationSettings.isAssignmentNotificationDisabled) return;
          // no mail about admin direct assignments (reference), except the invitation to extend
          // when the policy lets such an assignee extend themselves (Latchkey's improvement)
          if (origin?.requestType === 'adminAdd' && !policy?.requestorSettings.enableTargetsToSelfUpdateAccess) return;
          const target = await emailOf(tx, a.targetId);
          if (!target) return;
          await deps.notifications.queue(tx, {
            to: target.email, template,
            data: {
              packageName: await packageName(tx, a.accessPackageId), targetName: target.name, endDateTime: a.endAt, assignmentId: a.id,
              canExtend: !!policy?.requestorSettings.enableTargetsToSelfUpdateAccess, adminAssigned: origin?.requestType === 'adminAdd', extendFrom: extendFrom(policy, a),
            },
          });
        });
        n++;
      }
    }
    return n;
  }

  /** When the holder's extension window opens, if a reminder comes before it (access of 14 to 28 days gets its 14-day reminder early). */
  function extendFrom(policy: Policy | undefined, a: AssignmentRow): string | undefined {
    if (!policy || !a.endAt) return undefined;
    const offer = extensionOffer(policy.expiration, { startAt: a.startAt ?? a.createdAt, endAt: a.endAt }, clock.now());
    return !offer.canExtend && offer.why === 'notYet' ? offer.opensAt ?? undefined : undefined;
  }

  /** Governed guests whose deletion date has come are deleted, with their memberships. */
  async function deleteBlockedGuests(limit = 200): Promise<number> {
    const due = await db.selectFrom('users').select(['id', 'userPrincipalName']).where('governed', '=', 1).where('deleteAfter', 'is not', null)
      .where('deleteAfter', '<=', now(deps)).limit(limit).execute();
    for (const u of due) {
      await db.transaction().execute(async (tx) => {
        // claim the row and re-check it under the lock: another worker may have deleted this guest already
        // (no second audit event), or the guest got access again and deleteAfter was cleared (keep them)
        const claimed = await tx.updateTable('users').set((eb) => ({ id: eb.ref('id') })).where('id', '=', u.id).where('governed', '=', 1)
          .where('deleteAfter', 'is not', null).where('deleteAfter', '<=', now(deps)).executeTakeFirst();
        if (Number(claimed.numUpdatedRows) === 0) return;
        await tx.deleteFrom('groupMembers').where('memberId', '=', u.id).execute();
        await tx.deleteFrom('groupOwners').where('userId', '=', u.id).execute();
        await tx.deleteFrom('roleAssignments').where('principalId', '=', u.id).execute();
        await tx.deleteFrom('apiTokens').where('userId', '=', u.id).execute();
        await tx.deleteFrom('users').where('id', '=', u.id).execute();
        await audit(tx, deps, null, { activity: 'Delete external user', category: 'UserManagement', targetType: 'user', targetId: u.id, targetDisplayName: u.userPrincipalName });
      });
    }
    return due.length;
  }
}

export type LifecycleEngine = ReturnType<typeof createLifecycleEngine>;
