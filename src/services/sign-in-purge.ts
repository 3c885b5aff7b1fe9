import type { WorkerTasks } from './worker-tasks.js';
import { deleteExpiredOidcFlows } from '../store/sign-ins.js';
import type { ServiceDeps } from './deps.js';
import { createSessionService, type SessionLifetimes } from './sessions.js';

// Sweeps what sign-in leaves behind: sessions that ended (past their end, idle too long, signed out;
// kept a day so support can still see them) and OpenID Connect flows that expired before the browser
// came back. Only this worker timer deletes them, in bounded batches: a purge inside sign-in would put an
// unbounded delete on a public route (a backlog after a quiet month, or anyone starting OIDC sign-ins)
// and hold the write lock in front of the sign-in itself.
//
// Deleting rows that are past a cut-off is idempotent, so every worker process may run it: two workers
// deleting at once only find some rows already gone (on PostgreSQL the second DELETE skips rows the
// first removed; SQLite serialises writers). Each worker sweeps at most once per interval of its clock,
// in bounded batches so that one sweep never holds the write lock for long.

/** how often a worker sweeps; sessions are kept a day after they end, so a few minutes late is nothing */
export const SIGN_IN_PURGE_EVERY_MS = 15 * 60_000;
const BATCH = 500;

export interface SignInPurgeOptions {
  lifetimes: SessionLifetimes;
  everyMs?: number;
  /** rows deleted per table per run; a full batch means more may be left, so the next run comes at once */
  batch?: number;
}

/** Deletes OpenID Connect flows past their end (a browser that never came back); returns how many. */
export async function purgeExpiredOidcFlows({ db, clock }: Pick<ServiceDeps, 'db' | 'clock'>, limit: number): Promise<number> {
  return deleteExpiredOidcFlows(db, clock.now().toISOString(), limit);
}

export function createSignInPurge(deps: Pick<ServiceDeps, 'db' | 'clock'>, opts: SignInPurgeOptions): WorkerTasks['periodic'][number] {
  const sessions = createSessionService(deps, opts.lifetimes);
  const everyMs = opts.everyMs ?? SIGN_IN_PURGE_EVERY_MS;
  const batch = opts.batch ?? BATCH;
  /** the worker's next sweep by its clock; the first tick sweeps */
  let dueAt = -Infinity;
  return {
    name: 'purgeSignIns',
    async run(): Promise<number> {
      const now = deps.clock.now().getTime();
      if (now < dueAt) return 0;
      const ended = await sessions.purgeEnded(batch);
      const flows = await purgeExpiredOidcFlows(deps, batch);
      // a full batch leaves the rest for the next round, which the worker runs at once because this one did work
      if (ended < batch && flows < batch) dueAt = now + everyMs;
      return ended + flows;
    },
  };
}
