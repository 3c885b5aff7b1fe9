import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pino from 'pino';
import { LISTENER_APPLICATION_NAME, createWorkPublisher, listenForWork } from '../../src/store/notify.js';
import { openStore } from '../../src/store/db.js';
import { createServices } from '../../src/services/index.js';
import { createWorker } from '../../src/worker/runner.js';
import { ApiClient } from '../support/client.js';
import { decide, makePackage, makePolicy, stage, userAdd, type PackageFixture } from '../support/lifecycle.js';
import { databaseUrlOf, latchkey, processSuite, until, within } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { scratchDatabase, testStore } from '../support/stores.js';

// Running several processes on one database, with the real CLI in child processes.
// - PostgreSQL: 2 `serve --no-worker` + 2 `worker`. Requests go to either server; the workers are
//   woken by NOTIFY and claim jobs with SKIP LOCKED.
// - SQLite (WAL, one writer at a time): 2 `serve --no-worker` + 1 `worker`, which finds the work by
//   polling (SQLite has no cross-process notification).
// After the run: every request delivered, one grant and one group membership per request, no job
// left pending or claimed, nothing stuck. Then: NOTIFY wakes a worker whose poll is 10 minutes away
// (PostgreSQL; on SQLite the same check runs with a short poll), also after its LISTEN connection was
// killed; and two `latchkey migrate` at once on a fresh database.

const PG = testStore === 'postgres';
const USERS = 30;
const PACKAGES = 2;

