import type { FastifyInstance } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ConnectorCallObserver } from '../connectors/observe.js';
import type { Clock } from '../domain/clock.js';
import type { Db } from '../store/db.js';
import { countUndeliveredGrants, countUnfinishedJobs, countUnsentEmails, oldestDueUnclaimedJob } from '../store/metrics.js';
import type { WorkerObserver } from '../services/worker-tasks.js';
import type { ReconciliationObserver } from '../services/fulfilment/reconcile.js';

// Prometheus metrics. One Registry per app (never prom-client's global one: tests build several apps
// in one process, and each must count only its own).
//
// Two kinds of numbers:
// - counters and histograms of what THIS process did (HTTP requests it served, jobs its worker ran,
//   grants its connectors carried out, notifications). Prometheus sums them across processes.
// - gauges of the shared state, read from the database at scrape time (jobs waiting or leased per
//   kind, how late the oldest due job is, unsent outbox mail, grants pending or failed). They are the
//   same whichever process is scraped: aggregate them with max(), not sum(). Each is one indexed
//   query (store/metrics.ts), so a scrape stays cheap at millions of assignments.

export interface LatchkeyMetrics {
  registry: Registry;
  /** hooks for this process's worker */
  worker: WorkerObserver & { woken(reason: 'notify' | 'listening'): void };
  /** hook for connectors (services option onConnectorCall) */
  connectorCall: ConnectorCallObserver;
  /** hook for reconciliation runs (services option onReconciliation) */
  reconciliation: ReconciliationObserver;
  /** a NOTIFY for new work was sent */
  notifySent(): void;
  /** HTTP request latency, observed by registerMetrics */
  httpDuration: Histogram<'method' | 'route' | 'status_class'>;
}

