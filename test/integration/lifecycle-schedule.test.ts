import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EM } from '../support/client.js';
import {
  DAY, HOUR, adminAdd, decide, directPolicy, getAssignment, getRequest, groupMemberIds, makePackage, makePolicy, outbox, stage, submit, userAdd,
} from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// When access starts and ends: custom schedules, scheduled starts, expiry, extension, reminders.

const endOf = (a: { schedule: { expiration: { endDateTime: string | null } } }) => a.schedule.expiration.endDateTime;
const ms = (iso: string | null) => new Date(iso ?? NaN).getTime();

describe('lifecycle: schedules, expiry and extension', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  /** A delivered userAdd; returns the request and assignment. */
  async function delivered(who: { client: TestServer['admin'] }, packageId: string, policyId: string, extra: Record<string, unknown> = {}) {
    const r = await userAdd(who.client, packageId, policyId, extra);
    assert.equal(r.status, 201, r.text);
    await t.drain();
    const req = await getRequest(t, r.body.id, '?$expand=assignment');
    assert.equal(req.state, 'delivered');
    return { requestId: r.body.id as string, assignment: req.assignment };
  }

  it('custom schedules: refused unless the policy allows them, bounded by the policy when allowed', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Custom schedule');
    const fixed = await makePolicy(t, fx.packageId, { expiration: { type: 'afterDuration', duration: 'P30D' } });
    const refused = await userAdd(u.client, fx.packageId, fixed, { schedule: { expiration: { type: 'afterDuration', duration: 'P10D' } } });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.error.target, 'schedule');

    const fx2 = await makePackage(t, 'Custom schedule allowed');
    const custom = await makePolicy(t, fx2.packageId, { customSchedule: true, expiration: { type: 'afterDuration', duration: 'P30D' } });
    for (const [schedule, target] of [
      [{ expiration: { type: 'afterDuration', duration: 'P31D' } }, 'schedule.expiration'],
      [{ expiration: { type: 'afterDateTime', endDateTime: new Date(t.clock.now().getTime() + 40 * DAY).toISOString() } }, 'schedule.expiration'],
      [{ expiration: { type: 'noExpiration' } }, 'schedule.expiration'],
      [{ expiration: { type: 'afterDuration', duration: 'ten days' } }, 'schedule.expiration.duration'],
      [{ startDateTime: 'tomorrow' }, 'schedule.startDateTime'],
    ] as const) {
      const r = await userAdd(u.client, fx2.packageId, custom, { schedule });
      assert.equal(r.status, 400, `${JSON.stringify(schedule)}: ${r.text}`);
      assert.equal(r.body.error.target, target, JSON.stringify(schedule));
    }
    const { assignment } = await delivered(u, fx2.packageId, custom, { schedule: { expiration: { type: 'afterDuration', duration: 'P10D' } } });
    assert.equal(ms(endOf(assignment)) - ms(assignment.schedule.startDateTime), 10 * DAY);
  });

  it('scheduled start: a future startDateTime waits as scheduled/PendingNotBefore, then starts when the clock passes it', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Scheduled start');
    const policyId = await directPolicy(t, fx.packageId);
    const start = new Date(t.clock.now().getTime() + 2 * DAY).toISOString();
    const r = await adminAdd(t, fx.packageId, policyId, { targetId: u.id }, { schedule: { startDateTime: start } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.state, 'scheduled');
    assert.equal(r.body.status, 'PendingNotBefore');
    await t.drain();
    assert.equal((await getRequest(t, r.body.id)).state, 'scheduled');
    assert.deepEqual(await groupMemberIds(t, fx.groupId), []);
    assert.equal((await t.admin.get(`${EM}/assignments?$filter=accessPackage/id eq '${fx.packageId}'`)).body.value.length, 0);

    t.clock.advance(2 * DAY - HOUR);
    await t.drain();
    assert.equal((await getRequest(t, r.body.id)).state, 'scheduled');
    t.clock.advance(HOUR + 1000);
    await t.drain();
    const req = await getRequest(t, r.body.id, '?$expand=assignment');
    assert.equal(req.state, 'delivered');
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [u.id]);
    assert.equal(req.assignment.schedule.startDateTime, start);
    assert.equal(ms(endOf(req.assignment)) - ms(start), 7 * DAY, 'the policy duration counts from the start');
  });

  it('an administrator cannot override the policy limit: a direct assignment ending later than the policy allows from its start is refused, naming schedule.expiration', async () => {
    // the portal's hint says so and its form checks the same (src/web/admin/packages/direct-schedule.ts)
    const u = await t.user();
    const fx = await makePackage(t, 'Admin limit');
    const policyId = await directPolicy(t, fx.packageId); // P7D
    const start = new Date(t.clock.now().getTime() + 2 * DAY);
    const at = (offset: number) => ({ schedule: { startDateTime: start.toISOString(), expiration: { type: 'afterDateTime', endDateTime: new Date(start.getTime() + offset).toISOString() } } });
    const over = await adminAdd(t, fx.packageId, policyId, { targetId: u.id }, at(7 * DAY + HOUR));
    assert.equal(over.status, 400, over.text);
    assert.equal(over.body.error.target, 'schedule.expiration');
    const within = await adminAdd(t, fx.packageId, policyId, { targetId: u.id }, at(7 * DAY));
    assert.equal(within.status, 201, within.text);
    assert.equal(within.body.state, 'scheduled');
  });

  it('a scheduled request can be canceled before it starts and then never starts', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Scheduled cancel');
    const policyId = await directPolicy(t, fx.packageId);
    const r = await adminAdd(t, fx.packageId, policyId, { targetId: u.id }, { schedule: { startDateTime: new Date(t.clock.now().getTime() + DAY).toISOString() } });
    const c = await t.admin.post(`${EM}/assignmentRequests/${r.body.id}/cancel`);
    assert.equal(c.status, 200, c.text);
    assert.equal(c.body.state, 'canceled');
    t.clock.advance(2 * DAY);
    await t.drain();
    assert.equal((await getRequest(t, r.body.id)).state, 'canceled');
    assert.deepEqual(await groupMemberIds(t, fx.groupId), []);
  });

  it('expiry: grants revoked in every system, assignment expired, a delivered systemRemove request, the holder told', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Expiring', { testResources: ['exp-sys'] });
    const policyId = await makePolicy(t, fx.packageId, { expiration: { type: 'afterDuration', duration: 'PT8H' } });
    const { assignment } = await delivered(u, fx.packageId, policyId);
    assert.ok(t.connector.held.has(`${u.id}|Reader_exp-sys`), 'expected: t.connector.held.has(`${u.id}|Reader_exp-sys`)');
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [u.id]);
    t.clock.advance(8 * HOUR - 1000);
    await t.drain();
    assert.equal((await getAssignment(t, assignment.id)).state, 'delivered');
    t.clock.advance(2000);
    await t.drain();
    const a = await getAssignment(t, assignment.id);
    assert.equal(a.state, 'expired');
    assert.equal(a.status, 'Expired');
    assert.deepEqual(await groupMemberIds(t, fx.groupId), []);
    assert.ok(!t.connector.held.has(`${u.id}|Reader_exp-sys`), 'expected: !t.connector.held.has(`${u.id}|Reader_exp-sys`)');
    const grants = await t.store.db.selectFrom('grants').select('state').where('assignmentId', '=', assignment.id).execute();
    assert.deepEqual(grants.map((g) => g.state), ['revoked', 'revoked']);
    const sys = (await t.admin.get(`${EM}/assignmentRequests?$filter=requestType eq 'systemRemove' and assignment/id eq '${assignment.id}'`)).body.value;
    assert.deepEqual(sys.map((r: { state: string }) => r.state), ['delivered']);
    assert.deepEqual((await outbox(t, { to: u.upn })).map((m) => m.template).sort(), ['accessDelivered', 'accessEnded']);
  });

  it('extension without approval: userUpdate moves the end date, bounded by the policy from now; only the holder may', async () => {
    const u = await t.user();
    const other = await t.user();
    const fx = await makePackage(t, 'Extend freely');
    const policyId = await makePolicy(t, fx.packageId, { extend: true, customSchedule: true, expiration: { type: 'afterDuration', duration: 'P7D' } });
    const { assignment } = await delivered(u, fx.packageId, policyId);
    // the window of a 7-day access: its last half (src/domain/extension.ts)
    t.clock.advance(4 * DAY);
    const update = (client: TestServer['admin'], extra: Record<string, unknown> = {}) => submit(client, { requestType: 'userUpdate', assignment: { id: assignment.id }, ...extra });

    assert.equal((await update(other.client)).status, 403);
    const tooLong = await update(u.client, { schedule: { expiration: { type: 'afterDuration', duration: 'P8D' } } });
    assert.equal(tooLong.status, 400, tooLong.text);
    assert.equal(tooLong.body.error.target, 'schedule.expiration');
    assert.equal(endOf(await getAssignment(t, assignment.id)), endOf(assignment), 'refusals change nothing');

    // an end earlier than the current one is no extension
    const earlier = await update(u.client, { schedule: { expiration: { type: 'afterDuration', duration: 'P2D' } } });
    assert.equal(earlier.status, 400, earlier.text);
    assert.equal(earlier.body.error.target, 'schedule.expiration');

    // shorter than the policy allows, but later than now
    const r = await update(u.client, { requestType: 'UserExtend', schedule: { expiration: { type: 'afterDuration', duration: 'P5D' } } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.requestType, 'userUpdate');
    assert.equal(r.body.state, 'delivered');
    const a = await getAssignment(t, assignment.id);
    assert.equal(ms(endOf(a)), t.clock.now().getTime() + 5 * DAY);
    assert.equal(a.schedule.startDateTime, assignment.schedule.startDateTime, 'the start stays');

    // right after an extension the window is closed again
    const again = await update(u.client);
    assert.equal(again.status, 400, again.text);
    assert.equal(again.body.error.code, 'ExtensionWindowNotOpen');

    // the old end passes without expiring the assignment; the new one expires it
    t.clock.advance(5 * DAY - HOUR);
    await t.drain();
    assert.equal((await getAssignment(t, assignment.id)).state, 'delivered');
    t.clock.advance(2 * HOUR);
    await t.drain();
    assert.equal((await getAssignment(t, assignment.id)).state, 'expired');
    const late = await update(u.client);
    assert.equal(late.status, 409, late.text);
  });

  it('extension with approval: pending until approved, then the end moves', async () => {
    const u = await t.user();
    const approver = await t.user();
    const fx = await makePackage(t, 'Extend with approval');
    const policyId = await makePolicy(t, fx.packageId, {
      extend: true,
      extra: { requestApprovalSettings: { isApprovalRequiredForAdd: false, isApprovalRequiredForUpdate: true, isRequestorJustificationRequired: false, stages: [stage([approver.id])] } },
    });
    const { assignment } = await delivered(u, fx.packageId, policyId);
    t.clock.advance(5 * DAY);
    const r = await submit(u.client, { requestType: 'userUpdate', assignment: { id: assignment.id }, justification: 'still needed' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.state, 'pendingApproval');
    assert.equal(endOf(await getAssignment(t, assignment.id)), endOf(assignment));
    const dup = await submit(u.client, { requestType: 'userUpdate', assignment: { id: assignment.id } });
    assert.equal(dup.status, 409, 'one pending extension at a time');
    t.clock.advance(HOUR);
    assert.equal((await decide(t, approver.client, r.body.id, 'Approve')).status, 204);
    const req = await getRequest(t, r.body.id);
    assert.equal(req.state, 'delivered');
    const a = await getAssignment(t, assignment.id);
    assert.equal(a.state, 'delivered');
    assert.ok(ms(endOf(a)) > ms(endOf(assignment)), 'expected: ms(endOf(a)) > ms(endOf(assignment))');
    assert.equal(ms(endOf(a)), ms(req.schedule.expiration.endDateTime));
  });

  /** An admin-only policy that lets its assignees extend themselves (an improvement on the reference). */
  async function adminOnlyExtendable(packageId: string, expiration: unknown): Promise<string> {
    const policyId = await directPolicy(t, packageId, { expiration });
    const viaApi = await t.admin.patch(`${EM}/assignmentPolicies/${policyId}`, { requestorSettings: { enableTargetsToSelfUpdateAccess: true } });
    assert.equal(viaApi.status, 200, viaApi.text);
    return policyId;
  }

  it('an admin-assigned person under a notSpecified policy that allows self-update can extend; noExpiration has nothing to extend', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Admin extend');
    const policyId = await adminOnlyExtendable(fx.packageId, { type: 'afterDuration', duration: 'P10D' });
    const r = await adminAdd(t, fx.packageId, policyId, { targetId: u.id });
    assert.equal(r.status, 201, r.text);
    await t.drain();
    const assignmentId = (await getRequest(t, r.body.id, '?$expand=assignment')).assignment.id;
    t.clock.advance(6 * DAY);
    const ext = await submit(u.client, { requestType: 'userUpdate', assignment: { id: assignmentId } });
    assert.equal(ext.status, 201, ext.text);
    assert.equal(ms(endOf(await getAssignment(t, assignmentId))), t.clock.now().getTime() + 10 * DAY);

    // without the flag the holder of an admin assignment may not extend
    const fx1 = await makePackage(t, 'Admin no extend');
    const fixed = await directPolicy(t, fx1.packageId);
    const r1 = await adminAdd(t, fx1.packageId, fixed, { targetId: u.id });
    await t.drain();
    const a1 = (await getRequest(t, r1.body.id, '?$expand=assignment')).assignment;
    assert.equal((await submit(u.client, { requestType: 'userUpdate', assignment: { id: a1.id } })).status, 403);

    const fx2 = await makePackage(t, 'Never expires');
    const forever = await adminOnlyExtendable(fx2.packageId, { type: 'noExpiration' });
    const r2 = await adminAdd(t, fx2.packageId, forever, { targetId: u.id });
    await t.drain();
    const a2 = (await getRequest(t, r2.body.id, '?$expand=assignment')).assignment;
    assert.equal(endOf(a2), null);
    const none = await submit(u.client, { requestType: 'userUpdate', assignment: { id: a2.id } });
    assert.equal(none.status, 400, none.text);
    assert.equal(none.body.error.target, 'schedule');
  });

  it('reminders go out 14 days and 1 day before expiry, exactly once each, and again after an extension', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Reminded');
    const policyId = await makePolicy(t, fx.packageId, { extend: true, expiration: { type: 'afterDuration', duration: 'P30D' } });
    await delivered(u, fx.packageId, policyId);
    const templates = async () => (await outbox(t, { to: u.upn })).map((m) => m.template).filter((x) => x.startsWith('expires'));
    t.clock.advance(16 * DAY - HOUR);
    await t.drain();
    assert.deepEqual(await templates(), []);
    t.clock.advance(2 * HOUR);
    await t.drain();
    assert.deepEqual(await templates(), ['expiresIn14Days']);
    t.clock.advance(HOUR);
    await t.drain();
    assert.deepEqual(await templates(), ['expiresIn14Days'], 'once');
    t.clock.advance(13 * DAY - 3 * HOUR); // 29 days less an hour
    await t.drain();
    assert.deepEqual(await templates(), ['expiresIn14Days']);
    t.clock.advance(2 * HOUR);
    await t.drain();
    assert.deepEqual(await templates(), ['expiresIn14Days', 'expiresIn1Day']);
    const [mail] = await outbox(t, { to: u.upn, template: 'expiresIn1Day' });
    assert.match(mail.subject, /^Extend access for Reminded/);
    t.clock.advance(HOUR);
    await t.drain();
    assert.equal((await templates()).length, 2);

    // extended for another 30 days: both reminders are due again, once each
    const a = (await t.admin.get(`${EM}/assignments?$filter=accessPackage/id eq '${fx.packageId}'`)).body.value[0];
    assert.equal((await submit(u.client, { requestType: 'userUpdate', assignment: { id: a.id } })).status, 201);
    await t.drain();
    assert.equal((await templates()).length, 2);
    t.clock.advance(16 * DAY + HOUR);
    await t.drain();
    t.clock.advance(13 * DAY);
    await t.drain();
    assert.deepEqual(await templates(), ['expiresIn14Days', 'expiresIn1Day', 'expiresIn14Days', 'expiresIn1Day']);
  });
});
