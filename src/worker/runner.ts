import type { FastifyBaseLogger } from 'fastify';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DEFAULT_JOB_LEASE_MS } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { WorkerObserver, WorkerTasks } from '../services/worker-tasks.js';
import type { Store } from '../store/db.js';
import { backoffMs } from '../domain/backoff.js';
import { claim, complete, completeMany, fail, renew, type Job } from '../store/jobs.js';

// The generic worker loop. Each tick it claims due jobs (leased, see store/jobs.ts) and runs each through
// the handler for its kind, then runs every periodic task (timers, outbox delivery). While a tick
// did any work it runs again at once, so a backlog drains without waiting for the next poll; when
// idle it sleeps pollMs. Nothing here knows about the lifecycle: the tasks come from outside.
//
// Failures never stop the loop: a failing handler is retried with backoff until maxAttempts, an
// unknown kind is failed at once (retrying cannot help), a failing periodic task is logged and run
// again next tick. Ticks never overlap within one worker; other processes may run their own
// workers against the same database, which the leases make safe.
//
// Leases are short (DEFAULT_JOB_LEASE_MS) and renewed every third of the lease while the worker holds
// the jobs it claimed, running or waiting for a lane: a job outlives its lease only when its worker
// stops renewing, i.e. died or hung, and then another worker takes it over within the lease time. A
// renewal that finds a job taken over marks it lost: a waiting job is not run, a running one's result
// is not recorded (the new owner's run records it; handlers are idempotent).

export interface WorkerOptions {
  store: Store;
  clock: Clock;
  log: FastifyBaseLogger;
  tasks: WorkerTasks;
  /** lease owner id; unique per process */
  owner?: string;
  /** idle wait between ticks, ms (real time: it only paces polling, it is never stored) */
  pollMs?: number;
  /** how long a claimed job is reserved for this worker without a renewal, ms (renewed every third of it) */
  leaseMs?: number;
  /** jobs claimed per round */
  batch?: number;
  /**
   * claimed jobs run at the same time, at most this many (default 1). Safe because handlers already
   * cope with other workers running at once (leases, row locks, idempotent connectors); it helps where
   * jobs wait on the database or a remote system (PostgreSQL), not on SQLite's single connection.
   */
  concurrency?: number;
  /** attempts (claims) before a failing job is given up */
  maxAttempts?: number;
  /** told about claims and outcomes (metrics); must not throw */
  observer?: WorkerObserver;
}

export interface Worker {
  readonly owner: string;
  start(): void;
  /** stops polling and waits for the running tick to finish */
  stop(): Promise<void>;
  /** run now instead of at the next poll */
  kick(): void;
  /** for tests: keep running claimed jobs and periodic tasks until nothing is due (bounded number of rounds) */
  drain(): Promise<void>;
}

export const DEFAULT_MAX_JOB_ATTEMPTS = 8;
/** rounds of one tick before it yields to the poll timer even if there is still work (keeps stop() prompt) */
const MAX_ROUNDS_PER_TICK = 50;
const MAX_DRAIN_ROUNDS = 500;

export function processOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 2000);

