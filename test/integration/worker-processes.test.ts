import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Job } from '../../src/store/jobs.js';
import { EM } from '../support/client.js';
import { makePackage, makePolicy, type PackageFixture } from '../support/lifecycle.js';
import { killHard, processSuite, runTs, until, type CliProcess } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Crash safety of the worker: jobs are leased, handlers idempotent, so killing a worker at any moment
// and starting another loses nothing and grants nothing twice. Real `latchkey worker` processes
// deliver the assignments that an in-process server (whose own worker never runs) creates.

const N = 60;
/** the lease the worker processes here take (WORKER_LEASE_MS): short, so that takeovers happen in seconds */
const LEASE_MS = 2000;

async function adminAdd(t: TestServer, fx: PackageFixture, policyId: string, targetId: string): Promise<string> {
  const r = await t.admin.post(`${EM}/assignmentRequests`, { requestType: 'adminAdd', assignment: { accessPackageId: fx.packageId, assignmentPolicyId: policyId, targetId } });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

describe('worker processes: SIGKILL mid-way and another takes over', () => {
  const s = processSuite();

  // WORKER_POLL_MS small: the processes poll often, so the kills land while they are busy
  const startWorker = () => s.worker(s.url, { WORKER_POLL_MS: '20', WORKER_LEASE_MS: String(LEASE_MS) });
  const heldBy = (w: CliProcess) => s.t.store.db.selectFrom('jobs').selectAll().where('leaseOwner', 'like', `%:${w.pid}:%`).where('doneAt', 'is', null).execute();

  /**
   * SIGKILLs a worker; its leased jobs stay leased to it until the lease (LEASE_MS) runs out, then the
   * other workers take them over. Returns how many jobs it held when it died.
   */
  const crash = async (w: CliProcess): Promise<number> => {
    // aim for a moment when it holds leased jobs (is in the middle of its work); if it never does within
    // the bound (the other workers took everything), it dies idle, which must be just as safe
    await until(async () => (await heldBy(w)).length > 0, `worker ${w.pid} to hold a lease`, 10_000, 1).catch(() => undefined);
    await killHard(w);
    return (await heldBy(w)).length;
  };

  it(`${N} assignments delivered by worker processes, two of them SIGKILLed along the way: all delivered, each grant once, no job left`, { timeout: 180_000 }, async (ctx) => {
    const fx = await makePackage(s.t, 'Crash safety');
    const policyId = await makePolicy(s.t, fx.packageId, { scope: 'notSpecified' });
    const users: string[] = [];
    for (let i = 0; i < N; i++) users.push((await s.t.user()).id);

    // both start at once (no job exists yet): each CLI start is a second or two of CPU on a loaded machine
    const [a, b] = await Promise.all([startWorker(), startWorker()]);
    const requestIds: string[] = [];
    const orphaned: number[] = [];
    // requests arrive in batches while the workers deliver; a worker is killed after each third
    for (let i = 0; i < N; i += 10) {
      const batch = Promise.all(users.slice(i, i + 10).map((u) => adminAdd(s.t, fx, policyId, u)));
      const victim = i === N / 3 ? a : i === (2 * N) / 3 ? b : undefined;
      if (victim) {
        // the kill races the batch: it lands while the victim works on jobs of this batch
        const [ids, n] = await Promise.all([batch, crash(victim)]);
        requestIds.push(...ids);
        orphaned.push(n);
        await startWorker();
      } else {
        requestIds.push(...(await batch));
      }
    }
    ctx.diagnostic(`jobs leased by the killed workers at their death: ${orphaned.join(', ')}`);
    // (nothing gives the dead workers' jobs back by hand: their leases run out and the living workers take them)

    const db = s.t.store.db;
    await until(async () => {
      const open = await db.selectFrom('jobs').select('id').where('doneAt', 'is', null).execute();
      const delivered = await db.selectFrom('assignments').select('id').where('accessPackageId', '=', fx.packageId).where('state', '=', 'delivered').execute();
      return open.length === 0 && delivered.length === N;
    }, 'every assignment to be delivered and every job done', 120_000);

    const assignments = await db.selectFrom('assignments').select(['id', 'targetId', 'state', 'requestId']).where('accessPackageId', '=', fx.packageId).execute();
    assert.equal(assignments.length, N, 'one assignment per request');
    assert.deepEqual(assignments.map((x) => x.targetId).sort(), [...users].sort());
    assert.ok(assignments.every((x) => x.state === 'delivered'), JSON.stringify(assignments.filter((x) => x.state !== 'delivered')));
    const requests = await db.selectFrom('assignmentRequests').select(['id', 'state']).where('accessPackageId', '=', fx.packageId).execute();
    assert.deepEqual(requests.map((r) => r.id).sort(), [...requestIds].sort());
    assert.ok(requests.every((r) => r.state === 'delivered'), JSON.stringify(requests.filter((r) => r.state !== 'delivered')));

    const grants = await db.selectFrom('grants').select(['assignmentId', 'state', 'lastError']).where('assignmentId', 'in', assignments.map((x) => x.id)).execute();
    assert.equal(grants.length, N, 'one grant per assignment, none created twice');
    assert.deepEqual(grants.filter((g) => g.state !== 'delivered'), [], 'no grant pending or failed');
    assert.equal(new Set(grants.map((g) => g.assignmentId)).size, N);

    const members = await db.selectFrom('groupMembers').select('memberId').where('groupId', '=', fx.groupId).execute();
    assert.deepEqual(members.map((m) => m.memberId).sort(), [...users].sort(), 'every user is in the group exactly once');

    const jobs = await db.selectFrom('jobs').selectAll().execute();
    assert.deepEqual(jobs.filter((j) => j.doneAt === null), [], 'no stuck job');
    assert.deepEqual(jobs.filter((j) => j.lastError !== null).map((j) => `${j.kind}: ${j.lastError}`), [], 'no job failed or was given up');

    // the delivery of each request was recorded once, whoever ran it and however often
    const fulfilled = await db.selectFrom('auditEvents').select('targetId').where('activity', '=', 'Fulfill access package assignment').where('targetId', 'in', requestIds).execute();
    assert.equal(fulfilled.length, N, 'one "Fulfill" audit event per request');
    assert.equal(new Set(fulfilled.map((f) => f.targetId)).size, N);
  });
});

describe('worker processes: a job held by a worker that is SIGKILLed mid-job', () => {
  const s = processSuite();

  it('is kept by its live owner past its lease (renewed), and taken over by another worker once the owner is killed', { timeout: 180_000 }, async () => {
    const fx = await makePackage(s.t, 'Lease takeover');
    const policyId = await makePolicy(s.t, fx.packageId, { scope: 'notSpecified' });
    const target = await s.t.user();
    const worker = (program: string, env: Record<string, string> = {}) => s.track(runTs(program, program === 'src/cli/main.ts' ? ['worker', '--db', s.url] : [],
      { DATABASE_URL: s.url, WORKER_POLL_MS: '20', WORKER_LEASE_MS: String(LEASE_MS), LOG_LEVEL: 'info', ...env }));
    // the holder is the real worker whose fulfil handler never returns (support/holding-worker.ts)
    const holder = worker('test/support/holding-worker.ts', { HOLD_JOB_KINDS: 'fulfil' });
    await holder.waitFor(/"msg":"worker started"/, 'the holding worker to start');
    const requestId = await adminAdd(s.t, fx, policyId, target.id);
    const [, jobId] = await holder.waitFor(/"msg":"holding job","jobId":"([^"]+)"/, 'the holding worker to be in the middle of the fulfil job');
    const row = () => s.t.store.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    const first = await row();
    assert.match(first.leaseOwner ?? '', new RegExp(`:${holder.pid}:`), 'the holder owns the job');
    assert.equal(first.attempts, 1);
    // the stored lease is the configured one: it ends at most LEASE_MS after the claim (which was before now)
    assert.ok(Date.parse(first.leaseExpiresAt!) <= Date.now() + LEASE_MS, `lease ends ${first.leaseExpiresAt}, more than ${LEASE_MS} ms from now`);

    // a second, ordinary worker polls all along; the holder's handler runs several leases long, and the
    // holder renews its lease meanwhile, so the job is not taken over while its owner is alive
    const taker = worker('src/cli/main.ts');
    await taker.waitFor(/"msg":"worker started"/, 'the second worker to start');
    const renewedUntil = Date.parse(first.leaseExpiresAt!) + 3 * LEASE_MS;
    await until(async () => Date.parse((await row()).leaseExpiresAt ?? '') > renewedUntil, 'the holder to renew its lease past three lease times', 60_000, 50);
    const kept = await row();
    assert.equal(kept.leaseOwner, first.leaseOwner, 'still held by its live owner');
    assert.equal(kept.attempts, 1, 'nobody else claimed it');
    assert.equal(kept.doneAt, null);
    const assignmentOf = () => s.t.store.db.selectFrom('assignments').select(['id', 'state']).where('requestId', '=', requestId).executeTakeFirstOrThrow();
    assert.notEqual((await assignmentOf()).state, 'delivered', 'the held job has not been run by anyone else');

    await killHard(holder);
    // the holder's lease runs out within LEASE_MS; the second worker takes the job over and delivers
    await until(async () => (await row()).doneAt !== null, 'the second worker to take the job over and finish it', 60_000);
    const done = await row();
    assert.equal(done.attempts, 2, 'claimed once by the holder, once by the second worker');
    assert.equal(done.lastError, null);
    const assignment = await assignmentOf();
    assert.equal(assignment.state, 'delivered');
    const grants = await s.t.store.db.selectFrom('grants').select('state').where('assignmentId', '=', assignment.id).execute();
    assert.deepEqual(grants.map((g) => g.state), ['delivered']);
    const members = await s.t.store.db.selectFrom('groupMembers').select('memberId').where('groupId', '=', fx.groupId).execute();
    assert.deepEqual(members.map((m) => m.memberId), [target.id]);
  });
});

