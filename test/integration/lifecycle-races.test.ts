import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiClient, ApiResponse } from '../support/client.js';
import { ApiClient as Client, EM } from '../support/client.js';
import { DAY, groupMemberIds, makePackage, makePolicy, stage, type PackageFixture } from '../support/lifecycle.js';
import { processSuite } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Races of the lifecycle engine: two people (or a person and the worker, or two server processes)
// acting on the same thing at the same moment. Each race is run several times and must have exactly
// one outcome every time — the loser gets 409, and the rows show the winner's outcome once.

const ROUNDS = 10;

const APPROVALS = `${EM}/accessPackageAssignmentApprovals`;

type User = { id: string; client: ApiClient };

async function submitUserAdd(who: User, fx: PackageFixture, policyId: string, headers?: Record<string, string>): Promise<ApiResponse> {
  return who.client.post(`${EM}/assignmentRequests`, { requestType: 'userAdd', justification: 'race', assignment: { accessPackageId: fx.packageId, assignmentPolicyId: policyId } }, headers);
}

/** A userAdd request waiting for its first stage; returns the request and stage ids. */
async function pendingRequest(t: TestServer, fx: PackageFixture, policyId: string, approver: User): Promise<{ requestor: User; requestId: string; stageId: string }> {
  const requestor = await t.user();
  const r = await submitUserAdd(requestor, fx, policyId);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.state, 'pendingApproval');
  const stages = await approver.client.get(`${APPROVALS}/${r.body.id}/stages`);
  assert.equal(stages.status, 200, stages.text);
  const open = stages.body.value.filter((s: { status: string }) => s.status === 'InProgress');
  assert.equal(open.length, 1, stages.text);
  return { requestor, requestId: r.body.id, stageId: open[0].id };
}

const decide = (who: User | ApiClient, requestId: string, stageId: string, reviewResult: 'Approve' | 'Deny') =>
  ('client' in who ? who.client : who).patch(`${APPROVALS}/${requestId}/stages/${stageId}`, { reviewResult, justification: `${reviewResult} in a race` });

async function rowsOfRequest(t: TestServer, requestId: string) {
  const db = t.store.db;
  return {
    request: await db.selectFrom('assignmentRequests').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow(),
    decisions: await db.selectFrom('approvalDecisions').selectAll().where('requestId', '=', requestId).execute(),
    stages: await db.selectFrom('approvalStages').selectAll().where('requestId', '=', requestId).orderBy('stageIndex').execute(),
    assignments: await db.selectFrom('assignments').selectAll().where('requestId', '=', requestId).execute(),
    audits: await db.selectFrom('auditEvents').select('activity').where('targetId', '=', requestId)
      .where('activity', 'in', ['Approve access package assignment request', 'Deny access package assignment request']).execute(),
  };
}

/**
 * Checks one single-approver stage race: exactly one 204 and one 409, one decision row by the winner,
 * and the request moved once, the way the winner decided.
 */
async function assertOneDecision(t: TestServer, requestId: string, racers: { id: string; decision: 'Approve' | 'Deny'; res: ApiResponse }[]): Promise<'Approve' | 'Deny'> {
  const statuses = racers.map((r) => r.res.status).sort();
  assert.deepEqual(statuses, [204, 409], racers.map((r) => `${r.res.status} ${r.res.text}`).join(' | '));
  const loser = racers.find((r) => r.res.status === 409)!;
  assert.equal(loser.res.body.error.code, 'ApprovalStageAlreadyDecided', loser.res.text);
  const winner = racers.find((r) => r.res.status === 204)!;
  const rows = await rowsOfRequest(t, requestId);
  assert.equal(rows.decisions.length, 1, 'exactly one decision is stored');
  assert.equal(rows.decisions[0].approverId, winner.id);
  assert.equal(rows.decisions[0].reviewResult, winner.decision);
  assert.equal(rows.audits.length, 1, 'exactly one decision is audited');
  assert.equal(rows.stages[0].status, 'Completed');
  assert.equal(rows.stages[0].reviewedById, winner.id);
  assert.equal(rows.stages[0].reviewResult, winner.decision === 'Approve' ? 'Approved' : 'Denied');
  if (winner.decision === 'Approve') {
    assert.equal(rows.request.state, 'delivering', 'approved once: the assignment is being delivered');
    assert.equal(rows.assignments.length, 1, 'one assignment');
    assert.equal(rows.request.assignmentId, rows.assignments[0].id);
  } else {
    assert.equal(rows.request.state, 'denied');
    assert.equal(rows.assignments.length, 0, 'a denied request has no assignment');
  }
  return winner.decision;
}

