import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../../src/config.js';
import { ManualClock, systemClock } from '../../src/domain/clock.js';
import type { WorkerTasks } from '../../src/services/worker-tasks.js';
import { createNotificationService } from '../../src/services/notifications.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { backoffMs } from '../../src/domain/backoff.js';
import { enqueue, type Job } from '../../src/store/jobs.js';
import { createAppWorker } from '../../src/worker/index.js';
import { createWorker, type Worker } from '../../src/worker/runner.js';
import { scratchDatabase, sharedScratch, type ScratchDatabase, type SharedScratch } from '../support/stores.js';
import { childProcesses, until as pollUntil, within as waitWithin } from '../support/processes.js';

const silent = pino({ level: 'silent' });

/** within() and until() of support/processes.ts with this file's bounds: 20 s, and a 10 ms poll for the in-process workers. */
const within = <T>(p: Promise<T>, what: string, ms = 20_000) => waitWithin(p, what, ms);
const until = (cond: () => boolean, what: string, ms = 20_000) => pollUntil(cond, what, ms, 10);

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

describe('worker runtime', () => {
  let db: SharedScratch;
  let store: Store;
  let other: Store;
  const clock = new ManualClock('2026-06-01T00:00:00.000Z');
  const workers: Worker[] = [];
  const make = (tasks: WorkerTasks, opts: { store?: Store; pollMs?: number; maxAttempts?: number; owner?: string } = {}) => {
    const w = createWorker({ store: opts.store ?? store, clock, log: silent, tasks, pollMs: opts.pollMs ?? 60_000, maxAttempts: opts.maxAttempts, owner: opts.owner });
    workers.push(w);
    return w;
  };
  const job = (id: string) => store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  before(async () => {
    db = await sharedScratch();
    ({ store, other } = db);
  });
  after(async () => {
    for (const w of workers) await w.stop();
    await db.close();
  });
  beforeEach(async () => {
    await store.db.deleteFrom('jobs').execute();
  });

  it('retries a failing handler with backoff until it succeeds', async () => {
    let calls = 0;
    const seen: Job[] = [];
    const w = make({
      handlers: {
        flaky: async (j) => {
          seen.push(j);
          if (++calls <= 2) throw new Error(`flaky failure ${calls}`);
        },
      },
      periodic: [],
    });
    const id = await enqueue(store.db, clock, 'flaky', { n: 7 });
    await w.drain();
    assert.equal(calls, 1);
    let row = await job(id);
    assert.equal(row.doneAt, null);
    assert.equal(row.lastError, 'flaky failure 1');
    assert.equal(row.runAt, new Date(clock.now().getTime() + backoffMs(1)).toISOString());
    await w.drain();
    assert.equal(calls, 1, 'not retried before its backoff');
    clock.advance(backoffMs(1));
    await w.drain();
    assert.equal(calls, 2);
    row = await job(id);
    assert.equal(row.lastError, 'flaky failure 2');
    clock.advance(backoffMs(2));
    await w.drain();
    assert.equal(calls, 3);
    row = await job(id);
    assert.equal(row.doneAt, clock.now().toISOString());
    assert.equal(row.lastError, null);
    assert.equal(row.attempts, 3);
    assert.deepEqual(JSON.parse(seen[2].payload), { n: 7 });
    clock.advance(3600_000);
    await w.drain();
    assert.equal(calls, 3, 'a completed job never runs again');
  });

  it('gives up a job that keeps failing after the maximum number of attempts', async () => {
    let calls = 0;
    const w = make({ handlers: { broken: async () => { calls++; throw new Error('always'); } }, periodic: [] }, { maxAttempts: 3 });
    const id = await enqueue(store.db, clock, 'broken', {});
    for (let i = 0; i < 6; i++) {
      await w.drain();
      clock.advance(backoffMs(10));
    }
    assert.equal(calls, 3);
    const row = await job(id);
    assert.ok(row.doneAt, 'ended');
    assert.equal(row.lastError, 'always');
  });

  it('fails a job of an unknown kind at once, without retrying it', async () => {
    let ran = 0;
    const w = make({ handlers: { known: async () => { ran++; } }, periodic: [] });
    const unknown = await enqueue(store.db, clock, 'mystery', {});
    const known = await enqueue(store.db, clock, 'known', {});
    await w.drain();
    const row = await job(unknown);
    assert.ok(row.doneAt, 'expected: row.doneAt');
    assert.equal(row.attempts, 1);
    assert.match(row.lastError ?? '', /no handler for job kind 'mystery'/);
    assert.equal(ran, 1, 'the other job still ran');
    assert.ok((await job(known)).doneAt, 'expected: (await job(known)).doneAt');
    clock.advance(24 * 3600_000);
    await w.drain();
    assert.equal((await job(unknown)).attempts, 1);
  });

  it('runs periodic tasks until idle; a failing one does not stop the others', async () => {
    let backlog = 7;
    let scans = 0;
    let brokenRuns = 0;
    const w = make({
      handlers: {},
      periodic: [
        { name: 'broken', run: async () => { brokenRuns++; throw new Error('scan failed'); } },
        { name: 'expiry', run: async () => { scans++; if (backlog === 0) return 0; backlog--; return 1; } },
      ],
    });
    await w.drain();
    assert.equal(backlog, 0);
    assert.equal(scans, 8, 'one run per item, then one that found nothing');
    assert.equal(brokenRuns, 8);
  });

  it('drains jobs a periodic task enqueues in the same drain', async () => {
    const handled: number[] = [];
    let due = 3;
    const w = make({
      handlers: { reminder: async (j) => { handled.push((JSON.parse(j.payload) as { n: number }).n); } },
      periodic: [{ name: 'timers', run: async () => { if (due === 0) return 0; await enqueue(store.db, clock, 'reminder', { n: due-- }); return 1; } }],
    });
    await w.drain();
    assert.deepEqual(handled.sort(), [1, 2, 3]);
  });

  it('two workers on two connections run each job exactly once', async () => {
    const runs = new Map<string, number>();
    const tasks: WorkerTasks = { handlers: { work: async (j) => { runs.set(j.id, (runs.get(j.id) ?? 0) + 1); } }, periodic: [] };
    const a = make(tasks, { owner: 'a' });
    const b = make(tasks, { store: other, owner: 'b' });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await enqueue(store.db, clock, 'work', { i }));
    await Promise.all([a.drain(), b.drain()]);
    assert.equal(runs.size, 40);
    assert.ok([...runs.values()].every((n) => n === 1), 'no job ran twice');
    const open = await store.db.selectFrom('jobs').select('id').where('doneAt', 'is', null).execute();
    assert.deepEqual(open, []);
  });

  it('the app worker keeps mail in the outbox without SMTP_URL, and runs the lifecycle tasks', async () => {
    let scans = 0;
    const workerTasks: WorkerTasks = { handlers: {}, periodic: [{ name: 'scan', run: async () => { scans++; return 0; } }] };
    let kick: (() => void) | undefined;
    const w = createAppWorker({
      store, clock, log: silent, config: { smtpUrl: null, mailFrom: 'x@y.test', workerPollMs: 1000 },
      services: { workerTasks, onWork: (fn) => { kick = fn; } },
    });
    workers.push(w);
    assert.equal(w.mailer, null);
    assert.equal(typeof kick, 'function', 'registered for immediate runs');
    await store.db.deleteFrom('outboxEmails').execute();
    await createNotificationService({ db: store.db, clock }).queue(store.db, { to: 'kept@contoso.test', template: 'accessEnded', data: {} });
    await w.drain();
    assert.equal(scans, 1);
    const [row] = await store.db.selectFrom('outboxEmails').selectAll().execute();
    assert.equal(row.sentAt, null);
    assert.equal(row.attempts, 0, 'nobody tried to send it');

    const withSmtp = createAppWorker({ store, clock, log: silent, config: { smtpUrl: 'smtp://u:pw@127.0.0.1:1', mailFrom: 'x@y.test', workerPollMs: 1000 }, services: { workerTasks } });
    assert.equal(withSmtp.mailer?.description, 'smtp://u:***@127.0.0.1:1');
    await withSmtp.stop();
  });

  it('starts with an immediate tick, runs at once when kicked, and stops cleanly after the running job', async () => {
    let ticks = 0;
    const firstTick = deferred();
    const entered = deferred();
    const release = deferred();
    const handled: string[] = [];
    const w = make({
      handlers: {
        quick: async (j) => { handled.push(j.id); },
        slow: async (j) => { entered.resolve(); await release.promise; handled.push(j.id); },
      },
      periodic: [{ name: 'count', run: async () => { ticks++; firstTick.resolve(); return 0; } }],
    }, { pollMs: 10 * 60_000 });
    w.start();
    try {
      await within(firstTick.promise, 'the first tick');

      // the next poll is ten minutes away: only kick() can make this run now
      const quick = await enqueue(store.db, clock, 'quick', {});
      w.kick();
      await until(() => handled.includes(quick), 'the kicked job');

      const slow = await enqueue(store.db, clock, 'slow', {});
      w.kick();
      await within(entered.promise, 'the slow job to start');
      let stopped = false;
      const stopping = w.stop().then(() => { stopped = true; });
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(stopped, false, 'stop waits for the running job');
      release.resolve();
      await within(stopping, 'stop');
      assert.ok(handled.includes(slow), 'expected: handled.includes(slow)');
      assert.ok((await job(slow)).doneAt, 'the running job was completed, not abandoned');

      const ticksAtStop = ticks;
      const later = await enqueue(store.db, clock, 'quick', {});
      w.kick();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(ticks, ticksAtStop, 'a stopped worker does not tick');
      assert.equal((await job(later)).doneAt, null);
    } finally {
      release.resolve(); // a failed assertion must not leave the slow job (and so stop()) blocked
    }
  });
});

