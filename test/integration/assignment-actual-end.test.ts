import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY, HOUR, adminAdd, directPolicy, getAssignment, getRequest, makePackage, submit } from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// An assignment that ends early (removed by an administrator, given up by its holder) reports when access
// actually ended: its schedule's end is the moment it ended, the same as expiredDateTime, not the end it
// was planned to have. One that runs its course keeps its planned end.

describe('ended assignments: the schedule shows the actual end', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  async function delivered(expiration: unknown, selfRemove = false) {
    const fx = await makePackage(t);
    const policyId = await directPolicy(t, fx.packageId, { expiration, selfRemove, extend: false });
    const u = await t.user();
    const r = await adminAdd(t, fx.packageId, policyId, { targetId: u.id });
    assert.equal(r.status, 201, r.text);
    await t.drain();
    const req = await getRequest(t, r.body.id, '?$expand=assignment');
    return { u, assignmentId: req.assignment.id as string };
  }

  it('removed by an administrator on day 2 of 10: the schedule ends on day 2, as expiredDateTime says', async () => {
    const { assignmentId } = await delivered({ type: 'afterDuration', duration: 'P10D' });
    const planned = (await getAssignment(t, assignmentId)).schedule.expiration.endDateTime as string;
    t.clock.advance(2 * DAY);
    const removedAt = t.clock.now().toISOString();
    const rm = await submit(t.admin, { requestType: 'adminRemove', assignment: { id: assignmentId } });
    assert.equal(rm.status, 201, rm.text);
    await t.drain();
    const a = await getAssignment(t, assignmentId);
    assert.equal(a.state, 'expired');
    assert.equal(a.expiredDateTime, removedAt);
    assert.equal(a.schedule.expiration.type, 'afterDateTime');
    assert.equal(a.schedule.expiration.endDateTime, removedAt, `the schedule ends when access ended, not on the planned ${planned}`);
    // $filter on the end sees the same value
    const byEnd = await t.admin.get(`/v1.0/identityGovernance/entitlementManagement/assignments?$filter=schedule/expiration/endDateTime le ${removedAt}&$select=id`);
    assert.equal(byEnd.status, 200, byEnd.text);
    assert.ok(byEnd.body.value.some((x: { id: string }) => x.id === assignmentId), 'filtering by the end finds the ended assignment');
  });

  it('access that never expired, given up by its holder: the schedule now has an end, the moment it ended', async () => {
    const { u, assignmentId } = await delivered({ type: 'noExpiration' }, true);
    t.clock.advance(5 * HOUR);
    const endedAt = t.clock.now().toISOString();
    const rm = await submit(u.client, { requestType: 'userRemove', assignment: { id: assignmentId } });
    assert.equal(rm.status, 201, rm.text);
    const a = await getAssignment(t, assignmentId);
    assert.deepEqual(a.schedule.expiration, { type: 'afterDateTime', endDateTime: endedAt, duration: null });
    assert.equal(a.expiredDateTime, endedAt);
  });

  it('access that ran its course keeps its planned end (expiredDateTime is when the worker noticed)', async () => {
    const { assignmentId } = await delivered({ type: 'afterDuration', duration: 'PT8H' });
    const planned = (await getAssignment(t, assignmentId)).schedule.expiration.endDateTime as string;
    t.clock.advance(9 * HOUR);
    await t.drain();
    const a = await getAssignment(t, assignmentId);
    assert.equal(a.state, 'expired');
    assert.equal(a.schedule.expiration.endDateTime, planned);
  });
});
