import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DAY, adminAdd, decide, directPolicy, getRequest, makePackage, makePolicy, outbox, stage, submit, userAdd,
} from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Which lifecycle events mail whom: the outbox is read after each step (no SMTP configured: mail stays there).

describe('lifecycle: notifications', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  const templatesTo = async (email: string) => (await outbox(t, { to: email })).map((m) => m.template);

  it('a self-service request mails approver, requestor on approval, delivery, reminders and end; the outbox API shows them', async () => {
    const u = await t.user({ displayName: 'Mia Mailed' });
    const approver = await t.user();
    const fx = await makePackage(t, 'Mailed package');
    const policyId = await makePolicy(t, fx.packageId, { stages: [stage([approver.id])], expiration: { type: 'afterDuration', duration: 'P20D' } });
    const r = await userAdd(u.client, fx.packageId, policyId, { justification: 'for the report' });
    assert.deepEqual(await templatesTo(approver.upn), ['approvalRequired']);
    assert.deepEqual(await templatesTo(u.upn), []);
    t.clock.advance(1000);
    await decide(t, approver.client, r.body.id, 'Approve', 'go ahead');
    await t.drain();
    assert.deepEqual((await templatesTo(u.upn)).sort(), ['accessDelivered', 'requestApproved']);
    const [approved] = await outbox(t, { to: u.upn, template: 'requestApproved' });
    assert.match(approved.body, /Approver justification: go ahead/);
    assert.equal(approved.subject, 'Request approved for Mailed package');
    for (const step of [7 * DAY, 12.5 * DAY, DAY]) {
      t.clock.advance(step);
      await t.drain();
    }
    const all = await templatesTo(u.upn);
    assert.deepEqual(all.filter((x) => !['requestApproved', 'accessDelivered'].includes(x)), ['expiresIn14Days', 'expiresIn1Day', 'accessEnded']);

    const api = await t.admin.get(`/latchkey/v1/outbox?$filter=recipient eq '${u.upn}'`);
    assert.equal(api.status, 200, api.text);
    assert.equal(api.body.value.length, 5);
  });

  it('admin direct assignments send no email: not delivered, not reminders, not ended', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Silent package');
    const policyId = await directPolicy(t, fx.packageId, { expiration: { type: 'afterDuration', duration: 'P20D' } });
    const r = await adminAdd(t, fx.packageId, policyId, { targetId: u.id });
    await t.drain();
    assert.equal((await getRequest(t, r.body.id)).state, 'delivered');
    for (const step of [7 * DAY, 12.5 * DAY, DAY]) {
      t.clock.advance(step);
      await t.drain();
    }
    assert.equal((await getRequest(t, r.body.id, '?$expand=assignment')).assignment.state, 'expired');
    assert.deepEqual(await templatesTo(u.upn), []);
  });

  it('isAssignmentNotificationDisabled switches off delivered, reminder and ended mail, not approval mail', async () => {
    const u = await t.user();
    const approver = await t.user();
    const fx = await makePackage(t, 'Quiet package');
    const policyId = await makePolicy(t, fx.packageId, {
      stages: [stage([approver.id])], selfRemove: true, expiration: { type: 'afterDuration', duration: 'P20D' },
      extra: { notificationSettings: { isAssignmentNotificationDisabled: true } },
    });
    const r = await userAdd(u.client, fx.packageId, policyId);
    await decide(t, approver.client, r.body.id, 'Approve');
    await t.drain();
    t.clock.advance(7 * DAY);
    await t.drain();
    const a = (await getRequest(t, r.body.id, '?$expand=assignment')).assignment;
    assert.equal((await submit(u.client, { requestType: 'userRemove', assignment: { id: a.id } })).status, 201);
    await t.drain();
    assert.equal((await getRequest(t, r.body.id, '?$expand=assignment')).assignment.state, 'expired');
    assert.deepEqual(await templatesTo(u.upn), ['requestApproved']);
    assert.deepEqual(await templatesTo(approver.upn), ['approvalRequired']);
  });
});