/** The LISTEN sessions open on the test's database (PostgreSQL). */
async function listeners(t: TestServer): Promise<number[]> {
  const r = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database() and application_name = ${LISTENER_APPLICATION_NAME}`.execute(t.store.db);
  return r.rows.map((x) => Number(x.pid));
}

describe(`scale-out: ${PG ? '2 serve + 2 worker processes on PostgreSQL' : '2 serve + 1 worker processes on SQLite'}`, () => {
  const s = processSuite();

  it(`${USERS * PACKAGES} parallel userAdd requests through both servers: all delivered once, no job or request left behind`, { timeout: 300_000 }, async (ctx) => {
    const fixtures: { fx: PackageFixture; policyId: string }[] = [];
    for (let i = 0; i < PACKAGES; i++) {
      const fx = await makePackage(s.t, `Scale-out ${i}`);
      fixtures.push({ fx, policyId: await makePolicy(s.t, fx.packageId) });
    }
    const users = [];
    for (let i = 0; i < USERS; i++) users.push(await s.t.user());

    // all processes start at once on the same (already migrated) database
    const [serverA, serverB] = await Promise.all([
      s.serve(s.url), s.serve(s.url),
      s.worker(s.url, PG ? {} : { WORKER_POLL_MS: '50' }),
      ...(PG ? [s.worker(s.url)] : []),
    ]) as [{ url: string }, { url: string }, ...unknown[]];
    if (PG) await until(async () => (await listeners(s.t)).length === 2, 'both workers to LISTEN', 30_000);

    // every user asks for every package, all at once, alternating between the two servers
    const calls = users.flatMap((u, i) => fixtures.map(({ fx, policyId }, j) => async () => {
      const client = new ApiClient((i + j) % 2 === 0 ? serverA.url : serverB.url, u.client.token);
      const r = await userAdd(client, fx.packageId, policyId);
      assert.equal(r.status, 201, r.text);
      return r.body.id as string;
    }));
    const requestIds = await within(Promise.all(calls.map((c) => c())), 'every request to be accepted', 60_000);
    assert.equal(new Set(requestIds).size, USERS * PACKAGES, 'one request per submission');

    // wait (bounded) for delivery
    const db = s.t.store.db;
    await until(async () => {
      const rows = await db.selectFrom('assignmentRequests').select('id').where('id', 'in', requestIds).where('state', '=', 'delivered').execute();
      return rows.length === requestIds.length;
    }, 'every request to be delivered', 90_000, 20);
    // for information (timing is never asserted): the servers' own timestamps, request stored → delivered
    const times = await db.selectFrom('assignmentRequests').select(['createdAt', 'completedAt']).where('id', 'in', requestIds).execute();
    const latencies = times.map((r) => Date.parse(r.completedAt!) - Date.parse(r.createdAt)).sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    ctx.diagnostic(`request stored → delivered: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${latencies.at(-1)} ms`);

    const packageIds = fixtures.map((f) => f.fx.packageId);
    const requests = await db.selectFrom('assignmentRequests').select(['id', 'state', 'assignmentId']).where('accessPackageId', 'in', packageIds).execute();
    assert.deepEqual(requests.map((r) => r.id).sort(), [...requestIds].sort(), 'no request lost or made twice');
    assert.deepEqual(requests.filter((r) => r.state !== 'delivered'), [], 'no request stuck');

    const assignments = await db.selectFrom('assignments').select(['id', 'targetId', 'accessPackageId', 'state']).where('accessPackageId', 'in', packageIds).execute();
    assert.equal(assignments.length, USERS * PACKAGES, 'one assignment per request');
    assert.equal(new Set(assignments.map((a) => `${a.targetId}|${a.accessPackageId}`)).size, USERS * PACKAGES, 'no user holds a package twice');
    assert.deepEqual(assignments.filter((a) => a.state !== 'delivered'), []);

    const grants = await db.selectFrom('grants').select(['assignmentId', 'state']).where('assignmentId', 'in', assignments.map((a) => a.id)).execute();
    assert.equal(grants.length, USERS * PACKAGES, 'one grant per assignment (one group role per package), none duplicated');
    assert.equal(new Set(grants.map((g) => g.assignmentId)).size, USERS * PACKAGES);
    assert.deepEqual(grants.filter((g) => g.state !== 'delivered'), [], 'every grant delivered');

    for (const { fx } of fixtures) {
      const members = await db.selectFrom('groupMembers').select('memberId').where('groupId', '=', fx.groupId).execute();
      assert.deepEqual(members.map((m) => m.memberId).sort(), users.map((u) => u.id).sort(), 'each user in the group exactly once');
    }

    // a job is marked done just after the transaction that delivered its request commits (in another
    // process): wait (bounded) for that last statement, then no job may be left pending or claimed
    const openJobs = () => db.selectFrom('jobs').select(['id', 'kind', 'leaseOwner', 'runAt']).where('doneAt', 'is', null).execute();
    await until(async () => (await openJobs()).length === 0, 'every job to be marked done', 10_000, 20).catch(() => undefined);
    const open = await openJobs();
    assert.deepEqual(open, [], 'no job left pending or claimed');
    const failed = await db.selectFrom('jobs').select(['kind', 'lastError']).where('lastError', 'is not', null).execute();
    assert.deepEqual(failed, [], 'no job failed along the way');
    const fulfilled = await db.selectFrom('auditEvents').select('targetId').where('activity', '=', 'Fulfill access package assignment').where('targetId', 'in', requestIds).execute();
    assert.equal(fulfilled.length, USERS * PACKAGES, 'each delivery recorded once');

    // both servers answer health and readiness, and their metrics saw the requests
    for (const { url: base } of [serverA, serverB]) {
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      const m = await (await fetch(`${base}/metrics`)).text();
      assert.match(m, /latchkey_http_request_duration_seconds_count\{method="POST",route="\/v1\.0\/identityGovernance\/entitlementManagement\/assignmentRequests",status_class="2xx"\} (\d+)/);
    }
  });
});

describe(`scale-out: a worker in another process is woken ${PG ? 'by NOTIFY (its poll is 10 minutes away)' : 'by its poll (SQLite has no NOTIFY)'}`, () => {
  const s = processSuite();
  let server = '';

  before(async () => {
    const [serve] = await Promise.all([s.serve(s.url), s.worker(s.url, { WORKER_POLL_MS: PG ? '600000' : '200' })]);
    server = serve.url;
  });

  /** A userAdd through the serve process; resolves once the worker process delivered it (bounded well below the 10-minute poll). */
  async function deliveredThroughOtherProcesses(name: string): Promise<void> {
    const fx = await makePackage(s.t, name);
    const policyId = await makePolicy(s.t, fx.packageId);
    const u = await s.t.user();
    const r = await userAdd(new ApiClient(server, u.client.token), fx.packageId, policyId);
    assert.equal(r.status, 201, r.text);
    await until(async () => {
      const row = await s.t.store.db.selectFrom('assignmentRequests').select('state').where('id', '=', r.body.id).executeTakeFirst();
      return row?.state === 'delivered';
    }, `request ${r.body.id} to be delivered by the worker process`, 30_000, 20);
    const members = await s.t.store.db.selectFrom('groupMembers').select('memberId').where('groupId', '=', fx.groupId).execute();
    assert.deepEqual(members.map((m) => m.memberId), [u.id]);
  }

  it('delivers a request submitted to a serve process without a worker', { timeout: 90_000 }, async () => {
    if (PG) await until(async () => (await listeners(s.t)).length === 1, 'the worker to LISTEN', 30_000);
    // the worker's first tick has passed and found nothing: from here only a wake-up makes it look again
    await new Promise((r) => setTimeout(r, 300));
    await deliveredThroughOtherProcesses('Woken');
  });

  it('delivers an approved request: the approval, made through the serve process, wakes the worker', { timeout: 90_000 }, async () => {
    const approver = await s.t.user();
    const fx = await makePackage(s.t, 'Approved across processes');
    const policyId = await makePolicy(s.t, fx.packageId, { stages: [stage([approver.id])] });
    const u = await s.t.user();
    const r = await userAdd(new ApiClient(server, u.client.token), fx.packageId, policyId);
    assert.equal(r.status, 201, r.text);
    const d = await decide(s.t, new ApiClient(server, approver.client.token), r.body.id, 'Approve');
    assert.ok(d.status < 300, `decision accepted: ${d.status} ${d.text}`);
    await until(async () => {
      const row = await s.t.store.db.selectFrom('assignmentRequests').select('state').where('id', '=', r.body.id).executeTakeFirst();
      return row?.state === 'delivered';
    }, `approved request ${r.body.id} to be delivered by the worker process`, 30_000, 20);
    const members = await s.t.store.db.selectFrom('groupMembers').select('memberId').where('groupId', '=', fx.groupId).execute();
    assert.deepEqual(members.map((m) => m.memberId), [u.id]);
  });

  it('after its LISTEN connection is killed, the worker reconnects and is woken again', { timeout: 90_000 }, async () => {
    if (!PG) {
      // SQLite keeps no connection to lose: the poll goes on, which the delivery below shows
      await deliveredThroughOtherProcesses('Still polling');
      return;
    }
    const [before] = await listeners(s.t);
    assert.ok(before, 'a LISTEN session is open');
    await sql`select pg_terminate_backend(${before})`.execute(s.t.store.db);
    await until(async () => {
      const now = await listeners(s.t);
      return now.length === 1 && now[0] !== before;
    }, 'the worker to LISTEN again on a new connection', 30_000);
    await deliveredThroughOtherProcesses('Woken after reconnect');
  });

  it('a worker ignores the NOTIFYs of the app it runs in (already kicked in-process), not those of others', { skip: PG ? false : 'NOTIFY exists only on PostgreSQL', timeout: 30_000 }, async () => {
    const log = pino({ level: 'silent' });
    const wakes: string[] = [];
    const listener = listenForWork({ connectionString: s.url, log, ignoreOrigin: 'app-a', onWake: (reason) => wakes.push(reason) });
    try {
      await until(async () => wakes.includes('listening'), 'the listener to LISTEN', 20_000);
      let sent = 0;
      createWorkPublisher(s.t.store.db, log, () => sent++, 'app-a')();
      await until(async () => sent === 1, 'the NOTIFY of app-a to be sent', 10_000);
      createWorkPublisher(s.t.store.db, log, () => sent++, 'app-b')();
      await until(async () => wakes.includes('notify'), 'the NOTIFY of app-b to wake the listener', 10_000);
      // notifications arrive in the order they were sent: had app-a's not been ignored, it would be here first
      assert.deepEqual(wakes, ['listening', 'notify'], 'woken once, by the other app');
    } finally {
      await listener.close();
    }
  });

  it('shows the wake-ups in the serve process\'s metrics', { timeout: 30_000 }, async () => {
    const m = await (await fetch(`${server}/metrics`)).text();
    const sent = /latchkey_work_notifications_total\{direction="sent"\} (\d+)/.exec(m);
    if (PG) assert.ok(sent && Number(sent[1]) >= 3, `NOTIFYs counted:\n${m.split('\n').filter((l) => l.includes('notifications')).join('\n')}`);
    else assert.equal(sent, null, 'no NOTIFY on SQLite');
  });
});

describe('scale-out: timers fire once when two workers on separate connections see them at the same moment', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  it('an expiry removes the assignment once; a blocked guest is deleted once', { timeout: 120_000 }, async () => {
    const fx = await makePackage(t, 'Timers once');
    const policyId = await makePolicy(t, fx.packageId, { expiration: { type: 'afterDuration', duration: 'P1D' } });
    const users = [await t.user(), await t.user(), await t.user()];
    for (const u of users) assert.equal((await userAdd(u.client, fx.packageId, policyId)).status, 201);
    await t.drain();
    const guest = await t.user({ userType: 'Guest' });
    await t.store.db.updateTable('users').set({ governed: 1, accountEnabled: 0, blockedAt: t.clock.now().toISOString(), deleteAfter: t.clock.now().toISOString() })
      .where('id', '=', guest.id).execute();
    t.clock.advance(2 * 86_400_000);

    // a second app's services, on PostgreSQL on a second pool: the two workers really race. On SQLite both
    // share the one connection (a second one in the same process would block the event loop while it
    // waits for the write lock the first holds); the scans still interleave between transactions.
    const other = PG ? openStore(await databaseUrlOf(t.store)) : t.store;
    try {
      const services = createServices({ db: other.db, clock: t.clock, log: t.app.server.log });
      // each timer scan run by both at the same instant: both read the same due rows before either acts
      const task = (tasks: typeof services.workerTasks, name: string) => tasks.periodic.find((p) => p.name === name)!.run();
      for (const name of ['expireDue', 'deleteBlockedGuests']) await Promise.all([task(t.app.services.workerTasks, name), task(services.workerTasks, name)]);
      // then everything else (revocations) by two workers at once
      const a = createWorker({ store: t.store, clock: t.clock, log: t.app.server.log, tasks: t.app.services.workerTasks, owner: 'timer-a' });
      const b = createWorker({ store: other, clock: t.clock, log: t.app.server.log, tasks: services.workerTasks, owner: 'timer-b' });
      await Promise.all([a.drain(), b.drain()]);
    } finally {
      if (other !== t.store) await other.close();
    }
    const db = t.store.db;
    const removals = await db.selectFrom('assignmentRequests').select(['targetId', 'state']).where('accessPackageId', '=', fx.packageId).where('requestType', '=', 'systemRemove').execute();
    assert.deepEqual(removals.map((r) => r.targetId).sort(), users.map((u) => u.id).sort(), 'one systemRemove request per expired assignment');
    assert.ok(removals.every((r) => r.state === 'delivered'), JSON.stringify(removals));
    const members = await db.selectFrom('groupMembers').select('memberId').where('groupId', '=', fx.groupId).execute();
    assert.deepEqual(members, [], 'access revoked');
    const expiredEvents = await db.selectFrom('auditEvents').select('targetId').where('activity', '=', 'Delete external user').where('targetId', '=', guest.id).execute();
    assert.equal(expiredEvents.length, 1, 'the guest deleted once, audited once');
    assert.equal(await db.selectFrom('users').select('id').where('id', '=', guest.id).executeTakeFirst(), undefined, 'the guest is gone');
    const open = await db.selectFrom('jobs').select(['kind']).where('doneAt', 'is', null).execute();
    assert.deepEqual(open, [], 'no job left');
  });
});

describe('scale-out: two `latchkey migrate` at once on a fresh database', () => {
  it('both succeed and every migration is applied once', { timeout: 180_000 }, async () => {
    const scratch = await scratchDatabase();
    try {
      const a = latchkey(['migrate', '--db', scratch.url]);
      const b = latchkey(['migrate', '--db', scratch.url]);
      const [ca, cb] = await within(Promise.all([a.exited, b.exited]), 'both migrations to finish', 150_000);
      assert.equal(ca, 0, a.output());
      assert.equal(cb, 0, b.output());
      const store = openStore(scratch.url);
      try {
        const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
        const names = applied.rows.map((r) => r.name);
        assert.ok(names.length > 0, 'migrations were applied');
        assert.equal(new Set(names).size, names.length, `each migration recorded once: ${names.join(', ')}`);
        // the General catalog that `migrate` ensures exists once
        const general = await store.db.selectFrom('catalogs').select('id').where('displayName', '=', 'General').execute();
        assert.equal(general.length, 1, 'one General catalog');
      } finally {
        await store.close();
      }
    } finally {
      await scratch.drop();
    }
  });
});

