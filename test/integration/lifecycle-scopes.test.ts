import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EM } from '../support/client.js';
import {
  adminAdd, countRows, directPolicy, getRequest, groupMemberIds, guest, makeGroup, makeOrg, makePackage, makePolicy, userAdd,
} from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Who may request: every allowedTargetScope of a policy, judged at submission over HTTP. A refused
// request stores nothing; an accepted one (no approval) is delivered into the package's group.

describe('lifecycle: policy scopes', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  /** Submits a userAdd and returns its status; on 201 drains the worker and checks delivery into the group. */
  async function tryRequest(who: { id: string; client: TestServer['admin'] }, fx: { packageId: string; groupId: string }, policyId: string): Promise<number> {
    const before = await countRows(t, 'assignmentRequests');
    const r = await userAdd(who.client, fx.packageId, policyId);
    if (r.status !== 201) {
      assert.equal(await countRows(t, 'assignmentRequests'), before, `a refused request stores nothing (${r.text})`);
      return r.status;
    }
    await t.drain();
    assert.equal((await getRequest(t, r.body.id)).state, 'delivered');
    assert.ok((await groupMemberIds(t, fx.groupId)).includes(who.id), 'expected: (await groupMemberIds(t, fx.groupId)).includes(who.id)');
    return r.status;
  }

  it('specificDirectoryUsers: named users and members of named groups at any depth; nobody else', async () => {
    const named = await t.user();
    const nested = await t.user();
    const outsider = await t.user();
    const inner = await makeGroup(t, 'Scope inner', [nested.id]);
    const outer = await makeGroup(t, 'Scope outer', [inner]);
    const fx = await makePackage(t, 'Scoped specific');
    const policyId = await makePolicy(t, fx.packageId, {
      scope: 'specificDirectoryUsers',
      extra: { specificAllowedTargets: [
        { '@odata.type': '#microsoft.graph.singleUser', userId: named.id },
        { '@odata.type': '#microsoft.graph.groupMembers', groupId: outer },
      ] },
    });
    assert.equal(await tryRequest(outsider, fx, policyId), 403);
    assert.equal(await tryRequest(named, fx, policyId), 201);
    assert.equal(await tryRequest(nested, fx, policyId), 201);
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [named.id, nested.id].sort());
  });

  it('allMemberUsers: members yes, guests no', async () => {
    const member = await t.user();
    const g = await guest(t, 'members-only.test');
    const fx = await makePackage(t, 'Members only');
    const policyId = await makePolicy(t, fx.packageId, { scope: 'allMemberUsers' });
    assert.equal(await tryRequest(g, fx, policyId), 403);
    assert.equal(await tryRequest(member, fx, policyId), 201);
  });

  it('allDirectoryUsers: members and guests', async () => {
    const member = await t.user();
    const g = await guest(t, 'anyone.test');
    const fx = await makePackage(t, 'All directory');
    const policyId = await makePolicy(t, fx.packageId, { scope: 'allDirectoryUsers' });
    assert.equal(await tryRequest(g, fx, policyId), 201);
    assert.equal(await tryRequest(member, fx, policyId), 201);
  });

  it('specificConnectedOrganizationUsers: guests of the named organization only', async () => {
    const orgA = await makeOrg(t, 'partner-a.test');
    await makeOrg(t, 'partner-b.test');
    const fromA = await guest(t, 'partner-a.test');
    const fromB = await guest(t, 'partner-b.test');
    const member = await t.user();
    const fx = await makePackage(t, 'Partner A');
    const policyId = await makePolicy(t, fx.packageId, {
      scope: 'specificConnectedOrganizationUsers',
      extra: { specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.connectedOrganizationMembers', connectedOrganizationId: orgA }] },
    });
    assert.equal(await tryRequest(fromB, fx, policyId), 403);
    assert.equal(await tryRequest(member, fx, policyId), 403);
    assert.equal(await tryRequest(fromA, fx, policyId), 201);
  });

  it('allConfiguredConnectedOrganizationUsers: guests of configured organizations, not proposed ones', async () => {
    await makeOrg(t, 'configured.test', 'configured');
    await makeOrg(t, 'proposed.test', 'proposed');
    const configured = await guest(t, 'configured.test');
    const proposed = await guest(t, 'proposed.test');
    const fx = await makePackage(t, 'Configured orgs');
    const policyId = await makePolicy(t, fx.packageId, { scope: 'allConfiguredConnectedOrganizationUsers' });
    assert.equal(await tryRequest(proposed, fx, policyId), 403);
    assert.equal(await tryRequest(configured, fx, policyId), 201);
  });

  it('allExternalUsers: any guest, even from no known organization; members no', async () => {
    const stranger = await guest(t, 'nobody-knows.test');
    const member = await t.user();
    const fx = await makePackage(t, 'All external');
    const policyId = await makePolicy(t, fx.packageId, { scope: 'allExternalUsers' });
    assert.equal(await tryRequest(member, fx, policyId), 403);
    assert.equal(await tryRequest(stranger, fx, policyId), 201);
  });

  it('notSpecified: refused for self-service, usable for adminAdd; a disabled policy accepts neither', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Admin only');
    const policyId = await directPolicy(t, fx.packageId);
    const self = await userAdd(u.client, fx.packageId, policyId);
    assert.equal(self.status, 403, self.text);
    const selfNoPolicy = await userAdd(u.client, fx.packageId);
    assert.equal(selfNoPolicy.status, 403, selfNoPolicy.text);
    const allowed = await u.client.get(`${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')`);
    assert.ok(!allowed.body.value.some((p: { id: string }) => p.id === fx.packageId), 'expected: !allowed.body.value.some((p: { id: string }) => p.id === fx.packageId)');

    const direct = await adminAdd(t, fx.packageId, policyId, { targetId: u.id });
    assert.equal(direct.status, 201, direct.text);
    assert.equal(direct.body.requestType, 'adminAdd');
    await t.drain();
    assert.equal((await getRequest(t, direct.body.id)).state, 'delivered');
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [u.id]);

    // the policy switched off: no direct assignment under it any more
    const other = await t.user();
    const off = await t.admin.patch(`${EM}/assignmentPolicies/${policyId}`, { requestorSettings: { acceptRequests: false } });
    assert.ok([200, 204].includes(off.status), off.text);
    const refused = await adminAdd(t, fx.packageId, policyId, { targetId: other.id });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.error.target, 'assignment.assignmentPolicyId');
  });

  it('adminAdd under a scoped policy refuses a person outside its scope', async () => {
    const member = await t.user();
    const fx = await makePackage(t, 'Admin scoped');
    const policyId = await makePolicy(t, fx.packageId, { scope: 'allExternalUsers' });
    const r = await adminAdd(t, fx.packageId, policyId, { targetId: member.id });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.target, 'assignment.targetId');
  });
});