describe('job leases', () => {
  // real time here: leases run out only as time passes, and the heartbeat is a real timer
  let db: SharedScratch;
  let store: Store;
  let other: Store;
  const workers: Worker[] = [];
  // long enough that a loaded machine (the suite runs files in parallel) does not stall the heartbeat past it
  const LEASE_MS = 1500;
  const job = (id: string) => store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  before(async () => {
    db = await sharedScratch();
    ({ store, other } = db);
  });
  after(async () => {
    for (const w of workers) await w.stop();
    await db.close();
  });
  beforeEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await store.db.deleteFrom('jobs').execute();
  });

  it('a claimed job is leased for at most a minute by default (WORKER_LEASE_MS), as the app worker stores it', async () => {
    const clock = new ManualClock('2026-06-01T00:00:00.000Z');
    const config = loadConfig({});
    assert.ok(config.workerLeaseMs > 0 && config.workerLeaseMs <= 60_000, `default lease ${config.workerLeaseMs} ms`);
    assert.equal(loadConfig({ WORKER_LEASE_MS: '2000' }).workerLeaseMs, 2000);
    const leases: number[] = [];
    const workerTasks: WorkerTasks = {
      handlers: { probe: async (j) => { leases.push(Date.parse((await job(j.id)).leaseExpiresAt!) - clock.now().getTime()); } },
      periodic: [],
    };
    const w = createAppWorker({ store, clock, log: silent, config, services: { workerTasks } });
    workers.push(w);
    await enqueue(store.db, clock, 'probe', {});
    await w.drain();
    assert.deepEqual(leases, [config.workerLeaseMs], 'the stored lease is the configured one');
  });

  it('a handler running longer than its lease keeps its job: the owner renews the lease, another worker does not take it over', { timeout: 60_000 }, async () => {
    const runs: string[] = [];
    const expiries: string[] = [];
    const tasks = (owner: string): WorkerTasks => ({
      handlers: {
        slow: async (j) => {
          runs.push(owner);
          // five lease times, long after the lease of the claim would have run out without renewals
          for (let i = 0; i < 10; i++) {
            await sleep(LEASE_MS / 2);
            expiries.push((await job(j.id)).leaseExpiresAt!);
          }
        },
      },
      periodic: [],
    });
    const outcomes: string[] = [];
    const a = createWorker({ store, clock: systemClock, log: silent, tasks: tasks('a'), owner: 'a', pollMs: 10, leaseMs: LEASE_MS, observer: { finished: (_j, o) => outcomes.push(`a:${o}`) } });
    const b = createWorker({ store: other, clock: systemClock, log: silent, tasks: tasks('b'), owner: 'b', pollMs: 10, leaseMs: LEASE_MS, observer: { finished: (_j, o) => outcomes.push(`b:${o}`) } });
    workers.push(a, b);
    const id = await enqueue(store.db, systemClock, 'slow', {});
    a.start();
    await until(() => runs.length > 0, 'a to start the job');
    b.start();
    await until(() => outcomes.length > 0, 'the job to end');
    assert.deepEqual(runs, ['a'], 'only its owner ran it');
    assert.deepEqual(outcomes, ['a:completed']);
    assert.ok(new Set(expiries).size > 3, `the lease was renewed as the handler ran: ${expiries.join(', ')}`);
    const done = await job(id);
    assert.equal(done.attempts, 1, 'claimed once');
    assert.notEqual(done.doneAt, null);
  });

  it('a renewal that finds a job taken over: a job waiting for a lane is not run, a running one is not recorded', { timeout: 60_000 }, async () => {
    const started: string[] = [];
    const release = deferred();
    const outcomes = new Map<string, string>();
    const tasks: WorkerTasks = { handlers: { hold: async (j) => { started.push(j.id); await release.promise; } }, periodic: [] };
    // one lane: the second job waits for the first
    const a = createWorker({ store, clock: systemClock, log: silent, tasks, owner: 'a', pollMs: 10, leaseMs: LEASE_MS, observer: { finished: (j, o) => outcomes.set(j.id, o) } });
    workers.push(a);
    const ids = [await enqueue(store.db, systemClock, 'hold', {}), await enqueue(store.db, systemClock, 'hold', {})];
    a.start();
    await until(() => started.length === 1, 'the first job to start');
    // (a claim returns its jobs in no set order on PostgreSQL: either may run first)
    const [first, second] = started[0] === ids[0] ? ids : [ids[1], ids[0]];
    assert.equal((await job(second)).leaseOwner, 'a', 'the second job is claimed too, waiting for the lane');
    // another worker owns both now (as after a takeover); a's next renewal finds them lost
    const far = new Date(Date.now() + 3_600_000).toISOString();
    await store.db.updateTable('jobs').set({ leaseOwner: 'thief', leaseExpiresAt: far }).where('id', 'in', [first, second]).execute();
    await sleep(2 * LEASE_MS);
    release.resolve();
    await until(() => outcomes.size === 2, 'both jobs to end');
    assert.deepEqual(started, [first], 'the lost waiting job was not run');
    assert.deepEqual([outcomes.get(first), outcomes.get(second)], ['lost', 'lost']);
    for (const id of [first, second]) {
      const row = await job(id);
      assert.deepEqual([row.leaseOwner, row.leaseExpiresAt, row.doneAt], ['thief', far, null], 'the new owner\'s lease is untouched');
    }
  });
});