describe('lifecycle races: approvals and submissions', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  it(`two approvers deciding the same stage at once: one 204, one 409, one decision (${ROUNDS} rounds)`, async (ctx) => {
    const a1 = await t.user({ displayName: 'Approver One' });
    const a2 = await t.user({ displayName: 'Approver Two' });
    const fx = await makePackage(t, 'Race approvals');
    const policyId = await makePolicy(t, fx.packageId, { stages: [stage([a1.id, a2.id])] });
    const outcomes = { Approve: 0, Deny: 0 };
    for (let i = 0; i < ROUNDS; i++) {
      const { requestId, stageId } = await pendingRequest(t, fx, policyId, a1);
      // mixed decisions in alternate rounds, so that whichever wins, the request's state shows who won
      const d1: 'Approve' | 'Deny' = 'Approve';
      const d2: 'Approve' | 'Deny' = i % 2 === 0 ? 'Deny' : 'Approve';
      // alternate who sends first, so that both approvers get to win some rounds
      const [r1, r2] = i % 4 < 2
        ? await Promise.all([decide(a1, requestId, stageId, d1), decide(a2, requestId, stageId, d2)])
        : (await Promise.all([decide(a2, requestId, stageId, d2), decide(a1, requestId, stageId, d1)])).reverse();
      const won = await assertOneDecision(t, requestId, [{ id: a1.id, decision: d1, res: r1 }, { id: a2.id, decision: d2, res: r2 }]);
      outcomes[won]++;
    }
    ctx.diagnostic(`winners: ${JSON.stringify(outcomes)}`);
    // the approved requests are delivered exactly once each
    await t.drain();
    const approved = await t.store.db.selectFrom('assignments').select(['targetId', 'state']).where('accessPackageId', '=', fx.packageId).execute();
    assert.equal(approved.length, outcomes.Approve);
    assert.ok(approved.every((a) => a.state === 'delivered'), JSON.stringify(approved));
    assert.deepEqual(await groupMemberIds(t, fx.groupId), approved.map((a) => a.targetId).sort());
  });

  it(`a quorum stage (approvalsRequired 2) with both approvers approving at once: both counted, approved once (${ROUNDS} rounds)`, async () => {
    const a1 = await t.user();
    const a2 = await t.user();
    const fx = await makePackage(t, 'Race quorum');
    const policyId = await makePolicy(t, fx.packageId, { stages: [stage([a1.id, a2.id], { approvalsRequired: 2 })] });
    for (let i = 0; i < ROUNDS; i++) {
      const { requestId, stageId } = await pendingRequest(t, fx, policyId, a1);
      const [r1, r2] = await Promise.all([decide(a1, requestId, stageId, 'Approve'), decide(a2, requestId, stageId, 'Approve')]);
      assert.equal(r1.status, 204, r1.text);
      assert.equal(r2.status, 204, r2.text);
      const rows = await rowsOfRequest(t, requestId);
      assert.deepEqual(rows.decisions.map((d) => d.approverId).sort(), [a1.id, a2.id].sort(), 'both approvals are counted');
      assert.equal(rows.audits.length, 2);
      assert.equal(rows.stages[0].status, 'Completed');
      assert.equal(rows.stages[0].reviewResult, 'Approved');
      assert.equal(rows.request.state, 'delivering');
      assert.equal(rows.assignments.length, 1, 'approved exactly once: one assignment');
      const grants = await t.store.db.selectFrom('grants').select('id').where('assignmentId', '=', rows.assignments[0].id).execute();
      assert.equal(grants.length, 1, 'one grant per resource role, created once');
      const third = await decide(a1, requestId, stageId, 'Deny');
      assert.equal(third.status, 409, 'the stage is decided');
    }
    await t.drain();
    const delivered = await t.store.db.selectFrom('assignments').select('state').where('accessPackageId', '=', fx.packageId).execute();
    assert.deepEqual(delivered.map((a) => a.state), Array(ROUNDS).fill('delivered'));
  });

  it(`the same request submitted twice at once: one 201, one 409, one request (${ROUNDS} rounds)`, async () => {
    const approver = await t.user();
    const fxDirect = await makePackage(t, 'Race submit direct');
    const direct = await makePolicy(t, fxDirect.packageId, {});
    const fxApproval = await makePackage(t, 'Race submit approval');
    const withApproval = await makePolicy(t, fxApproval.packageId, { stages: [stage([approver.id])] });
    for (let i = 0; i < ROUNDS; i++) {
      // without approval the first submission goes straight to delivery; with approval it waits: both must refuse the twin
      const [fx, policyId] = i % 2 === 0 ? [fxDirect, direct] : [fxApproval, withApproval];
      const requestor = await t.user();
      const [r1, r2] = await Promise.all([submitUserAdd(requestor, fx, policyId), submitUserAdd(requestor, fx, policyId)]);
      assert.deepEqual([r1.status, r2.status].sort(), [201, 409], `${r1.status} ${r1.text} | ${r2.status} ${r2.text}`);
      const loser = r1.status === 409 ? r1 : r2;
      assert.match(loser.body.error.code, /^(ExistingOpenRequest|ExistingAssignment)$/, loser.text);
      const rows = await t.store.db.selectFrom('assignmentRequests').select(['id', 'state']).where('targetId', '=', requestor.id).where('accessPackageId', '=', fx.packageId).execute();
      assert.equal(rows.length, 1, `one request row, got ${JSON.stringify(rows)}`);
      assert.equal(rows[0].id, (r1.status === 201 ? r1 : r2).body.id);
      const assignments = await t.store.db.selectFrom('assignments').select('id').where('targetId', '=', requestor.id).where('accessPackageId', '=', fx.packageId).execute();
      assert.equal(assignments.length, i % 2 === 0 ? 1 : 0);
    }
  });

  it(`the same request submitted twice at once with one Idempotency-Key: both answers name the same request, one row (${ROUNDS} rounds)`, async () => {
    const fx = await makePackage(t, 'Race idempotency');
    const policyId = await makePolicy(t, fx.packageId, {});
    for (let i = 0; i < ROUNDS; i++) {
      const requestor = await t.user();
      const key = `race-${i}-${requestor.id}`;
      const [r1, r2] = await Promise.all([submitUserAdd(requestor, fx, policyId, { 'idempotency-key': key }), submitUserAdd(requestor, fx, policyId, { 'idempotency-key': key })]);
      assert.ok([200, 201].includes(r1.status), `${r1.status} ${r1.text}`);
      assert.ok([200, 201].includes(r2.status), `${r2.status} ${r2.text}`);
      assert.equal(r1.body.id, r2.body.id, 'a replay returns the request the key made');
      const rows = await t.store.db.selectFrom('assignmentRequests').select(['id', 'idempotencyKey']).where('targetId', '=', requestor.id).execute();
      assert.deepEqual(rows, [{ id: r1.body.id, idempotencyKey: key }]);
    }
  });
});

