import { isoNow } from '../../domain/clock.js';
import { holdRow } from '../../store/locks.js';
import { findPolicy, type LifecycleDeps } from './common.js';
import { startAssignment } from './start-assignment.js';
import { getRequest, listScheduledDue } from '../../store/requests.js';

/** Scheduled requests whose start has come: their assignments begin. */
export async function startScheduled(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, limit = 200): Promise<number> {
  const due = await listScheduledDue(deps.db, isoNow(deps.clock), limit);
  for (const id of due) {
    await deps.events.transaction(async (tx) => {
      await holdRow(tx, 'assignmentRequests', id);
      const r = await getRequest(tx, id);
      if (r.state !== 'scheduled' || !r.startAt || r.startAt > isoNow(deps.clock)) return;
      await startAssignment(tx, deps, r, await findPolicy(tx, r.policyId ?? ''));
    });
  }
  return due.length;
}
