import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EM } from '../support/client.js';
import { DAY, adminAdd, directPolicy, makePackage, makePolicy, stage, userAdd } from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// A package with open requests (waiting for approval, scheduled to start, delivering) cannot be deleted:
// deleting it left the approver a count of one request and a list without it, and the requestor's history
// without the request. The 409 names each open request so the administrator can cancel them first.

describe('deleting an access package with open requests', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  it('a request pending approval and a scheduled direct assignment block the delete (409 naming both); cancelled, the package goes', async () => {
    const fx = await makePackage(t, 'Open requests pkg');
    const approver = await t.user({ displayName: 'Approver Ann' });
    const requestor = await t.user({ displayName: 'Requestor Rob' });
    const policyId = await makePolicy(t, fx.packageId, { stages: [stage([approver.id])] });
    const direct = await directPolicy(t, fx.packageId);
    const pending = await userAdd(requestor.client, fx.packageId, policyId);
    assert.equal(pending.status, 201, pending.text);
    assert.equal(pending.body.state, 'pendingApproval');
    const later = await t.user({ displayName: 'Later Lou' });
    const startAt = new Date(t.clock.now().getTime() + 3 * DAY).toISOString();
    const scheduled = await adminAdd(t, fx.packageId, direct, { targetId: later.id }, { schedule: { startDateTime: startAt } });
    assert.equal(scheduled.status, 201, scheduled.text);
    assert.equal(scheduled.body.state, 'scheduled');

    const del = await t.admin.delete(`${EM}/accessPackages/${fx.packageId}`);
    assert.equal(del.status, 409, del.text);
    assert.equal(del.body.error.code, 'AccessPackageHasOpenRequests');
    assert.match(del.body.error.message, new RegExp(pending.body.id));
    assert.match(del.body.error.message, new RegExp(scheduled.body.id));
    assert.match(del.body.error.message, /Requestor Rob/);
    assert.match(del.body.error.message, /Later Lou/);
    // nothing was deleted: the approver still sees the request with its package
    const inbox = await approver.client.get(`${EM}/assignmentRequests/filterByCurrentUser(on='approver')?$expand=accessPackage`);
    assert.equal(inbox.status, 200, inbox.text);
    assert.deepEqual(inbox.body.value.map((r: { id: string; accessPackage: { id: string } }) => [r.id, r.accessPackage.id]), [[pending.body.id, fx.packageId]]);

    // cancelling one still leaves the other in the way
    assert.equal((await t.admin.post(`${EM}/assignmentRequests/${pending.body.id}/cancel`, {})).status, 200);
    const again = await t.admin.delete(`${EM}/accessPackages/${fx.packageId}`);
    assert.equal(again.status, 409, again.text);
    assert.doesNotMatch(again.body.error.message, new RegExp(pending.body.id));
    assert.match(again.body.error.message, new RegExp(scheduled.body.id));
    assert.equal((await t.admin.post(`${EM}/assignmentRequests/${scheduled.body.id}/cancel`, {})).status, 200);
    const ok = await t.admin.delete(`${EM}/accessPackages/${fx.packageId}`);
    assert.equal(ok.status, 204, ok.text);
  });

  it("an approver's inbox (the Pending count) and the list of requests to approve are the same set, even for a request left without its package", async () => {
    const fx = await makePackage(t, 'Orphaned by old data');
    const approver = await t.user({ displayName: 'Approver Orla' });
    const requestor = await t.user();
    const policyId = await makePolicy(t, fx.packageId, { stages: [stage([approver.id])] });
    const kept = await makePackage(t, 'Still here');
    const keptPolicy = await makePolicy(t, kept.packageId, { stages: [stage([approver.id])] });
    const orphan = await userAdd(requestor.client, fx.packageId, policyId);
    const live = await userAdd(requestor.client, kept.packageId, keptPolicy);
    assert.equal(orphan.status, 201, orphan.text);
    assert.equal(live.status, 201, live.text);
    // what a delete before this rule left behind: the package row gone under an open request
    await t.store.db.deleteFrom('assignmentPolicies').where('accessPackageId', '=', fx.packageId).execute();
    await t.store.db.deleteFrom('resourceRoleScopes').where('accessPackageId', '=', fx.packageId).execute();
    await t.store.db.deleteFrom('accessPackages').where('id', '=', fx.packageId).execute();

    const inbox = await approver.client.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`);
    assert.equal(inbox.status, 200, inbox.text);
    const list = await approver.client.get(`${EM}/assignmentRequests/filterByCurrentUser(on='approver')`);
    assert.equal(list.status, 200, list.text);
    const ids = (v: { id: string }[]) => v.map((x) => x.id).sort();
    assert.deepEqual(ids(inbox.body.value), ids(list.body.value), 'the count and the list come from the same set');
    assert.deepEqual(ids(inbox.body.value), [live.body.id]);
  });
});