describe('lifecycle races: expiry and extension', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  /** A delivered, extendable assignment whose end has just passed (the worker has not expired it yet). */
  async function dueAssignment(name: string) {
    const fx = await makePackage(t, name);
    await makePolicy(t, fx.packageId, { extend: true, expiration: { type: 'afterDuration', duration: 'P7D' } });
    const holder = await t.user();
    const sub = await holder.client.post(`${EM}/assignmentRequests`, { requestType: 'userAdd', assignment: { accessPackageId: fx.packageId } });
    assert.equal(sub.status, 201, sub.text);
    await t.drain();
    const a = await t.store.db.selectFrom('assignments').selectAll().where('requestId', '=', sub.body.id).executeTakeFirstOrThrow();
    assert.equal(a.state, 'delivered');
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [holder.id]);
    t.clock.advance(7 * DAY + 1000);
    const extend = () => holder.client.post(`${EM}/assignmentRequests`, { requestType: 'userUpdate', justification: 'still needed', assignment: { id: a.id } });
    return { fx, holder, assignmentId: a.id, extend };
  }

  /** Exactly one of: extended (end moved, still delivered, no systemRemove) or expired (extension refused, nothing of it stored). */
  async function assertOneOutcome(x: Awaited<ReturnType<typeof dueAssignment>>, ext: ApiResponse): Promise<'extended' | 'expired'> {
    await t.drain(); // let whatever the winner queued (a revocation) finish
    const db = t.store.db;
    const a = await db.selectFrom('assignments').selectAll().where('id', '=', x.assignmentId).executeTakeFirstOrThrow();
    const updates = await db.selectFrom('assignmentRequests').selectAll().where('assignmentId', '=', x.assignmentId).where('requestType', '=', 'userUpdate').execute();
    const removals = await db.selectFrom('assignmentRequests').selectAll().where('assignmentId', '=', x.assignmentId).where('requestType', '=', 'systemRemove').execute();
    const members = await groupMemberIds(t, x.fx.groupId);
    if (ext.status === 201) {
      assert.equal(a.state, 'delivered', 'extended: still delivered');
      assert.ok(a.endAt && a.endAt > t.clock.now().toISOString(), `extended: the end moved past now (${a.endAt})`);
      assert.equal(a.expiredAt, null);
      assert.deepEqual(updates.map((u) => [u.id, u.state]), [[ext.body.id, 'delivered']]);
      assert.equal(removals.length, 0, 'extended: no systemRemove');
      assert.deepEqual(members, [x.holder.id], 'extended: still in the group');
      return 'extended';
    }
    assert.equal(ext.status, 409, ext.text);
    assert.equal(ext.body.error.code, 'AssignmentNotActive', ext.text);
    assert.equal(a.state, 'expired');
    assert.ok(a.expiredAt, 'expected: a.expiredAt');
    assert.equal(updates.length, 0, 'expired: the refused extension stored nothing');
    assert.deepEqual(removals.map((r) => r.state), ['delivered'], 'expired: one systemRemove, done');
    assert.deepEqual(members, [], 'expired: out of the group');
    return 'expired';
  }

  it('extension first, then the worker: extended, and the worker leaves it alone', async () => {
    const x = await dueAssignment('Extend then expire');
    const ext = await x.extend();
    assert.equal(ext.status, 201, ext.text);
    await t.drain();
    assert.equal(await assertOneOutcome(x, ext), 'extended');
  });

  it('the worker first, then the extension: expired, and the extension gets 409', async () => {
    const x = await dueAssignment('Expire then extend');
    await t.drain();
    const ext = await x.extend();
    assert.equal(await assertOneOutcome(x, ext), 'expired');
  });

  it(`both at once: exactly one outcome (${ROUNDS} rounds)`, async (ctx) => {
    const outcomes = { extended: 0, expired: 0 };
    for (let i = 0; i < ROUNDS; i++) {
      const x = await dueAssignment(`Race expiry ${i}`);
      // the extension goes out first and the worker starts a little later each round (0, 1, 2 … ms): the
      // two meet at different points of each other's work; whoever wins, there must be one outcome
      const [ext] = await Promise.all([x.extend(), new Promise((r) => setTimeout(r, i)).then(() => t.drain())]);
      outcomes[await assertOneOutcome(x, ext)]++;
    }
    ctx.diagnostic(`outcomes: ${JSON.stringify(outcomes)}`);
  });
});

