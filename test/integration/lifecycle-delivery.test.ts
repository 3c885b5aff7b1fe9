import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backoffMs } from '../../src/domain/backoff.js';
import { MAX_GRANT_ATTEMPTS } from '../../src/services/lifecycle/common.js';
import { EM } from '../support/client.js';
import {
  V1, addRole, adminAdd, countRows, decide, directPolicy, getAssignment, getRequest, groupMemberIds, makeGroup, makePackage, makePolicy, stage, submit, userAdd,
} from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Fulfilment: grants delivered through connectors, failures retried with backoff then reported,
// reprocessing, roles added to and removed from packages, shared grants, separation of duties,
// cancel, delete, bulk removal, validation-only submissions and idempotency keys.

const GRAPH = 'https://graph.microsoft.com/v1.0';

describe('lifecycle: delivery', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  const grantCalls = (userId: string, role: string) => t.connector.calls.filter((c) => c === `grant ${userId} ${role}`).length;
  const assignmentOf = async (requestId: string) => (await getRequest(t, requestId, '?$expand=assignment')).assignment;

  /** A package granting only TestSystem roles (no group). */
  async function testSystemPackage(name: string, resources: string[]) {
    const c = await t.admin.post(`${EM}/catalogs`, { displayName: `Catalog of ${name}` });
    const p = await t.admin.post(`${EM}/accessPackages`, { displayName: name, catalog: { id: c.body.id } });
    for (const r of resources) await addRole(t, c.body.id, p.body.id, 'TestSystem', r, 'Reader');
    return { catalogId: c.body.id as string, packageId: p.body.id as string };
  }

  it('partial fulfilment: the group is delivered, a failing system is retried with backoff, then reported on the request; reprocess repairs it', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Partial', { testResources: ['partial-sys'] });
    const policyId = await makePolicy(t, fx.packageId);
    t.connector.failNext('partial-sys');
    const r = await userAdd(u.client, fx.packageId, policyId);
    assert.equal(r.status, 201, r.text);

    for (let attempt = 1; attempt <= MAX_GRANT_ATTEMPTS; attempt++) {
      await t.drain();
      assert.equal(grantCalls(u.id, 'Reader_partial-sys'), attempt, `attempt ${attempt}`);
      const req = await getRequest(t, r.body.id);
      if (attempt < MAX_GRANT_ATTEMPTS) {
        assert.equal(req.state, 'delivering', `still retrying after attempt ${attempt}`);
        assert.equal(req.fulfillmentErrorCount, 0);
        assert.equal(req.fulfillmentErrors.length, 1);
        assert.ok(req.fulfillmentErrors[0].willRetryAt, 'a retry time is shown');
        // the retry waits for its backoff
        t.clock.advance(backoffMs(attempt) - 500);
        await t.drain();
        assert.equal(grantCalls(u.id, 'Reader_partial-sys'), attempt, 'not before its backoff');
        t.clock.advance(1000);
      }
    }
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [u.id], 'the working role was delivered');
    const req = await getRequest(t, r.body.id);
    assert.equal(req.state, 'partiallyDelivered');
    assert.equal(req.status, 'PartiallyDelivered');
    assert.equal(req.fulfillmentErrorCount, 1);
    assert.equal(req.fulfillmentErrors[0].role, 'Reader');
    assert.match(req.fulfillmentErrors[0].message, /test system refused/);
    assert.equal(req.fulfillmentErrors[0].willRetryAt, null);
    const a = await assignmentOf(r.body.id);
    assert.equal(a.state, 'partiallyDelivered');
    // no more attempts on their own
    t.clock.advance(3_600_000);
    await t.drain();
    assert.equal(grantCalls(u.id, 'Reader_partial-sys'), MAX_GRANT_ATTEMPTS);

    t.connector.heal('partial-sys');
    const rp = await t.admin.post(`${EM}/assignmentRequests/${r.body.id}/reprocess`);
    assert.equal(rp.status, 202, rp.text);
    await t.drain();
    const fixed = await getRequest(t, r.body.id);
    assert.equal(fixed.state, 'delivered');
    assert.equal(fixed.fulfillmentErrorCount, 0);
    assert.deepEqual(fixed.fulfillmentErrors, []);
    assert.equal((await getAssignment(t, a.id)).state, 'delivered');
    assert.ok(t.connector.held.has(`${u.id}|Reader_partial-sys`), 'expected: t.connector.held.has(`${u.id}|Reader_partial-sys`)');
    const again = await t.admin.post(`${EM}/assignmentRequests/${r.body.id}/reprocess`);
    assert.equal(again.status, 409, 'only failed or partial deliveries are reprocessed');
  });

  it('all grants failing → deliveryFailed; reprocess after the system recovers delivers', async () => {
    const u = await t.user();
    const fx = await testSystemPackage('All failing', ['down-1', 'down-2']);
    const policyId = await directPolicy(t, fx.packageId);
    t.connector.failNext('down-1');
    t.connector.failNext('down-2');
    const r = await adminAdd(t, fx.packageId, policyId, { targetId: u.id });
    for (let i = 0; i < MAX_GRANT_ATTEMPTS; i++) {
      await t.drain();
      t.clock.advance(backoffMs(i + 1) + 1);
    }
    await t.drain();
    const req = await getRequest(t, r.body.id);
    assert.equal(req.state, 'deliveryFailed');
    assert.equal(req.fulfillmentErrorCount, 2);
    assert.equal((await assignmentOf(r.body.id)).state, 'deliveryFailed');
    t.connector.heal('down-1');
    t.connector.heal('down-2');
    assert.equal((await t.admin.post(`${EM}/assignmentRequests/${r.body.id}/reprocess`)).status, 202);
    await t.drain();
    assert.equal((await getRequest(t, r.body.id)).state, 'delivered');
    assert.ok(t.connector.held.has(`${u.id}|Reader_down-1`) && t.connector.held.has(`${u.id}|Reader_down-2`), 'expected: t.connector.held.has(`${u.id}|Reader_down-1`) && t.connector.held.has(`${u.id}|Reader_down-2`)');
  });

  it('a resource role added to a package is granted to existing assignees; removing it revokes it', async () => {
    const [u1, u2] = [await t.user(), await t.user()];
    const fx = await makePackage(t, 'Growing');
    const policyId = await directPolicy(t, fx.packageId);
    const r1 = await adminAdd(t, fx.packageId, policyId, { targetId: u1.id });
    const r2 = await adminAdd(t, fx.packageId, policyId, { targetId: u2.id });
    await t.drain();
    const rrs = await addRole(t, fx.catalogId, fx.packageId, 'TestSystem', 'late-sys', 'Writer');
    await t.drain();
    for (const u of [u1, u2]) assert.ok(t.connector.held.has(`${u.id}|Writer_late-sys`), 'granted to an existing assignee');
    for (const r of [r1, r2]) assert.equal((await assignmentOf(r.body.id)).state, 'delivered');

    const del = await t.admin.delete(`${EM}/accessPackages/${fx.packageId}/resourceRoleScopes/${rrs}`);
    assert.equal(del.status, 204, del.text);
    await t.drain();
    for (const u of [u1, u2]) assert.ok(!t.connector.held.has(`${u.id}|Writer_late-sys`), 'revoked from the assignee');
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [u1.id, u2.id].sort(), 'the other role stays');
    const a = await assignmentOf(r1.body.id);
    assert.equal(a.state, 'delivered');
  });

  it('shared grants: two packages granting the same group (same or different catalogs) — ending one keeps the person in the group', async () => {
    const u = await t.user();
    const fx1 = await makePackage(t, 'Shared A');
    // a second package in another catalog granting the same group
    const fx2 = await makePackage(t, 'Shared B');
    await addRole(t, fx2.catalogId, fx2.packageId, 'AadGroup', fx1.groupId, 'Member');
    // and a third in the same catalog as the first
    const p3 = await t.admin.post(`${EM}/accessPackages`, { displayName: 'Shared C', catalog: { id: fx1.catalogId } });
    await addRole(t, fx1.catalogId, p3.body.id, 'AadGroup', fx1.groupId, 'Member');
    const pol1 = await directPolicy(t, fx1.packageId);
    const pol2 = await directPolicy(t, fx2.packageId);
    const pol3 = await directPolicy(t, p3.body.id);
    const ids = [];
    for (const [pkg, pol] of [[fx1.packageId, pol1], [fx2.packageId, pol2], [p3.body.id, pol3]]) {
      const r = await adminAdd(t, pkg, pol, { targetId: u.id });
      assert.equal(r.status, 201, r.text);
      ids.push(r.body.id);
    }
    await t.drain();
    const assignments = await Promise.all(ids.map(assignmentOf));
    assert.deepEqual(await groupMemberIds(t, fx1.groupId), [u.id]);

    const remove = (assignmentId: string) => submit(t.admin, { requestType: 'adminRemove', assignment: { id: assignmentId } });
    assert.equal((await remove(assignments[0].id)).status, 201);
    await t.drain();
    assert.deepEqual(await groupMemberIds(t, fx1.groupId), [u.id], 'the same-catalog package still grants the group');
    assert.equal((await remove(assignments[2].id)).status, 201);
    await t.drain();
    assert.deepEqual(await groupMemberIds(t, fx1.groupId), [u.id], 'the other catalog’s package still grants the group');
    assert.equal((await remove(assignments[1].id)).status, 201);
    await t.drain();
    assert.deepEqual(await groupMemberIds(t, fx1.groupId), [], 'the last one ending removes the person');
  });

  it('separation of duties: an incompatible package held or an incompatible group → refused, nothing stored', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Payments');
    const other = await makePackage(t, 'Approvals');
    const policy = await makePolicy(t, fx.packageId);
    const otherPolicy = await directPolicy(t, other.packageId);
    assert.equal((await t.admin.post(`${EM}/accessPackages/${fx.packageId}/incompatibleAccessPackages/$ref`, { '@odata.id': `${GRAPH}/identityGovernance/entitlementManagement/accessPackages/${other.packageId}` })).status, 204);
    await adminAdd(t, other.packageId, otherPolicy, { targetId: u.id });
    await t.drain();
    const before = await countRows(t, 'assignmentRequests');
    const self = await userAdd(u.client, fx.packageId, policy);
    assert.equal(self.status, 403, self.text);
    assert.match(self.body.error.message, /Approvals/);
    const admin = await adminAdd(t, fx.packageId, policy, { targetId: u.id });
    assert.equal(admin.status, 403, admin.text);
    assert.equal(await countRows(t, 'assignmentRequests'), before);

    const v = await t.user();
    const auditors = await makeGroup(t, 'Auditors');
    const nestedIn = await makeGroup(t, 'Auditors EU', [v.id]);
    await t.admin.post(`${V1}/groups/${auditors}/members/$ref`, { '@odata.id': `${GRAPH}/directoryObjects/${nestedIn}` });
    assert.equal((await t.admin.post(`${EM}/accessPackages/${fx.packageId}/incompatibleGroups/$ref`, { '@odata.id': `${GRAPH}/groups/${auditors}` })).status, 204);
    const viaGroup = await userAdd(v.client, fx.packageId, policy);
    assert.equal(viaGroup.status, 403, viaGroup.text);
    assert.match(viaGroup.body.error.message, /Auditors/);
    assert.equal(await countRows(t, 'assignmentRequests'), before);
    assert.deepEqual(await groupMemberIds(t, fx.groupId), []);
  });

  it('cancel: the requestor cancels a pending request; others may not; a delivered one cannot be canceled', async () => {
    const u = await t.user();
    const stranger = await t.user();
    const approver = await t.user();
    const fx = await makePackage(t, 'Cancelable');
    const policyId = await makePolicy(t, fx.packageId, { stages: [stage([approver.id])] });
    const r = await userAdd(u.client, fx.packageId, policyId);
    assert.equal((await stranger.client.post(`${EM}/assignmentRequests/${r.body.id}/cancel`)).status, 403);
    const c = await u.client.post(`${EM}/assignmentRequests/${r.body.id}/cancel`);
    assert.equal(c.status, 200, c.text);
    assert.equal(c.body.state, 'canceled');
    assert.equal(c.body.status, 'Canceled');
    assert.equal((await decide(t, approver.client, r.body.id, 'Approve').catch(() => ({ status: 0 }))).status, 0, 'no open stage');
    assert.equal((await u.client.post(`${EM}/assignmentRequests/${r.body.id}/cancel`)).status, 409);

    const again = await userAdd(u.client, fx.packageId, policyId);
    assert.equal(again.status, 201, 'a canceled request frees the place');
    assert.equal((await decide(t, approver.client, again.body.id, 'Approve')).status, 204);
    await t.drain();
    const late = await u.client.post(`${EM}/assignmentRequests/${again.body.id}/cancel`);
    assert.equal(late.status, 409, late.text);
    assert.equal((await getRequest(t, again.body.id)).state, 'delivered');
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [u.id]);
  });

  it('DELETE removes completed requests without an assignment only', async () => {
    const u = await t.user();
    const approver = await t.user();
    const fx = await makePackage(t, 'Deletable');
    const policyId = await makePolicy(t, fx.packageId, { stages: [stage([approver.id])] });
    const pending = await userAdd(u.client, fx.packageId, policyId);
    assert.equal((await t.admin.delete(`${EM}/assignmentRequests/${pending.body.id}`)).status, 409, 'pending');
    assert.equal((await decide(t, approver.client, pending.body.id, 'Deny', 'no')).status, 204);
    assert.equal((await u.client.delete(`${EM}/assignmentRequests/${pending.body.id}`)).status, 403, 'the requestor is no assignment manager');
    assert.equal((await t.admin.delete(`${EM}/assignmentRequests/${pending.body.id}`)).status, 204);
    assert.equal((await t.admin.get(`${EM}/assignmentRequests/${pending.body.id}`)).status, 404);
    assert.equal((await t.store.db.selectFrom('approvalStages').select('id').where('requestId', '=', pending.body.id).execute()).length, 0);

    const ok = await userAdd(u.client, fx.packageId, policyId);
    await decide(t, approver.client, ok.body.id, 'Approve');
    await t.drain();
    assert.equal((await t.admin.delete(`${EM}/assignmentRequests/${ok.body.id}`)).status, 409, 'delivered, with an assignment');
  });

  it('bulk removal is idempotent and lets a package with assignments be deleted', async () => {
    const users = [await t.user(), await t.user(), await t.user()];
    const fx = await makePackage(t, 'Drained');
    const policyId = await directPolicy(t, fx.packageId);
    for (const u of users) await adminAdd(t, fx.packageId, policyId, { targetId: u.id });
    await t.drain();
    const blocked = await t.admin.delete(`${EM}/accessPackages/${fx.packageId}`);
    assert.equal(blocked.status, 409, blocked.text);
    const ids = (await t.admin.get(`${EM}/assignments?$filter=accessPackage/id eq '${fx.packageId}'`)).body.value.map((a: { id: string }) => a.id).sort();
    assert.equal(ids.length, 3);

    const first = await t.admin.post('/latchkey/v1/assignments/bulkRemove', { assignmentIds: ids.slice(0, 2), justification: 'project over' });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.removed.sort(), ids.slice(0, 2));
    const second = await t.admin.post('/latchkey/v1/assignments/bulkRemove', { accessPackageId: fx.packageId });
    assert.deepEqual(second.body.removed, [ids[2]]);
    const third = await t.admin.post('/latchkey/v1/assignments/bulkRemove', { assignmentIds: ids });
    assert.equal(third.status, 200);
    assert.deepEqual(third.body.removed, []);
    assert.deepEqual(third.body.skipped.map((s: { id: string }) => s.id).sort(), ids);
    await t.drain();
    assert.deepEqual(await groupMemberIds(t, fx.groupId), []);
    const removals = await t.admin.get(`${EM}/assignmentRequests?$filter=requestType eq 'adminRemove' and accessPackage/id eq '${fx.packageId}'`);
    assert.equal(removals.body.value.length, 3, 'one adminRemove per assignment, none for repeats');
    assert.ok(removals.body.value.every((r: { state: string }) => r.state === 'delivered'), 'expected: removals.body.value.every((r: { state: string }) => r.state === \'delivered\')');
    assert.equal((await t.admin.delete(`${EM}/accessPackages/${fx.packageId}`)).status, 204);
  });

  it('assignment reprocess re-applies delivered grants: a member removed from the group by hand is put back', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Drifted');
    const policyId = await directPolicy(t, fx.packageId);
    const r = await adminAdd(t, fx.packageId, policyId, { targetId: u.id });
    await t.drain();
    const a = await assignmentOf(r.body.id);
    assert.equal((await t.admin.delete(`${V1}/groups/${fx.groupId}/members/${u.id}/$ref`)).status, 204);
    assert.deepEqual(await groupMemberIds(t, fx.groupId), []);
    const rp = await t.admin.post(`${EM}/assignments/${a.id}/reprocess`);
    assert.equal(rp.status, 202, rp.text);
    await t.drain();
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [u.id]);
    assert.equal((await getAssignment(t, a.id)).state, 'delivered');
    assert.equal((await u.client.post(`${EM}/assignments/${a.id}/reprocess`)).status, 403);
  });

  it('isValidationOnly runs every check and stores nothing', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Validated');
    const policyId = await makePolicy(t, fx.packageId, { justification: true });
    const counts = async () => Promise.all((['assignmentRequests', 'assignments', 'grants', 'outboxEmails'] as const).map((x) => countRows(t, x)));
    const before = await counts();
    const auditBefore = Number((await t.store.db.selectFrom('auditEvents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const bad = await userAdd(u.client, fx.packageId, policyId, { isValidationOnly: true });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.target, 'justification');
    const ok = await userAdd(u.client, fx.packageId, policyId, { isValidationOnly: true, justification: 'check' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.requestType, 'userAdd');
    await t.drain();
    assert.deepEqual(await counts(), before);
    assert.equal(Number((await t.store.db.selectFrom('auditEvents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), auditBefore);
    assert.deepEqual(await groupMemberIds(t, fx.groupId), []);
    assert.equal((await t.admin.get(`${EM}/assignmentRequests/${ok.body.id}`)).status, 404);
  });

  it('Idempotency-Key: the same key returns the same request and creates nothing more; another caller’s key is refused', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Idempotent');
    const policyId = await makePolicy(t, fx.packageId);
    const key = { 'idempotency-key': `key-${u.id}` };
    // an unrelated request by the same person first: the key, not the person, identifies the request
    assert.equal((await userAdd(u.client, fx.packageId, policyId)).status, 201);
    const fx2 = await makePackage(t, 'Idempotent 2');
    const policy2 = await makePolicy(t, fx2.packageId);
    const a = await submit(u.client, { requestType: 'userAdd', assignment: { accessPackageId: fx2.packageId, assignmentPolicyId: policy2 } }, key);
    assert.equal(a.status, 201, a.text);
    const before = await countRows(t, 'assignmentRequests');
    const b = await submit(u.client, { requestType: 'userAdd', assignment: { accessPackageId: fx2.packageId, assignmentPolicyId: policy2 } }, key);
    assert.ok([200, 201].includes(b.status), b.text);
    assert.equal(b.body.id, a.body.id);
    assert.equal(await countRows(t, 'assignmentRequests'), before);
    const other = await t.user();
    const c = await submit(other.client, { requestType: 'userAdd', assignment: { accessPackageId: fx2.packageId, assignmentPolicyId: policy2 } }, key);
    assert.equal(c.status, 409, c.text);
    await t.drain();
    assert.deepEqual(await groupMemberIds(t, fx2.groupId), [u.id]);
  });
});
