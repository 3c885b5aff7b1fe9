import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { Services } from '../services/index.js';
import type { Store, StoreKind } from '../store/db.js';
import { listenForWork, type WorkListener } from '../store/notify.js';
import { createMailer, createOutboxDelivery, type Mailer } from './mailer.js';
import type { WorkerObserver } from '../services/worker-tasks.js';
import { createWorker, type Worker } from './runner.js';

// The application's worker: the lifecycle engine's job handlers and timers, plus outbox delivery
// when an SMTP server is configured. Without SMTP_URL mail stays in the outbox (readable through
// GET /latchkey/v1/outbox) and nothing tries to send it.
//
// On PostgreSQL (when the database URL is known) the worker also LISTENs for work that other
// processes enqueue (see store/notify.ts), so `serve --no-worker` plus separate `worker` processes
// deliver at once instead of at the next poll.

export interface AppWorkerOptions {
  store: Store;
  clock: Clock;
  log: FastifyBaseLogger;
  /** onWork, when the services offer it, lets work created in this process start at once instead of at the next poll */
  services: Pick<Services, 'workerTasks'> & { onWork?: (kick: () => void) => void };
  /** databaseUrl (PostgreSQL) turns on LISTEN for work enqueued by other processes */
  config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'workerPollMs'> & Partial<Pick<Config, 'databaseUrl' | 'workerConcurrency' | 'workerLeaseMs'>>;
  /** metrics hooks (api/metrics.ts) */
  observer?: WorkerObserver & { woken?(reason: 'notify' | 'listening'): void };
  /** tests pass their own (e.g. to count sends); by default one is made from config.smtpUrl */
  mailer?: Mailer;
  owner?: string;
  /** the work-origin id of the app this worker runs inside (App.workOrigin): its NOTIFYs are not for this worker */
  workOrigin?: string;
}

/**
 * Jobs a worker runs at once unless WORKER_CONCURRENCY says otherwise. SQLite has one connection, so 1.
 * PostgreSQL: 4 in `latchkey worker`; 16 in the worker inside `serve`, whose lanes share the event loop with
 * the API's requests (bench, 16 concurrent clients submitting: with 4 lanes p99 submit→delivered grew to
 * 16.9 s as delivery fell behind, with 16 it was 0.32 s).
 */
export function defaultWorkerConcurrency(kind: StoreKind, insideServe: boolean): number {
  if (kind === 'sqlite') return 1;
  return insideServe ? 16 : 4;
}

/** The connection pool of a worker on PostgreSQL: one connection per lane, plus claims and timer scans. */
export const workerPoolSize = (concurrency: number): number => concurrency + 2;

export interface AppWorker extends Worker {
  /** null when mail is kept in the outbox */
  mailer: Mailer | null;
  /** the LISTEN session for other processes' work; null on SQLite or without a database URL */
  listener: WorkListener | null;
}

export function createAppWorker(opts: AppWorkerOptions): AppWorker {
  const mailer = opts.mailer ?? (opts.config.smtpUrl ? createMailer({ smtpUrl: opts.config.smtpUrl, mailFrom: opts.config.mailFrom }) : null);
  const jobs = opts.services.workerTasks;
  const periodic = [...jobs.periodic];
  if (mailer) periodic.push(createOutboxDelivery({ db: opts.store.db, clock: opts.clock, mailer, log: opts.log }));
  opts.log.info({ smtp: mailer ? mailer.description : null }, mailer ? 'outbox delivery through SMTP' : 'no SMTP_URL: emails stay in the outbox');
  const worker = createWorker({
    store: opts.store, clock: opts.clock, log: opts.log, owner: opts.owner, pollMs: opts.config.workerPollMs, leaseMs: opts.config.workerLeaseMs,
    tasks: { handlers: jobs.handlers, batchHandlers: jobs.batchHandlers, periodic }, observer: opts.observer,
    concurrency: opts.config.workerConcurrency ?? defaultWorkerConcurrency(opts.store.kind, false),
  });
  opts.services.onWork?.(() => worker.kick());
  const listener = opts.store.kind === 'postgres' && opts.config.databaseUrl
    ? listenForWork({
      connectionString: opts.config.databaseUrl, log: opts.log, ignoreOrigin: opts.workOrigin,
      onWake: (reason) => {
        opts.observer?.woken?.(reason);
        worker.kick();
      },
    })
    : null;
  return {
    ...worker,
    owner: worker.owner,
    mailer,
    listener,
    async stop() {
      await listener?.close();
      await worker.stop();
      mailer?.close();
    },
  };
}
