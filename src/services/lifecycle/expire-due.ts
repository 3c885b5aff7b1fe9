import { isoNow } from '../../domain/clock.js';
import type { SelectQueryBuilder } from 'kysely';
import { ACTIVE_ASSIGNMENT_STATES } from '../../domain/request-lifecycle.js';
import { skipLocked } from '../../store/locks.js';
import type { Database } from '../../store/schema.js';
import { type AssignmentRow, type LifecycleDeps } from './common.js';
import { removeAssignments } from './submit-remove.js';

/** Assignments expired per transaction (revoked in jobs of fewer, see endAssignments). */
const EXPIRY_BATCH = 500;

/**
 * Assignments past their end: each becomes a systemRemove request and its access is revoked in the target
 * systems. A batch per transaction, revoked in jobs of several assignments: when 100k assignments end at the
 * same instant, expiring them one transaction (and one job) each ran at about 130–200 a second (bench).
 */
export async function expireDue(deps: Pick<LifecycleDeps, 'db' | 'clock'>, limit = EXPIRY_BATCH): Promise<number> {
  const due = (q: SelectQueryBuilder<Database, 'assignments', AssignmentRow>) =>
    q.where('state', 'in', [...ACTIVE_ASSIGNMENT_STATES]).where('endAt', 'is not', null).where('endAt', '<=', isoNow(deps.clock));
  // a plain read first: on SQLite a transaction takes the write lock, which an idle worker should not take every round
  if (!(await due(deps.db.selectFrom('assignments').selectAll()).limit(1).executeTakeFirst())) return 0;
  return deps.db.transaction().execute(async (tx) => {
    // read under the lock, so an extension that got here first has moved the end date; other workers' batches are skipped
    // no ORDER BY: a batch's order does not matter, and sorting every due row to take 500 would cost O(due) per batch
    const batch = await skipLocked(tx, due(tx.selectFrom('assignments').selectAll()).limit(limit)).execute();
    await removeAssignments(tx, deps, null, batch, 'systemRemove', null, null);
    return batch.length;
  });
}