describe('lifecycle races: two server processes on one database', () => {
  const s = processSuite();
  let secondUrl = '';
  before(async () => {
    // a second, separate `latchkey serve` process on the same database, without a worker: the
    // decisions race across processes, where no in-process serialisation can help
    secondUrl = (await s.serve(s.url)).url;
  });

  it(`approvers deciding the same stage through different processes: one decision (${ROUNDS} rounds)`, async () => {
    const a1 = await s.t.user();
    const a2 = await s.t.user();
    const a2OnSecond = new Client(secondUrl, a2.client.token);
    const fx = await makePackage(s.t, 'Race two processes');
    const policyId = await makePolicy(s.t, fx.packageId, { stages: [stage([a1.id, a2.id])] });
    for (let i = 0; i < ROUNDS; i++) {
      const { requestId, stageId } = await pendingRequest(s.t, fx, policyId, a1);
      const d2: 'Approve' | 'Deny' = i % 2 === 0 ? 'Deny' : 'Approve';
      const [r1, r2] = await Promise.all([decide(a1, requestId, stageId, 'Approve'), decide(a2OnSecond, requestId, stageId, d2)]);
      await assertOneDecision(s.t, requestId, [{ id: a1.id, decision: 'Approve', res: r1 }, { id: a2.id, decision: d2, res: r2 }]);
    }
  });
});
