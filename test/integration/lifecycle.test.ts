import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EM } from '../support/client.js';
import { DAY, groupMemberIds, makeGroup, makePackage, makePolicy, stage } from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// The seed page's flows, end to end over HTTP, with the worker run by hand and the clock moved.

describe('access lifecycle', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  it('request with approval → approve → delivered into the group → expires and leaves the group', async () => {
    const requestor = await t.user({ displayName: 'Rita Requestor' });
    const approver = await t.user({ displayName: 'Arno Approver' });
    const inner = await makeGroup(t, 'Sales EMEA', [requestor.id]);
    const outer = await makeGroup(t, 'Sales', [inner]);
    const fx = await makePackage(t, 'Sales tools');
    const policyId = await makePolicy(t, fx.packageId, { groupId: outer, stages: [stage([approver.id])], justification: true });

    const allowed = await requestor.client.get(`${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')`);
    assert.deepEqual(allowed.body.value.map((p: { id: string }) => p.id), [fx.packageId], 'nested group membership puts the requestor in scope');

    const missing = await requestor.client.post(`${EM}/assignmentRequests`, { requestType: 'userAdd', assignment: { accessPackageId: fx.packageId, assignmentPolicyId: policyId } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.target, 'justification');

    const sub = await requestor.client.post(`${EM}/assignmentRequests`, {
      requestType: 'UserAdd', justification: 'Quarterly forecast', assignment: { accessPackageId: fx.packageId, assignmentPolicyId: policyId },
    });
    assert.equal(sub.status, 201, sub.text);
    assert.equal(sub.body.state, 'pendingApproval');
    assert.equal(sub.body.status, 'PendingApproval');
    const requestId = sub.body.id;

    const dup = await requestor.client.post(`${EM}/assignmentRequests`, { requestType: 'userAdd', justification: 'again', assignment: { accessPackageId: fx.packageId, assignmentPolicyId: policyId } });
    assert.equal(dup.status, 409);

    const inbox = await approver.client.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`);
    assert.equal(inbox.status, 200, inbox.text);
    assert.deepEqual(inbox.body.value.map((a: { id: string }) => a.id), [requestId]);
    const stageId = inbox.body.value[0].stages[0].id;
    assert.equal(inbox.body.value[0].stages[0].assignedToMe, true);
    const details = await approver.client.get(`${EM}/assignmentRequests/${requestId}?$expand=requestor,accessPackage`);
    assert.equal(details.status, 200, details.text);
    assert.equal(details.body.justification, 'Quarterly forecast');
    assert.equal(details.body.requestor.displayName, 'Rita Requestor');

    assert.equal((await requestor.client.patch(`${EM}/accessPackageAssignmentApprovals/${requestId}/stages/${stageId}`, { reviewResult: 'Approve' })).status, 403, 'nobody approves their own request');
    const ok = await approver.client.patch(`${EM}/accessPackageAssignmentApprovals/${requestId}/stages/${stageId}`, { reviewResult: 'Approve', justification: 'fine' });
    assert.equal(ok.status, 204, ok.text);
    const again = await approver.client.patch(`${EM}/accessPackageAssignmentApprovals/${requestId}/stages/${stageId}`, { reviewResult: 'Deny' });
    assert.equal(again.status, 409);

    await t.drain();
    const delivered = await requestor.client.get(`${EM}/assignmentRequests/${requestId}?$expand=assignment`);
    assert.equal(delivered.body.state, 'delivered', delivered.text);
    assert.equal(delivered.body.assignment.state, 'delivered');
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [requestor.id]);
    const assignmentId = delivered.body.assignment.id;
    const end = delivered.body.assignment.schedule.expiration.endDateTime;
    assert.equal(new Date(end).getTime() - t.clock.now().getTime(), 7 * DAY);

    t.clock.advance(7 * DAY + 1000);
    await t.drain();
    const expired = await t.admin.get(`${EM}/assignments/${assignmentId}`);
    assert.equal(expired.body.state, 'expired');
    assert.ok(expired.body.expiredDateTime, 'expected: expired.body.expiredDateTime');
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [], 'expiry removed the user from the group');
    const sys = await t.admin.get(`${EM}/assignmentRequests?$filter=requestType eq 'systemRemove' and accessPackage/id eq '${fx.packageId}'`);
    assert.equal(sys.body.value.length, 1);
    assert.equal(sys.body.value[0].state, 'delivered');
  });
});
