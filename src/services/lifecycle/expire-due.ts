import { isoNow } from '../../domain/clock.js';
import { type LifecycleDeps } from './common.js';
import { removeAssignments } from './submit-remove.js';
import { anyAssignmentPastEnd, lockAssignmentsPastEnd } from '../../store/assignments.js';

/** Assignments expired per transaction (revoked in jobs of fewer, see endAssignments). */
const EXPIRY_BATCH = 500;

/**
 * Assignments past their end: each becomes a systemRemove request and its access is revoked in the target
 * systems. A batch per transaction, revoked in jobs of several assignments: when 100k assignments end at the
 * same instant, expiring them one transaction (and one job) each ran at about 130–200 a second (bench).
 */
export async function expireDue(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, limit = EXPIRY_BATCH): Promise<number> {
  // a plain read first: on SQLite a transaction takes the write lock, which an idle worker should not take every round
  if (!(await anyAssignmentPastEnd(deps.db, isoNow(deps.clock)))) return 0;
  return deps.events.transaction(async (tx) => {
    // read under the lock, so an extension that got here first has moved the end date; other workers' batches are skipped
    // (lockAssignmentsPastEnd takes no ORDER BY: sorting every due row to take 500 would cost O(due) per batch)
    const batch = await lockAssignmentsPastEnd(tx, isoNow(deps.clock), limit);
    await removeAssignments(tx, deps, null, batch, 'systemRemove', null, null);
    return batch.length;
  });
}