describe('latchkey worker command', () => {
  let scratch: ScratchDatabase;
  let smtp: SMTPServer;
  let smtpPort = 0;
  const received: { to: string[]; raw: string; user: string | undefined }[] = [];
  // the CLI children log at info (their log lines are what the tests wait for); killed before the hook below runs
  const procs = childProcesses();
  const latchkey = (args: string[], env: Record<string, string> = {}) => procs.start(args, { LOG_LEVEL: 'info', ...env });

  before(async () => {
    scratch = await scratchDatabase();
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, cb) {
        if (auth.username === 'mailer' && auth.password === 's3cr3t') cb(null, { user: auth.username });
        else cb(new Error('Invalid username or password'));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8'), user: session.user as string | undefined });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    smtpPort = (smtp.server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await scratch.drop();
  });

  it('migrates, delivers queued mail through SMTP, never logs the password, and stops on SIGTERM with exit 0', async () => {
    const store = openStore(scratch.url);
    try {
      await migrateToLatest(store.db);
      const n = createNotificationService({ db: store.db, clock: { now: () => new Date() } });
      await n.queue(store.db, { to: 'adele@contoso.test', template: 'accessDelivered', data: { packageName: 'Worker test package' } });
    } finally {
      await store.close();
    }
    const w = latchkey(['worker', '--db', scratch.url], { SMTP_URL: `smtp://mailer:s3cr3t@127.0.0.1:${smtpPort}`, WORKER_POLL_MS: '200' });
    await w.waitFor(/"msg":"worker started"/, 'the worker to start');
    await until(() => received.length > 0, 'the email to arrive', 60_000);
    assert.deepEqual(received[0].to, ['adele@contoso.test']);
    assert.equal(received[0].user, 'mailer', 'signed in with the URL credentials');
    assert.match(received[0].raw, /Subject: You now have access to Worker test package/);
    await w.waitFor(/"msg":"email sent"/, 'the sent log line');
    w.child.kill('SIGTERM');
    assert.equal(await within(w.exited, 'exit'), 0);
    assert.match(w.output(), /"msg":"worker stopped"/);
    assert.ok(!w.output().includes('s3cr3t'), 'the SMTP password never appears in logs');
    assert.match(w.output(), /smtp:\/\/mailer:\*\*\*@127\.0\.0\.1/);

    const check = openStore(scratch.url);
    try {
      const rows = await check.db.selectFrom('outboxEmails').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.ok(rows[0].sentAt, 'expected: rows[0].sentAt');
    } finally {
      await check.close();
    }
  });

  it('serve runs an in-process worker by default, and none with --no-worker or WORKER=off', async () => {
    const withWorker = latchkey(['serve', '--port', '0', '--db', scratch.url]);
    await withWorker.waitFor(/Latchkey is listening/, 'serve to listen');
    await withWorker.waitFor(/"msg":"worker started"/, 'the in-process worker');
    withWorker.child.kill('SIGTERM');
    assert.equal(await within(withWorker.exited, 'exit'), 0);
    assert.match(withWorker.output(), /"msg":"worker stopped"/);

    for (const [args, env] of [[['--no-worker'], {}], [[], { WORKER: 'off' }]] as const) {
      const without = latchkey(['serve', '--port', '0', '--db', scratch.url, ...args], env);
      await without.waitFor(/Latchkey is listening/, 'serve to listen');
      without.child.kill('SIGTERM');
      assert.equal(await within(without.exited, 'exit'), 0);
      assert.doesNotMatch(without.output(), /worker started/);
    }
  });
});

