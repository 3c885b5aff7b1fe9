import { addDuration, tryParseDuration } from './duration.js';

// When a connection is next reconciled on its schedule: one rule for the connection's create and update
// (services/connections) and for the worker moving the schedule on after each run (reconcile-start).

/** The shortest time between two scheduled runs, whatever the interval says (PT0S would run without pause). */
const MIN_INTERVAL_MS = 60_000;

/** When the next scheduled run is due after `at` (null: the connection is reconciled on demand only). */
export function nextReconcileAt(interval: string | null, at: string): string | null {
  const d = interval ? tryParseDuration(interval) : undefined;
  if (!d) return null;
  const next = addDuration(at, d).getTime();
  return new Date(Math.max(next, Date.parse(at) + MIN_INTERVAL_MS)).toISOString();
}