describe('job replay', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  /** Everything a fulfil or revoke job may touch, for one package. */
  async function snapshot(fx: PackageFixture) {
    const db = t.store.db;
    const assignments = await db.selectFrom('assignments').selectAll().where('accessPackageId', '=', fx.packageId).orderBy('id').execute();
    const ids = assignments.map((a) => a.id);
    return {
      assignments,
      requests: await db.selectFrom('assignmentRequests').selectAll().where('accessPackageId', '=', fx.packageId).orderBy('id').execute(),
      grants: ids.length ? await db.selectFrom('grants').selectAll().where('assignmentId', 'in', ids).orderBy('id').execute() : [],
      members: await db.selectFrom('groupMembers').selectAll().where('groupId', '=', fx.groupId).orderBy('memberId').execute(),
      held: [...t.connector.held].sort(),
      connectorCalls: t.connector.calls.length,
      audit: (await db.selectFrom('auditEvents').select('id').execute()).length,
      outbox: (await db.selectFrom('outboxEmails').select('id').execute()).length,
      jobs: await db.selectFrom('jobs').select(['id', 'kind', 'payload', 'runAt', 'dedupeKey']).orderBy('id').execute(),
    };
  }

  async function jobFor(kind: string, assignmentId: string): Promise<Job> {
    const jobs = await t.store.db.selectFrom('jobs').selectAll().where('kind', '=', kind).where('doneAt', 'is', null).execute();
    const job = jobs.find((j) => (JSON.parse(j.payload) as { assignmentId?: string }).assignmentId === assignmentId);
    assert.ok(job, `a ${kind} job for ${assignmentId}`);
    return job;
  }

  it('a fulfil job run twice by hand, then by the worker, changes nothing after the first run; so does a revoke job', async () => {
    const fx = await makePackage(t, 'Replay', { testResources: ['replay-system'] });
    const policyId = await makePolicy(t, fx.packageId, { scope: 'notSpecified' });
    const target = await t.user();
    const requestId = await adminAdd(t, fx, policyId, target.id);
    const assignment = await t.store.db.selectFrom('assignments').selectAll().where('requestId', '=', requestId).executeTakeFirstOrThrow();
    const handlers = t.app.services.workerTasks.handlers;

    const fulfil = await jobFor('fulfil', assignment.id);
    await handlers[fulfil.kind](fulfil);
    const first = await snapshot(fx);
    assert.equal(first.assignments[0].state, 'delivered', 'the first run delivers');
    assert.deepEqual(first.grants.map((g) => g.state), ['delivered', 'delivered']);
    assert.deepEqual(first.members.map((m) => m.memberId), [target.id]);
    assert.deepEqual(first.held, [`${target.id}|Reader_replay-system`]);

    await handlers[fulfil.kind](fulfil);
    assert.deepEqual(await snapshot(fx), first, 'the replay changes nothing and calls no connector');
    await t.drain(); // the worker runs the same job once more (it is still queued), then completes it
    const drained = await snapshot(fx);
    assert.deepEqual({ ...drained, jobs: undefined }, { ...first, jobs: undefined });
    assert.deepEqual(drained.jobs, first.jobs, 'no job was added');

    // the same for revocation: an adminRemove queues a revoke job
    const rm = await t.admin.post(`${EM}/assignmentRequests`, { requestType: 'adminRemove', assignment: { id: assignment.id } });
    assert.equal(rm.status, 201, rm.text);
    const revoke = await jobFor('revoke', assignment.id);
    await handlers[revoke.kind](revoke);
    const removed = await snapshot(fx);
    assert.equal(removed.assignments[0].state, 'expired');
    assert.deepEqual(removed.grants.map((g) => g.state), ['revoked', 'revoked']);
    assert.deepEqual(removed.members, []);
    assert.deepEqual(removed.held, []);
    assert.deepEqual(removed.requests.filter((r) => r.requestType === 'adminRemove').map((r) => r.state), ['delivered']);

    await handlers[revoke.kind](revoke);
    assert.deepEqual(await snapshot(fx), removed, 'the replayed revocation changes nothing');
    await handlers[fulfil.kind](fulfil);
    assert.deepEqual(await snapshot(fx), removed, 'a late replay of the old fulfil job does not bring the access back');
    await t.drain();
    assert.deepEqual(await snapshot(fx), removed);
  });
});
