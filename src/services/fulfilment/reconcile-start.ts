import { isoNow } from '../../domain/clock.js';
import { nextReconcileAt } from '../../domain/reconcile-schedule.js';
import { NotFoundError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Tx } from '../../store/db.js';
import { findConnectionById, listConnectionsDueForReconciliation } from '../../store/connections.js';
import { lockRow } from '../../store/locks.js';
import {
  claimScheduledReconciliation, finishReconciliation, findRunningReconciliation, insertReconciliation, reconcileJobKey, type ReconciliationRow,
} from '../../store/reconciliations.js';
import { JOB_RECONCILE } from './jobs.js';
import type { ReconcileDeps } from './reconcile.js';

// Starting reconciliation runs: on demand (the API) and on schedule (a periodic worker task). A run is a
// reconciliations row in state running and one durable job that does it (reconcile.ts). A connection has
// at most one run at a time: the start locks the connection's row and, finding a run still going,
// returns that one instead of starting another, so two workers (or an administrator clicking twice)
// never reconcile the same connection at once. A run whose job ended without finishing it (the job gave
// up) is marked failed then, so that it cannot block the connection for ever.

/** Connections started per scan of the schedule; the worker scans again at once while there were some. */
const DUE_PER_SCAN = 20;

/** Starts a run of the connection, or returns the one already running. Inside the caller's transaction. */
export async function startReconciliationIn(tx: Tx, deps: Pick<ReconcileDeps, 'clock' | 'events'>, connectionId: string, trigger: 'demand' | 'schedule'): Promise<{ run: ReconciliationRow; started: boolean }> {
  if (!(await lockRow(tx, 'connections', connectionId))) throw new NotFoundError('Connection', connectionId);
  const at = isoNow(deps.clock);
  const running = await findRunningReconciliation(tx, connectionId);
  if (running && !running.jobEnded) {
    const { jobEnded: _ended, ...run } = running;
    return { run, started: false };
  }
  if (running) {
    await finishReconciliation(tx, running.id, {
      state: 'failed', finishedAt: at, rolesChecked: running.rolesChecked, holdersChecked: running.holdersChecked, repaired: running.repaired,
      unmanaged: running.unmanaged, removed: running.removed, error: 'The run was abandoned: its job ended before the run finished.',
    });
  }
  const run: ReconciliationRow = {
    id: newId(), connectionId, trigger, state: 'running', startedAt: at, finishedAt: null,
    rolesChecked: 0, holdersChecked: 0, repaired: 0, unmanaged: 0, removed: 0, error: null,
  };
  await insertReconciliation(tx, run);
  await deps.events.enqueue(tx, JOB_RECONCILE, { reconciliationId: run.id }, { dedupeKey: reconcileJobKey(run.id) });
  return { run, started: true };
}

/** On demand: starts a run (or finds the one running) in its own transaction. */
export async function startReconciliation(deps: Pick<ReconcileDeps, 'clock' | 'events'>, connectionId: string): Promise<{ run: ReconciliationRow; started: boolean }> {
  return deps.events.transaction((tx) => startReconciliationIn(tx, deps, connectionId, 'demand'));
}

/**
 * The worker's periodic task: starts a run of every connection whose next_reconcile_at is due and moves
 * it on by the connection's interval. Claiming the due time is a conditional update under the row lock,
 * so of two workers scanning at once one starts the run and the other skips the connection.
 */
export async function startDueReconciliations(deps: Pick<ReconcileDeps, 'db' | 'clock' | 'events'>): Promise<number> {
  const at = isoNow(deps.clock);
  const due = await listConnectionsDueForReconciliation(deps.db, at, DUE_PER_SCAN);
  let started = 0;
  for (const { id } of due) {
    const claimed = await deps.events.transaction(async (tx) => {
      if (!(await lockRow(tx, 'connections', id))) return false;
      const connection = await findConnectionById(tx, id);
      if (!connection || !connection.nextReconcileAt || connection.nextReconcileAt > at) return false;
      if (!(await claimScheduledReconciliation(tx, id, at, nextReconcileAt(connection.reconcileInterval, at)))) return false;
      await startReconciliationIn(tx, deps, id, 'schedule');
      return true;
    });
    if (claimed) started++;
  }
  return started;
}
