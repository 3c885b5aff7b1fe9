import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/api/app.js';
import { createMetrics, serveWorkerMetrics } from '../../src/api/metrics.js';
import { ManualClock } from '../../src/domain/clock.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createWorker } from '../../src/worker/runner.js';
import { makePackage, makePolicy, userAdd } from '../support/lifecycle.js';
import { scratchDatabase, type ScratchDatabase } from '../support/stores.js';
import { startTestServer, type TestServer } from '../support/server.js';

// GET /metrics: Prometheus text from the app's own registry. What this process did (HTTP latency by
// route pattern, jobs its worker ran, grants its connectors made) and the shared state read from the
// database at scrape time (jobs by state, outbox, grants pending or failed).

/** The value of one sample (name plus exact label set, as printed), or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const kv of (m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[kv[1]] = kv[2];
    if (Object.keys(got).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return undefined;
}

describe('metrics', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  const scrape = async () => {
    const r = await t.anonymous.get('/metrics');
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return r.text;
  };

  it('is public without METRICS_TOKEN and labels requests by route pattern and status class, never by raw URL', async () => {
    const me = await t.user();
    assert.equal((await t.admin.get(`/v1.0/users/${me.id}`)).status, 200);
    assert.equal((await t.admin.get(`/v1.0/users/${me.id}`)).status, 200);
    assert.equal((await t.admin.get('/v1.0/no-such-thing')).status, 404);
    const text = await scrape();
    assert.equal(sample(text, 'latchkey_http_request_duration_seconds_count', { method: 'GET', route: '/v1.0/users/:id', status_class: '2xx' }), 2);
    assert.equal(sample(text, 'latchkey_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_class: '4xx' }), 1);
    assert.ok(!text.includes(me.id), 'no object id appears in any label');
    assert.ok(sample(text, 'latchkey_process_resident_memory_bytes') !== undefined, 'process metrics are there');
  });

  it('counts jobs claimed and finished, grants delivered, and shows queued jobs and the outbox from the database', async () => {
    const fx = await makePackage(t, 'Metrics package');
    const policyId = await makePolicy(t, fx.packageId);
    const users = [await t.user(), await t.user(), await t.user()];
    for (const u of users) assert.equal((await userAdd(u.client, fx.packageId, policyId)).status, 201);

    // queued, not yet run (the test server's worker only runs when drained)
    let text = await scrape();
    assert.equal(sample(text, 'latchkey_jobs', { kind: 'fulfil', state: 'due' }), 3, text.split('\n').filter((l) => l.startsWith('latchkey_jobs')).join('\n'));
    assert.equal(sample(text, 'latchkey_grants', { state: 'pending' }), 3);
    t.clock.advance(5_000);
    text = await scrape();
    assert.ok((sample(text, 'latchkey_jobs_oldest_due_seconds') ?? 0) >= 5, 'the oldest due job has waited 5 s (of the app clock)');

    // a worker reporting to the app's metrics, as `latchkey serve` wires it
    const worker = createWorker({ store: t.store, clock: t.clock, log: t.app.server.log, tasks: t.app.services.workerTasks, owner: 'metrics-worker', observer: t.app.metrics.worker });
    await worker.drain();
    text = await scrape();
    assert.equal(sample(text, 'latchkey_jobs_claimed_total', { kind: 'fulfil' }), 3);
    assert.equal(sample(text, 'latchkey_jobs_finished_total', { kind: 'fulfil', outcome: 'completed' }), 3);
    assert.equal(sample(text, 'latchkey_job_lag_seconds_count', { kind: 'fulfil' }), 3);
    assert.ok((sample(text, 'latchkey_job_lag_seconds_sum', { kind: 'fulfil' }) ?? 0) >= 15, 'three jobs claimed 5 s late');
    assert.equal(sample(text, 'latchkey_grant_operations_total', { system: 'AadGroup', operation: 'grant', outcome: 'success' }), 3);
    assert.equal(sample(text, 'latchkey_jobs', { kind: 'fulfil', state: 'due' }), undefined, 'no fulfil job left');
    assert.equal(sample(text, 'latchkey_jobs_oldest_due_seconds'), 0);
    assert.equal(sample(text, 'latchkey_grants', { state: 'pending' }), 0);
    const unsent = await t.store.db.selectFrom('outboxEmails').select('id').where('sentAt', 'is', null).execute();
    assert.ok(unsent.length > 0, 'delivery mails are queued (no SMTP in tests)');
    assert.equal(sample(text, 'latchkey_outbox_emails', { state: 'pending' }), unsent.length);
    assert.equal(sample(text, 'latchkey_outbox_emails', { state: 'failed' }), 0);
  });

  it('counts failed grant attempts and grants given up', async () => {
    const fx = await makePackage(t, 'Failing metrics', { testResources: ['metrics-res'] });
    const policyId = await makePolicy(t, fx.packageId);
    const u = await t.user();
    t.connector.failNext('metrics-res');
    assert.equal((await userAdd(u.client, fx.packageId, policyId)).status, 201);
    const worker = createWorker({ store: t.store, clock: t.clock, log: t.app.server.log, tasks: t.app.services.workerTasks, owner: 'metrics-worker-2', observer: t.app.metrics.worker });
    await worker.drain();
    let text = await scrape();
    assert.equal(sample(text, 'latchkey_grant_operations_total', { system: 'TestSystem', operation: 'grant', outcome: 'failure' }), 1);
    assert.equal(sample(text, 'latchkey_grants', { state: 'pending' }), 1, 'waiting for its retry');
    // the retries (backoff: minutes) until the grant is given up
    for (let i = 0; i < 6; i++) {
      t.clock.advance(11 * 60_000);
      await worker.drain();
    }
    text = await scrape();
    assert.equal(sample(text, 'latchkey_grant_operations_total', { system: 'TestSystem', operation: 'grant', outcome: 'failure' }), 5);
    assert.equal(sample(text, 'latchkey_grants', { state: 'failed' }), 1);
    assert.equal(sample(text, 'latchkey_grants', { state: 'pending' }), 0);
  });
});

describe('metrics: one registry per app, METRICS_TOKEN, the worker metrics server', () => {
  const stores: { store: Store; scratch: ScratchDatabase }[] = [];
  const open = async () => {
    const scratch = await scratchDatabase();
    const store = openStore(scratch.url);
    await migrateToLatest(store.db);
    stores.push({ store, scratch });
    return store;
  };
  after(async () => {
    for (const s of stores) {
      await s.store.close();
      await s.scratch.drop();
    }
  });
  const config = { bodyLimit: 1 << 20, rateLimitPerMinute: 0, logLevel: 'silent' };

  it('two apps in one process count separately; with METRICS_TOKEN the route asks for it', async () => {
    const clock = new ManualClock(new Date());
    const a = await buildApp({ store: await open(), clock, config, logger: false });
    const b = await buildApp({ store: await open(), clock, config: { ...config, metricsToken: 's3cret' }, logger: false });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await a.server.inject({ url: '/healthz' })).statusCode, 200);
      const ma = await a.server.inject({ url: '/metrics' });
      assert.equal(ma.statusCode, 200);
      assert.equal(sample(ma.body, 'latchkey_http_request_duration_seconds_count', { method: 'GET', route: '/healthz', status_class: '2xx' }), 3);

      assert.equal((await b.server.inject({ url: '/metrics' })).statusCode, 401);
      assert.equal((await b.server.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
      const mb = await b.server.inject({ url: '/metrics', headers: { authorization: 'Bearer s3cret' } });
      assert.equal(mb.statusCode, 200);
      assert.equal(sample(mb.body, 'latchkey_http_request_duration_seconds_count', { method: 'GET', route: '/healthz', status_class: '2xx' }), undefined, 'app b saw none of app a\'s requests');
      // the readiness checks still answer as before
      assert.equal((await b.server.inject({ url: '/readyz' })).statusCode, 200);
    } finally {
      await a.server.close();
      await b.server.close();
    }
  });

  it('`latchkey worker` can serve /metrics and /healthz on a port of its own', async () => {
    const store = await open();
    const metrics = createMetrics({ db: store.db, clock: new ManualClock(new Date()), processMetrics: false });
    const server = await serveWorkerMetrics(metrics, { port: 0, host: '127.0.0.1', token: 'tok' });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal((await fetch(`${base}/metrics`)).status, 401);
      const r = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer tok' } });
      assert.equal(r.status, 200);
      const text = await r.text();
      assert.ok(text.includes('latchkey_jobs_oldest_due_seconds 0'), text);
      assert.equal((await fetch(`${base}/other`)).status, 404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

