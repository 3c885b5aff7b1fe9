import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EM } from '../support/client.js';
import { decide, makeGroup, makePackage, makePolicy, stage, userAdd } from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// The reads the My Access portal makes as a person without any role: a hidden package by its direct link
// and the policies that apply to them, their own assignments with the policy (to offer Extend), an
// approver's stage with its justification rule, and the approver's history without the pending items.

describe('My Access: what a person without a role can read', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  it('a hidden package opens by id with its applicable policies, but is not listed as requestable', async () => {
    const person = await t.user();
    const fx = await makePackage(t, 'Hidden pilot');
    assert.equal((await t.admin.patch(`${EM}/catalogs/${fx.catalogId}`, { state: 'published' })).status, 204);
    assert.equal((await t.admin.patch(`${EM}/accessPackages/${fx.packageId}`, { isHidden: true })).status, 204);
    const policyId = await makePolicy(t, fx.packageId, {
      justification: true, customSchedule: true,
      questions: [{ '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', sequence: 1, isRequired: true, text: 'Ticket number', isSingleLineQuestion: true, regexPattern: 'T-[0-9]+' }],
    });
    const listed = await person.client.get(`${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')`);
    assert.equal(listed.status, 200, listed.text);
    assert.ok(!listed.body.value.some((p: { id: string }) => p.id === fx.packageId), 'a hidden package is not listed');
    const pkg = await person.client.get(`${EM}/accessPackages/${fx.packageId}`);
    assert.equal(pkg.status, 200, pkg.text);
    assert.equal(pkg.body.isHidden, true);
    const reqs = await person.client.post(`${EM}/accessPackages/${fx.packageId}/getApplicablePolicyRequirements`, {});
    assert.equal(reqs.status, 200, reqs.text);
    assert.equal(reqs.body.value.length, 1);
    const r = reqs.body.value[0];
    assert.equal(r.policyId, policyId);
    assert.equal(r.isRequestorJustificationRequired, true);
    assert.equal(r.allowCustomAssignmentSchedule, true);
    assert.equal(r.questions[0].text, 'Ticket number');
    assert.equal(r.questions[0].regexPattern, 'T-[0-9]+');
    assert.ok(r.questions[0].id, 'questions carry their id, which answers name');
  });

  it('a person reads their assignments with package and policy (extension settings) through filterByCurrentUser', async () => {
    const person = await t.user();
    const fx = await makePackage(t, 'Extendable');
    assert.equal((await t.admin.patch(`${EM}/catalogs/${fx.catalogId}`, { state: 'published' })).status, 204);
    const policyId = await makePolicy(t, fx.packageId, { extend: true, extendApproval: false });
    const req = await userAdd(person.client, fx.packageId, policyId);
    assert.equal(req.status, 201, req.text);
    await t.drain();
    const mine = await person.client.get(`${EM}/assignments/filterByCurrentUser(on='target')?$expand=accessPackage,assignmentPolicy&$filter=state eq 'delivered'`);
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.body.value.length, 1);
    const a = mine.body.value[0];
    assert.equal(a.accessPackage.displayName, 'Extendable');
    assert.equal(a.assignmentPolicy.id, policyId);
    assert.equal(a.assignmentPolicy.requestorSettings.enableTargetsToSelfUpdateAccess, true);
    assert.ok(a.schedule.expiration.endDateTime, 'a 7-day policy gives an end date');
  });

  it('stages tell the approver whether a justification is required; the approver history can leave out what is pending', async () => {
    const [requestor1, requestor2, approver] = [await t.user(), await t.user(), await t.user()];
    const group = await makeGroup(t, 'Requestors', [requestor1.id, requestor2.id]);
    const fx = await makePackage(t, 'Approved package');
    assert.equal((await t.admin.patch(`${EM}/catalogs/${fx.catalogId}`, { state: 'published' })).status, 204);
    const policyId = await makePolicy(t, fx.packageId, { groupId: group, stages: [stage([approver.id], { isApproverJustificationRequired: true })] });
    const first = await userAdd(requestor1.client, fx.packageId, policyId);
    const second = await userAdd(requestor2.client, fx.packageId, policyId);
    assert.equal(first.status, 201, first.text);
    assert.equal(second.status, 201, second.text);

    const inbox = await approver.client.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`);
    assert.equal(inbox.status, 200, inbox.text);
    assert.deepEqual(inbox.body.value.map((v: { id: string }) => v.id).sort(), [first.body.id, second.body.id].sort());
    const st = inbox.body.value[0].stages[0];
    assert.equal(st.isApproverJustificationRequired, true);
    assert.equal(st.assignedToMe, true);
    assert.ok(st.dueDateTime, 'the decision deadline is shown');

    const without = await decide(t, approver.client, first.body.id, 'Approve');
    assert.equal(without.status, 400, `a required approver justification is enforced: ${without.text}`);
    assert.equal((await decide(t, approver.client, first.body.id, 'Approve', 'Looks right')).status, 204);

    // the request with its requestor and package, as the approver reads it
    const details = await approver.client.get(`${EM}/assignmentRequests/${second.body.id}?$expand=requestor,accessPackage`);
    assert.equal(details.status, 200, details.text);
    assert.equal(details.body.requestor.objectId, requestor2.id);
    assert.equal(details.body.accessPackage.id, fx.packageId);

    // history: every request the approver was asked about, except the ones still waiting for them
    const pending = [second.body.id];
    const filter = `not (id in (${pending.map((id) => `'${id}'`).join(',')}))`;
    const history = await approver.client.get(`${EM}/assignmentRequests/filterByCurrentUser(on='approver')?$filter=${encodeURIComponent(filter)}&$expand=requestor,accessPackage`);
    assert.equal(history.status, 200, history.text);
    assert.deepEqual(history.body.value.map((v: { id: string }) => v.id), [first.body.id]);
    const stages = await approver.client.get(`${EM}/accessPackageAssignmentApprovals/${first.body.id}/stages`);
    assert.equal(stages.status, 200, stages.text);
    assert.equal(stages.body.value[0].reviewResult, 'Approved');
    assert.equal(stages.body.value[0].justification, 'Looks right');
  });
});