describe('worker and mail configuration', () => {
  it('has embedded defaults: worker on, no SMTP, local public URL', () => {
    const c = loadConfig({});
    assert.equal(c.worker, true);
    assert.equal(c.smtpUrl, null);
    assert.equal(c.mailFrom, 'Latchkey <latchkey@localhost>');
    assert.equal(c.publicUrl, 'http://127.0.0.1:8080');
    assert.equal(c.workerPollMs, 1000);
  });

  it('reads the environment; flags win', () => {
    const c = loadConfig({ WORKER: 'off', SMTP_URL: 'smtps://u:p@mail.contoso.test:465', MAIL_FROM: 'IT <it@contoso.test>', PUBLIC_URL: 'https://access.contoso.test/', WORKER_POLL_MS: '250' });
    assert.deepEqual([c.worker, c.smtpUrl, c.mailFrom, c.publicUrl, c.workerPollMs], [false, 'smtps://u:p@mail.contoso.test:465', 'IT <it@contoso.test>', 'https://access.contoso.test', 250]);
    assert.equal(loadConfig({ WORKER: 'on' }, { worker: false }).worker, false);
    assert.equal(loadConfig({ WORKER: 'OFF' }).worker, false);
  });

  it('refuses settings it cannot use, without echoing a password', () => {
    assert.throws(() => loadConfig({ WORKER: 'sometimes' }), /WORKER must be on or off/);
    assert.throws(() => loadConfig({ PUBLIC_URL: 'ftp://x' }), /PUBLIC_URL must be an http\(s\) URL/);
    assert.throws(() => loadConfig({ SMTP_URL: 'mail.contoso.test' }), /SMTP_URL must look like/);
    assert.throws(() => loadConfig({ SMTP_URL: 'http://u:hunter2@x' }), (e: Error) => !e.message.includes('hunter2'));
    assert.throws(() => loadConfig({ WORKER_POLL_MS: '-5' }), /WORKER_POLL_MS/);
  });
});
