import { isoNow } from '../../domain/clock.js';
import { ACTIVE_ASSIGNMENT_STATES } from '../../domain/request-lifecycle.js';
import type { Tx } from '../../store/db.js';
import { holdRow } from '../../store/locks.js';
import { reminderMarks, type LifecycleDeps, type RequestRow } from './common.js';
import { setRequest } from './requests.js';
import { getAssignment, updateAssignment } from '../../store/assignments.js';

// Shared by submit-update (no approval needed) and decide-stage (the last stage approved).

/** An approved (or unapproved admin) update: the assignment gets its new end date. */
export async function applyExtension(tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, request: RequestRow): Promise<void> {
  const assignmentId = request.assignmentId!;
  await holdRow(tx, 'assignments', assignmentId);
  const a = await getAssignment(tx, assignmentId);
  if (!ACTIVE_ASSIGNMENT_STATES.includes(a.state as never)) {
    await setRequest(tx, deps, request, 'deny', { completedAt: isoNow(deps.clock), reason: 'The assignment ended before the extension was applied.' });
    return;
  }
  const at = isoNow(deps.clock);
  // the request's answers are the assignment's own unless the update gave new ones
  await updateAssignment(tx, a.id, { endAt: request.endAt, answers: request.answers, ...reminderMarks(request.endAt, at), modifiedAt: at });
  // an extension has nothing to deliver: it starts and completes in one step
  const started = await setRequest(tx, deps, request, 'start');
  await setRequest(tx, deps, started, 'delivered', { completedAt: at });
  await deps.events.publish(tx, null, { type: 'extensionApplied', assignmentId: a.id, oldEndAt: a.endAt, newEndAt: request.endAt });
}
