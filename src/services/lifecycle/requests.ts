import { isoNow } from '../../domain/clock.js';
import { canCatalog, isAdministrator, RoleDefinitionIds } from '../../domain/authorization.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { isGuid, newId } from '../../domain/ids.js';
import type { Policy } from '../../domain/policy/types.js';
import { ACTIVE_ASSIGNMENT_STATES, initialRequest, transitionRequest, type RequestState, type SubmittableRequestType } from '../../domain/request-lifecycle.js';
import type { Tx } from '../../store/db.js';
import { lockRow } from '../../store/locks.js';
import { isUniqueViolation } from '../../store/constraints.js';
import type { Caller } from '../deps.js';
import { type LifecycleDeps, type RequestRow } from './common.js';
import { getAssignmentWithCatalog } from '../../store/assignments.js';
import { findPackageWithCatalog } from '../../store/packages.js';
import { insertRequestRows, updateRequest } from '../../store/requests.js';

// What the use cases share: the submitted input, request rows (new, stored, moved along the state machine),
// the package or assignment a request is about, and the permission checks several use cases make.

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

export const POLICY_FIELD = 'assignment.assignmentPolicyId';

/** Administrators, catalog owners and package managers may assign past a policy's approval; assignment managers may not (reference rule). */
export function canBypassApproval(caller: Caller, catalogId: string): boolean {
  if (isAdministrator(caller.principal)) return true;
  const roles = caller.principal.catalogRoles.get(catalogId);
  return !!roles && (roles.has(RoleDefinitionIds.catalogOwner) || roles.has(RoleDefinitionIds.accessPackageManager));
}

/** Refuses unless the caller manages assignments in the catalog; `doing` starts the message, e.g. 'Extending'. */
export function requireAssignmentWrite(caller: Caller, catalogId: string, doing: string): void {
  if (!canCatalog(caller.principal, 'assignment.write', catalogId)) {
    throw new ForbiddenError(`${doing} needs the 'assignment.write' permission in catalog '${catalogId}'.`);
  }
}

export async function loadPackage(tx: Tx, id: string | undefined) {
  if (!id) throw new ValidationError("'assignment.accessPackageId' is required.", 'assignment.accessPackageId');
  const pkg = isGuid(id) ? await findPackageWithCatalog(tx, id) : undefined;
  if (!pkg) throw new NotFoundError('Access package', id);
  return pkg;
}

/** A new request row: created now, in its initial state unless `fields` say otherwise. */
export function requestRow(deps: Pick<LifecycleDeps, 'clock' | 'events'>, requestorId: string | null, fields: Partial<RequestRow> & Pick<RequestRow, 'accessPackageId' | 'requestType'>): RequestRow {
  const at = isoNow(deps.clock);
  const pos = initialRequest();
  return {
    id: newId(), policyId: null, assignmentId: null, state: pos.state, status: pos.status, requestorId, targetId: null, targetEmail: null,
    justification: null, answers: '[]', schedule: '{}', idempotencyKey: null, createdAt: at, completedAt: null, startAt: null, endAt: null, modifiedAt: at, reason: null,
    ...fields,
  };
}

export async function insertRequests(tx: Tx, rows: readonly RequestRow[]): Promise<void> {
  try {
    await insertRequestRows(tx, rows);
  } catch (e) {
    if (isUniqueViolation(e)) throw new ConflictError('A request with this idempotency key already exists.', 'DuplicateRequest');
    throw e;
  }
}

export async function insertRequest(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, requestorId: string | null, fields: Partial<RequestRow> & Pick<RequestRow, 'accessPackageId' | 'requestType'>): Promise<RequestRow> {
  const row = requestRow(deps, requestorId, fields);
  await insertRequests(tx, [row]);
  return row;
}

export async function setRequest(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, request: RequestRow, event: Parameters<typeof transitionRequest>[1], extra: Partial<RequestRow> = {}): Promise<RequestRow> {
  const next = transitionRequest(request.state as RequestState, event);
  const at = isoNow(deps.clock);
  const patch = { state: next.state, status: next.status, modifiedAt: at, ...extra };
  await updateRequest(tx, request.id, patch);
  return { ...request, ...patch };
}

export async function loadActiveAssignment(tx: Tx, id: string | undefined) {
  if (!id) throw new ValidationError("'assignment.id' is required for this request type.", 'assignment.id');
  if (!isGuid(id) || !(await lockRow(tx, 'assignments', id))) throw new NotFoundError('Assignment', id);
  const a = await getAssignmentWithCatalog(tx, id);
  if (!ACTIVE_ASSIGNMENT_STATES.includes(a.state as never)) throw new ConflictError(`Assignment '${id}' has ended (${a.state}).`, 'AssignmentNotActive');
  return a;
}

export function requireJustification(policy: Policy, input: SubmitInput, admin: boolean): void {
  if (!admin && policy.requestApprovalSettings.isRequestorJustificationRequired && !input.justification?.trim()) {
    throw new ValidationError('This policy requires a justification.', 'justification');
  }
}
