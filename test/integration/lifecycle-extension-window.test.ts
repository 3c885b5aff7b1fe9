import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EM } from '../support/client.js';
import { DAY, HOUR, decide, getAssignment, getRequest, makePackage, makePolicy, outbox, stage, submit, userAdd } from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// A person extends their own access only inside the window the policy allows (src/domain/extension.ts):
// the last 14 days, or the last half of a shorter access. On a 10-day policy, extending on day 0 used to
// be accepted and moved the end by the minutes that had passed; Extend was then offered again at once.

describe('lifecycle: the extension window', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  it('10-day policy with approval for extensions: refused on day 0, accepted on day 6 to day 16, the approver sees that date, refused again right after', async () => {
    const fx = await makePackage(t, 'Ten days');
    const approver = await t.user({ displayName: 'Ext Approver' });
    const policyId = await makePolicy(t, fx.packageId, { extend: true, extendApproval: true, stages: [stage([approver.id])], expiration: { type: 'afterDuration', duration: 'P10D' } });
    const u = await t.user({ displayName: 'Ext Holder' });
    const add = await userAdd(u.client, fx.packageId, policyId);
    assert.equal(add.status, 201, add.text);
    assert.equal((await decide(t, approver.client, add.body.id, 'Approve')).status, 204);
    await t.drain();
    const assignmentId = (await getRequest(t, add.body.id, '?$expand=assignment')).assignment.id as string;
    const firstEnd = (await getAssignment(t, assignmentId)).schedule.expiration.endDateTime as string;
    const extend = () => submit(u.client, { requestType: 'userUpdate', assignment: { id: assignmentId }, justification: 'more time' });

    const early = await extend();
    assert.equal(early.status, 400, early.text);
    assert.equal(early.body.error.code, 'ExtensionWindowNotOpen');
    const opens = new Date(Date.parse(firstEnd) - 5 * DAY).toISOString();
    assert.match(early.body.error.message, new RegExp(opens.replace(/[.]/g, '\\.')), 'the refusal says when the window opens');
    assert.equal((await t.store.db.selectFrom('assignmentRequests').select('id').where('assignmentId', '=', assignmentId).where('requestType', '=', 'userUpdate').execute()).length, 0, 'nothing stored');

    t.clock.advance(6 * DAY);
    const expected = new Date(t.clock.now().getTime() + 10 * DAY).toISOString();
    const ext = await extend();
    assert.equal(ext.status, 201, ext.text);
    assert.equal(ext.body.state, 'pendingApproval');
    assert.equal(ext.body.schedule.expiration.endDateTime, expected, 'the new end: now + the policy duration, as the dialog shows it');

    // the approver is told it is an extension, and to which date: by mail and in the request
    const mails = await outbox(t, { to: approver.upn, template: 'approvalRequired' });
    const mail = mails[mails.length - 1];
    assert.match(mail.subject, /^Action required: Approve or deny extension of Ten days/);
    assert.match(mail.body, new RegExp(`Ext Holder asks to extend their access to Ten days until ${expected.slice(0, 16).replace('T', ' ')} UTC`));
    const inbox = await approver.client.get(`${EM}/assignmentRequests/filterByCurrentUser(on='approver')?$filter=id eq '${ext.body.id}'`);
    assert.equal(inbox.status, 200, inbox.text);
    assert.equal(inbox.body.value[0].requestType, 'userUpdate');
    assert.equal(inbox.body.value[0].schedule.expiration.endDateTime, expected);

    t.clock.advance(DAY);
    assert.equal((await decide(t, approver.client, ext.body.id, 'Approve')).status, 204);
    await t.drain();
    assert.equal((await getAssignment(t, assignmentId)).schedule.expiration.endDateTime, expected, 'approved a day later: the end the approver saw');

    // the window is closed again: it opens 5 days before the new end
    const again = await extend();
    assert.equal(again.status, 400, again.text);
    assert.equal(again.body.error.code, 'ExtensionWindowNotOpen');
  });

  it('an end-date policy whose date the access already ends on: nothing to extend; an administrator may extend at any time', async () => {
    const fx = await makePackage(t, 'On a date');
    const endDateTime = new Date(t.clock.now().getTime() + 20 * DAY).toISOString();
    const policyId = await makePolicy(t, fx.packageId, { extend: true, expiration: { type: 'afterDateTime', endDateTime } });
    const u = await t.user();
    const add = await userAdd(u.client, fx.packageId, policyId);
    assert.equal(add.status, 201, add.text);
    await t.drain();
    const assignmentId = (await getRequest(t, add.body.id, '?$expand=assignment')).assignment.id as string;
    t.clock.advance(15 * DAY);
    const r = await submit(u.client, { requestType: 'userUpdate', assignment: { id: assignmentId } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.code, 'NothingToExtend');

    const days = await makePackage(t, 'Admin extends');
    const p2 = await makePolicy(t, days.packageId, { extend: true, expiration: { type: 'afterDuration', duration: 'P30D' } });
    const add2 = await userAdd(u.client, days.packageId, p2);
    await t.drain();
    const a2 = (await getRequest(t, add2.body.id, '?$expand=assignment')).assignment.id as string;
    assert.equal((await submit(u.client, { requestType: 'userUpdate', assignment: { id: a2 } })).status, 400, 'the holder: not yet');
    const admin = await submit(t.admin, { requestType: 'adminUpdate', assignment: { id: a2 } });
    assert.equal(admin.status, 201, admin.text);
  });

  it('a 20-day access: the 14-day reminder comes before the window (its last 10 days) opens, and says from when', async () => {
    const fx = await makePackage(t, 'Twenty days');
    const policyId = await makePolicy(t, fx.packageId, { extend: true, expiration: { type: 'afterDuration', duration: 'P20D' } });
    const u = await t.user();
    const add = await userAdd(u.client, fx.packageId, policyId);
    assert.equal(add.status, 201, add.text);
    await t.drain();
    const assignmentId = (await getRequest(t, add.body.id, '?$expand=assignment')).assignment.id as string;
    const end = (await getAssignment(t, assignmentId)).schedule.expiration.endDateTime as string;
    t.clock.advance(6 * DAY + HOUR);
    await t.drain();
    const [mail] = await outbox(t, { to: u.upn, template: 'expiresIn14Days' });
    assert.ok(mail, 'the 14-day reminder went out');
    const opens = new Date(Date.parse(end) - 10 * DAY).toISOString().slice(0, 16).replace('T', ' ');
    assert.match(mail.body, new RegExp(`request an extension from ${opens} UTC`));
    // the 1-day reminder, inside the window, simply invites it
    t.clock.advance(13 * DAY);
    await t.drain();
    const [last] = await outbox(t, { to: u.upn, template: 'expiresIn1Day' });
    assert.match(last.body, /request an extension before then/);
  });
});