export interface MetricsOptions {
  db: Db;
  clock: Clock;
  /** process metrics (CPU, memory, event loop lag, GC); on by default */
  processMetrics?: boolean;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LAG_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

export function createMetrics(opts: MetricsOptions): LatchkeyMetrics {
  const { db, clock } = opts;
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'latchkey_' });
  const registers = [registry];

  const httpDuration = new Histogram({
    name: 'latchkey_http_request_duration_seconds', help: 'HTTP requests served by this process, by route pattern and status class',
    labelNames: ['method', 'route', 'status_class'] as const, buckets: LATENCY_BUCKETS, registers,
  });
  const jobsClaimed = new Counter({ name: 'latchkey_jobs_claimed_total', help: 'Jobs claimed by the worker of this process', labelNames: ['kind'] as const, registers });
  const jobsFinished = new Counter({
    name: 'latchkey_jobs_finished_total',
    help: 'Jobs the worker of this process ran, by outcome: completed, retry (failed, will be tried again), failed (given up), lost (finished after its lease ran out)',
    labelNames: ['kind', 'outcome'] as const, registers,
  });
  const jobDuration = new Histogram({ name: 'latchkey_job_duration_seconds', help: 'Time to run one job', labelNames: ['kind'] as const, buckets: LATENCY_BUCKETS, registers });
  const jobLag = new Histogram({
    name: 'latchkey_job_lag_seconds', help: 'How late jobs were claimed: claim time minus the time they were due (worker lag)',
    labelNames: ['kind'] as const, buckets: LAG_BUCKETS, registers,
  });
  const grantOps = new Counter({
    name: 'latchkey_grant_operations_total', help: 'Grants and revocations carried out by connectors in this process (operation="grant",outcome="success" = grants delivered)',
    labelNames: ['system', 'operation', 'outcome'] as const, registers,
  });
  const grantOpDuration = new Histogram({
    name: 'latchkey_grant_operation_duration_seconds', help: 'Time a connector took to grant or revoke', labelNames: ['system', 'operation'] as const,
    buckets: LATENCY_BUCKETS, registers,
  });
  const notifications = new Counter({
    name: 'latchkey_work_notifications_total', help: 'Cross-process wake-ups on PostgreSQL: NOTIFYs sent for new work, and wake-ups received by this process\'s worker',
    labelNames: ['direction'] as const, registers,
  });
  const reconcileRuns = new Counter({
    name: 'latchkey_reconciliation_runs_total', help: 'Reconciliation runs this process finished, by outcome: succeeded, or failed (a role could not be read, a repair or removal failed)',
    labelNames: ['outcome'] as const, registers,
  });
  const reconcileRepaired = new Counter({ name: 'latchkey_reconciliation_repaired_total', help: 'Delivered grants reconciliation found missing in their target and granted again', registers });
  const reconcileUnmanaged = new Counter({
    name: 'latchkey_reconciliation_unmanaged_total', help: 'Holders of governed roles that no delivered grant explains, as each run found them (a holder found by two runs counts twice)', registers,
  });
  const reconcileRemoved = new Counter({ name: 'latchkey_reconciliation_removed_total', help: 'Unmanaged holders of exclusively governed resources that reconciliation removed', registers });
  const listens = new Counter({ name: 'latchkey_work_listener_connects_total', help: 'Times the worker of this process opened (or reopened) its LISTEN session', registers });

  /** Runs a scrape-time query; a failing database leaves the gauge empty (and /readyz says why) rather than failing the scrape. */
  const collectInto = <L extends string>(gauge: Gauge<L>, query: () => Promise<{ labels: Partial<Record<L, string>>; value: number }[]>) => async () => {
    try {
      const rows = await query();
      gauge.reset();
      for (const r of rows) gauge.set(r.labels, r.value);
    } catch {
      gauge.reset();
    }
  };

  const jobsGauge: Gauge<'kind' | 'state'> = new Gauge({
    name: 'latchkey_jobs', help: 'Unfinished jobs in the database, all processes: due (waiting for a worker), claimed (leased by a worker), scheduled (due later)',
    labelNames: ['kind', 'state'] as const, registers,
    collect: () => collectInto(jobsGauge, async () => {
      const rows = await countUnfinishedJobs(db, clock.now().toISOString());
      return rows.map((x) => ({ labels: { kind: x.kind, state: x.state }, value: x.n }));
    })(),
  });
  const oldestDue: Gauge = new Gauge({
    name: 'latchkey_jobs_oldest_due_seconds', help: 'How long the oldest due, unclaimed job has been waiting (0 when none): the queue\'s lag, all processes',
    registers,
    collect: () => collectInto(oldestDue, async () => {
      const now = clock.now();
      const due = await oldestDueUnclaimedJob(db, now.toISOString());
      const oldest = due ? Date.parse(due) : NaN;
      return [{ labels: {}, value: Number.isNaN(oldest) ? 0 : Math.max(0, (now.getTime() - oldest) / 1000) }];
    })(),
  });
  const outbox: Gauge<'state'> = new Gauge({
    name: 'latchkey_outbox_emails', help: 'Unsent emails in the outbox: pending (will be sent or retried) or failed (given up)', labelNames: ['state'] as const, registers,
    collect: () => collectInto(outbox, async () => {
      const { pending, failed } = await countUnsentEmails(db);
      return [{ labels: { state: 'pending' }, value: pending }, { labels: { state: 'failed' }, value: failed }];
    })(),
  });
  const grants: Gauge<'state'> = new Gauge({
    name: 'latchkey_grants', help: 'Grants not (yet) in effect, all processes: pending delivery, or failed', labelNames: ['state'] as const, registers,
    collect: () => collectInto(grants, async () => {
      const counts = await countUndeliveredGrants(db);
      return (['pending', 'failed'] as const).map((state) => ({ labels: { state }, value: counts[state] }));
    })(),
  });

  return {
    registry,
    httpDuration,
    worker: {
      claimed(jobs, at) {
        for (const j of jobs) {
          jobsClaimed.inc({ kind: j.kind });
          const due = Date.parse(j.runAt);
          if (!Number.isNaN(due)) jobLag.observe({ kind: j.kind }, Math.max(0, (at.getTime() - due) / 1000));
        }
      },
      finished(job, outcome, seconds) {
        jobsFinished.inc({ kind: job.kind, outcome });
        jobDuration.observe({ kind: job.kind }, seconds);
      },
      woken(reason) {
        if (reason === 'notify') notifications.inc({ direction: 'received' });
        else listens.inc();
      },
    },
    connectorCall(call) {
      grantOps.inc({ system: call.system, operation: call.operation, outcome: call.ok ? 'success' : 'failure' });
      grantOpDuration.observe({ system: call.system, operation: call.operation }, call.seconds);
    },
    reconciliation(run) {
      reconcileRuns.inc({ outcome: run.outcome });
      reconcileRepaired.inc(run.repaired);
      reconcileUnmanaged.inc(run.unmanaged);
      reconcileRemoved.inc(run.removed);
    },
    notifySent() {
      notifications.inc({ direction: 'sent' });
    },
  };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** Whether an Authorization header carries the metrics token (compared in constant time). */
function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '';
  return timingSafeEqual(sha256(given), sha256(token));
}

/**
 * Times every request and serves GET /metrics. The route is public unless a token is configured
 * (METRICS_TOKEN): Prometheus scrapers are not users, and the numbers are counts without personal
 * data; a deployment that exposes the port beyond its own network sets the token.
 */
export function registerMetrics(server: FastifyInstance, metrics: LatchkeyMetrics, token: string | null = null): void {
  server.addHook('onResponse', async (req, reply) => {
    // the route pattern, never the raw URL: ids in paths would make one series per object
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: req.method, route, status_class: `${Math.floor(reply.statusCode / 100)}xx` }, reply.elapsedTime / 1000);
  });
  server.get('/metrics', { config: { auth: { public: true } }, schema: { hide: true } }, async (req, reply) => {
    if (token && !tokenMatches(req.headers.authorization, token)) {
      return reply.status(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'metrics need the METRICS_TOKEN as a bearer token' });
    }
    const body = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(body);
  });
}

/**
 * A bare HTTP server with /metrics and /healthz, for `latchkey worker` (which has no API server).
 * Listens on `port` at `host`; resolves once listening.
 */
export async function serveWorkerMetrics(metrics: LatchkeyMetrics, opts: { port: number; host: string; token: string | null }): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || (path !== '/metrics' && path !== '/healthz')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
      return;
    }
    if (opts.token && !tokenMatches(req.headers.authorization, opts.token)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="metrics"' })
        .end(JSON.stringify({ error: 'metrics need the METRICS_TOKEN as a bearer token' }));
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return server;
}
