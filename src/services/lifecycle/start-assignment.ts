import { isoNow } from '../../domain/clock.js';
import { ValidationError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { parseJsonOr } from '../../domain/json.js';
import type { Policy } from '../../domain/policy/types.js';
import { assignmentStatus } from '../../domain/request-lifecycle.js';
import { initialSchedule, type Schedule } from '../../domain/schedule.js';
import type { Tx } from '../../store/db.js';
import { findUserIdByEmail, insertUser, newUserRow } from '../../store/users.js';
import { createGrants } from '../fulfilment/fulfil.js';
import { loadSubjectFacts } from '../subject-facts.js';
import { reminderMarks, type AssignmentRow, type LifecycleDeps, type RequestRow } from './common.js';
import { setRequest } from './requests.js';
import { insertAssignment } from '../../store/assignments.js';

// An approved add request becomes an assignment: now, or when its start date comes (start-scheduled.ts).

/** The guest account for an external person, created when their request is approved (no invitation mail: the delivered mail is it). */
async function ensureGuest(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, email: string): Promise<string> {
  const existing = await findUserIdByEmail(tx, email);
  if (existing) return existing;
  const facts = await loadSubjectFacts(tx, { email });
  const local = email.split('@')[0];
  const row = { ...newUserRow({ displayName: local, userPrincipalName: email, mail: email, userType: 'Guest', connectedOrganizationId: facts.connectedOrganizationId }, isoNow(deps.clock)), governed: 1 };
  await insertUser(tx, row);
  await deps.events.publish(tx, null, { type: 'guestCreated', userId: row.id, email });
  return row.id;
}

/** An approved add request: starts access now (assignment, grants, delivery) or waits for its start date. Returns the request as it is now. */
export async function startOrSchedule(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, request: RequestRow, policy: Policy): Promise<RequestRow> {
  const requested = parseJsonOr<unknown>(request.schedule, {});
  const schedule: Schedule = request.startAt && request.startAt > isoNow(deps.clock)
    ? { startAt: request.startAt, endAt: request.endAt }
    // access counted from now: a request that waited for approval still gets the policy's full duration
    : initialSchedule(policy, requested, deps.clock.now(), true);
  if (schedule.startAt > isoNow(deps.clock)) {
    return setRequest(tx, deps, request, 'schedule', { startAt: schedule.startAt, endAt: schedule.endAt });
  }
  return startAssignment(tx, deps, { ...request, startAt: schedule.startAt, endAt: schedule.endAt }, policy);
}

/** Starts access for an approved add request; returns the request as it is now. */
export async function startAssignment(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, request: RequestRow, _policy: Policy): Promise<RequestRow> {
  const at = isoNow(deps.clock);
  const targetId = request.targetId ?? (request.targetEmail ? await ensureGuest(tx, deps, request.targetEmail) : null);
  if (!targetId) throw new ValidationError('The request names nobody to assign.', 'assignment.targetId');
  const assignment: AssignmentRow = {
    id: newId(), accessPackageId: request.accessPackageId, policyId: request.policyId, targetId, state: 'delivering', status: assignmentStatus('delivering'),
    startAt: request.startAt ?? at, endAt: request.endAt, expiredAt: null, createdAt: at, modifiedAt: at, requestId: request.id,
    justification: request.justification, answers: request.answers, removalDueAt: null, removalReason: null, ...reminderMarks(request.endAt, request.startAt ?? at),
  };
  await insertAssignment(tx, assignment);
  const started = await setRequest(tx, deps, request, 'start', { assignmentId: assignment.id, targetId, startAt: assignment.startAt, endAt: assignment.endAt });
  await deps.events.publish(tx, null, { type: 'assignmentStarted', assignment });
  await createGrants(tx, deps, assignment);
  return started;
}