export function createWorker(opts: WorkerOptions): Worker {
  const { store, clock, log, tasks } = opts;
  const owner = opts.owner ?? processOwnerId();
  const pollMs = opts.pollMs ?? 1000;
  const leaseMs = opts.leaseMs ?? DEFAULT_JOB_LEASE_MS;
  const batch = opts.batch ?? 20;
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_JOB_ATTEMPTS;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const observer = opts.observer ?? {};

  let started = false;
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  /** the tick (or drain) in progress; ticks are serialised through it */
  let current: Promise<unknown> = Promise.resolve();
  let busy = false;
  let kickedWhileBusy = false;
  /** when the periodic tasks last ran (real time): while jobs keep coming they run once a poll interval, not every round */
  let periodicAt = -Infinity;

  /** The jobs of the current round that this worker still holds, and those a renewal found taken over. */
  interface Holding { held: Map<string, Job>; lost: Set<string> }

  /** Renews the leases of the held jobs every third of the lease until stopped. */
  function heartbeat(h: Holding): () => void {
    let renewing = false;
    const timer = setInterval(() => {
      if (renewing || h.held.size === 0) return;
      renewing = true;
      const ids = [...h.held.keys()];
      renew(store.db, clock, ids, owner, leaseMs).then((kept) => {
        for (const id of ids) {
          const job = h.held.get(id);
          if (kept.has(id) || !job) continue;
          h.held.delete(id);
          h.lost.add(id);
          log.warn({ jobId: id, kind: job.kind }, 'lost the lease of a job (another worker took it over); its result will not be recorded here');
        }
      }, (e: unknown) => {
        // the lease still runs: the next beat tries again before it ends
        log.error({ err: e }, 'could not renew job leases');
      }).finally(() => { renewing = false; });
    }, Math.max(1, Math.floor(leaseMs / 3)));
    timer.unref();
    return () => clearInterval(timer);
  }

  async function runJob(job: Job, h: Holding): Promise<void> {
    const t0 = performance.now();
    const outcome = await runJobOnce(job, h);
    observer.finished?.(job, outcome, (performance.now() - t0) / 1000);
  }

  async function runJobOnce(job: Job, h: Holding): Promise<'completed' | 'retry' | 'failed' | 'lost'> {
    // taken over while it waited for a lane: the new owner runs it
    if (h.lost.has(job.id)) return 'lost';
    const handler = Object.prototype.hasOwnProperty.call(tasks.handlers, job.kind) ? tasks.handlers[job.kind] : undefined;
    if (!handler) {
      h.held.delete(job.id);
      log.error({ jobId: job.id, kind: job.kind }, 'no handler for this job kind; failing the job without retry');
      await fail(store.db, clock, job, owner, `no handler for job kind '${job.kind}'`, null);
      return 'failed';
    }
    try {
      await handler(job);
    } catch (e) {
      h.held.delete(job.id);
      if (h.lost.has(job.id)) return 'lost';
      const error = messageOf(e);
      const giveUp = job.attempts >= maxAttempts;
      const retryAt = giveUp ? null : new Date(clock.now().getTime() + backoffMs(job.attempts)).toISOString();
      if (giveUp) log.error({ jobId: job.id, kind: job.kind, attempts: job.attempts, err: e }, 'job failed; giving up');
      else log.warn({ jobId: job.id, kind: job.kind, attempts: job.attempts, retryAt, err: e }, 'job failed; will retry');
      await fail(store.db, clock, job, owner, error, retryAt);
      return giveUp ? 'failed' : 'retry';
    }
    // no more renewals once the outcome is being recorded; complete() checks the lease anyway
    h.held.delete(job.id);
    if (h.lost.has(job.id) || !(await complete(store.db, clock, job, owner))) {
      log.warn({ jobId: job.id, kind: job.kind }, 'job finished after its lease ran out; another worker owns it now');
      return 'lost';
    }
    return 'completed';
  }

  /**
   * Runs claimed jobs of one kind through its batch handler in one call. On success each is completed as
   * a single job would be; when the batch fails, each runs again alone through its own handler (they are
   * idempotent), so one job that keeps failing is retried and given up by itself.
   */
  async function runBatch(kind: string, batchHandler: (jobs: readonly Job[]) => Promise<void>, jobs: Job[], h: Holding): Promise<void> {
    const live = jobs.filter((j) => !h.lost.has(j.id));
    if (live.length === 0) return;
    const t0 = performance.now();
    try {
      await batchHandler(live);
    } catch (e) {
      log.warn({ kind, jobs: live.length, err: e }, 'a batch of jobs failed; running them one by one');
      for (const job of live) await runJob(job, h);
      return;
    }
    const seconds = (performance.now() - t0) / 1000;
    for (const job of live) h.held.delete(job.id);
    const completed = await completeMany(store.db, clock, live.filter((j) => !h.lost.has(j.id)).map((j) => j.id), owner);
    for (const job of live) {
      const recorded = completed.has(job.id);
      if (!recorded) log.warn({ jobId: job.id, kind: job.kind }, 'job finished after its lease ran out; another worker owns it now');
      observer.finished?.(job, recorded ? 'completed' : 'lost', seconds);
    }
  }

  /** The round's work items: each job alone, except that jobs of a kind with a batch handler go together. */
  function workItems(jobs: readonly Job[], h: Holding): { jobs: Job[]; run: () => Promise<void> }[] {
    const items: { jobs: Job[]; run: () => Promise<void> }[] = [];
    const batches = new Map<string, Job[]>();
    for (const job of jobs) {
      const batchHandler = tasks.batchHandlers && Object.hasOwn(tasks.batchHandlers, job.kind) ? tasks.batchHandlers[job.kind] : undefined;
      if (!batchHandler) {
        items.push({ jobs: [job], run: () => runJob(job, h) });
      } else if (batches.has(job.kind)) {
        batches.get(job.kind)!.push(job);
      } else {
        const batch = [job];
        batches.set(job.kind, batch);
        items.push({ jobs: batch, run: () => runBatch(job.kind, batchHandler, batch, h) });
      }
    }
    return items;
  }

  /** One round: due jobs, then every periodic task. Returns how much work was done. */
  async function round(): Promise<number> {
    let work = 0;
    try {
      const jobs = await claim(store.db, store.kind, clock, { owner, limit: batch, leaseMs });
      if (jobs.length > 0) observer.claimed?.(jobs, clock.now());
      const h: Holding = { held: new Map(jobs.map((j) => [j.id, j])), lost: new Set() };
      const stopBeating = jobs.length > 0 ? heartbeat(h) : () => {};
      const items = workItems(jobs, h);
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < items.length) {
          const item = items[next++];
          try {
            await item.run();
          } catch (e) {
            // recording an outcome failed (database trouble): the leases run out and the jobs come back
            for (const job of item.jobs) h.held.delete(job.id);
            log.error({ jobIds: item.jobs.map((j) => j.id), kind: item.jobs[0]?.kind, err: e }, 'could not record the outcome of a job');
          }
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
      } finally {
        stopBeating();
      }
      work += jobs.length;
    } catch (e) {
      log.error({ err: e }, 'could not claim jobs');
    }
    // the scans of due times are a dozen queries; between rounds of a backlog they would be run for
    // nothing every few milliseconds (each query waiting its turn for the database), so a round that
    // had jobs runs them only when the last run is a poll interval old
    if (work > 0 && performance.now() - periodicAt < pollMs) return work;
    periodicAt = performance.now();
    for (const p of tasks.periodic) {
      try {
        work += await p.run();
      } catch (e) {
        log.error({ task: p.name, err: e }, 'periodic task failed');
      }
    }
    return work;
  }

  /** Runs `fn` after whatever tick or drain is in progress: never two at once in one worker. */
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = current.then(async () => {
      busy = true;
      try {
        return await fn();
      } finally {
        busy = false;
      }
    });
    current = next.catch(() => undefined);
    return next;
  }

  function schedule(ms: number): void {
    if (!started || stopping) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void tick();
    }, ms);
  }

  async function tick(): Promise<void> {
    await exclusive(async () => {
      kickedWhileBusy = false;
      for (let i = 0; i < MAX_ROUNDS_PER_TICK && !stopping; i++) {
        if ((await round()) === 0) break;
      }
    });
    schedule(kickedWhileBusy ? 0 : pollMs);
  }

  return {
    owner,
    start() {
      if (started) return;
      started = true;
      stopping = false;
      log.info({ owner, pollMs, concurrency, jobKinds: Object.keys(tasks.handlers), periodic: tasks.periodic.map((p) => p.name) }, 'worker started');
      schedule(0);
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await current;
      if (started) log.info({ owner }, 'worker stopped');
      started = false;
    },
    kick() {
      if (!started || stopping) return;
      if (busy) kickedWhileBusy = true;
      else schedule(0);
    },
    async drain() {
      await exclusive(async () => {
        for (let i = 0; i < MAX_DRAIN_ROUNDS; i++) {
          if ((await round()) === 0) return;
        }
        throw new Error(`worker did not become idle within ${MAX_DRAIN_ROUNDS} rounds`);
      });
    },
  };
}
