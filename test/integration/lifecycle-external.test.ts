import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EM } from '../support/client.js';
import {
  DAY, V1, adminAdd, countRows, getRequest, groupMemberIds, makeOrg, makePackage, makePolicy, submit,
} from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// External people by email: a guest is created on delivery, governed by Latchkey, blocked when their
// last assignment ends and deleted later, as the tenant settings say.

describe('lifecycle: external users', () => {
  let t: TestServer;
  let orgId = '';
  before(async () => {
    t = await startTestServer();
    orgId = await makeOrg(t, 'fabrikam.test');
  });
  after(async () => { await t.close(); });

  const userByEmail = (email: string) => t.store.db.selectFrom('users').selectAll().where('upnKey', '=', email.toLowerCase()).executeTakeFirst();
  const assignmentIdOf = async (requestId: string) => (await getRequest(t, requestId, '?$expand=assignment')).assignment.id as string;

  it('adminAdd with target.email from a connected organization creates a governed guest on delivery; the last assignment ending blocks, then deletes it', async () => {
    const settings = await t.admin.patch(`${EM}/settings`, { externalUserLifecycleAction: 'blockSignInAndDelete', durationUntilExternalUserDeletedAfterBlocked: 'P10D' });
    assert.equal(settings.status, 204, settings.text);
    const fx1 = await makePackage(t, 'Partner portal');
    const fx2 = await makePackage(t, 'Partner wiki');
    const p1 = await makePolicy(t, fx1.packageId, { scope: 'allConfiguredConnectedOrganizationUsers' });
    const p2 = await makePolicy(t, fx2.packageId, { scope: 'specificConnectedOrganizationUsers',
      extra: { specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.connectedOrganizationMembers', connectedOrganizationId: orgId }] } });
    const email = 'Ada.Partner@fabrikam.test';
    const usersBefore = await countRows(t, 'users');

    const r1 = await adminAdd(t, fx1.packageId, p1, { email });
    assert.equal(r1.status, 201, r1.text);
    const target = (await getRequest(t, r1.body.id, '?$expand=target')).target;
    assert.equal(target.email, email);
    await t.drain();
    const guestRow = await userByEmail(email);
    assert.ok(guestRow, 'a guest was created');
    assert.equal(await countRows(t, 'users'), usersBefore + 1);
    assert.equal(guestRow.userType, 'Guest');
    assert.equal(guestRow.governed, 1);
    assert.equal(guestRow.connectedOrganizationId, orgId);
    assert.equal((await getRequest(t, r1.body.id)).state, 'delivered');
    assert.deepEqual(await groupMemberIds(t, fx1.groupId), [guestRow.id]);

    // a second package for the same address reuses the guest
    const r2 = await adminAdd(t, fx2.packageId, p2, { email: email.toLowerCase() });
    assert.equal(r2.status, 201, r2.text);
    await t.drain();
    assert.equal(await countRows(t, 'users'), usersBefore + 1);
    assert.deepEqual(await groupMemberIds(t, fx2.groupId), [guestRow.id]);

    // ending one of two assignments leaves the guest alone
    assert.equal((await submit(t.admin, { requestType: 'adminRemove', assignment: { id: await assignmentIdOf(r1.body.id) } })).status, 201);
    await t.drain();
    assert.equal((await userByEmail(email))!.accountEnabled, 1);
    assert.deepEqual(await groupMemberIds(t, fx1.groupId), []);

    // the last one ending blocks sign-in and schedules deletion
    assert.equal((await submit(t.admin, { requestType: 'adminRemove', assignment: { id: await assignmentIdOf(r2.body.id) } })).status, 201);
    await t.drain();
    const blocked = (await userByEmail(email))!;
    assert.equal(blocked.accountEnabled, 0);
    assert.ok(blocked.blockedAt, 'expected: blocked.blockedAt');
    assert.equal(new Date(blocked.deleteAfter!).getTime(), t.clock.now().getTime() + 10 * DAY);
    assert.equal((await t.admin.get(`${V1}/users/${blocked.id}`)).body.accountEnabled, false);

    t.clock.advance(10 * DAY - 1000);
    await t.drain();
    assert.ok(await userByEmail(email), 'not before the deletion date');
    t.clock.advance(2000);
    await t.drain();
    assert.equal(await userByEmail(email), undefined);
    assert.equal((await t.admin.get(`${V1}/users/${blocked.id}`)).status, 404);
    const activities = (await t.store.db.selectFrom('auditEvents').select('activity').where('targetId', '=', blocked.id).orderBy('occurredAt').execute()).map((e) => e.activity);
    assert.deepEqual(activities, ['Add external user', 'Block external user', 'Delete external user']);
  });

  it('blockSignIn only blocks; guests not created by Latchkey are never touched', async () => {
    assert.equal((await t.admin.patch(`${EM}/settings`, { externalUserLifecycleAction: 'blockSignIn' })).status, 204);
    const fx = await makePackage(t, 'Partner files');
    const policyId = await makePolicy(t, fx.packageId, { scope: 'allConfiguredConnectedOrganizationUsers' });
    const r = await adminAdd(t, fx.packageId, policyId, { email: 'bo@fabrikam.test' });
    await t.drain();
    assert.equal((await submit(t.admin, { requestType: 'adminRemove', assignment: { id: await assignmentIdOf(r.body.id) } })).status, 201);
    await t.drain();
    const bo = (await userByEmail('bo@fabrikam.test'))!;
    assert.equal(bo.accountEnabled, 0);
    assert.equal(bo.deleteAfter, null);
    t.clock.advance(400 * DAY);
    await t.drain();
    assert.ok(await userByEmail('bo@fabrikam.test'), 'expected: await userByEmail(\'bo@fabrikam.test\')');

    // an invited guest the directory already had (not governed) keeps its account
    const invited = await t.user({ userType: 'Guest', userPrincipalName: 'cy@fabrikam.test', mail: 'cy@fabrikam.test' });
    const r2 = await adminAdd(t, fx.packageId, policyId, { email: 'cy@fabrikam.test' });
    assert.equal(r2.status, 201, r2.text);
    await t.drain();
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [invited.id]);
    await submit(t.admin, { requestType: 'adminRemove', assignment: { id: await assignmentIdOf(r2.body.id) } });
    await t.drain();
    assert.equal((await userByEmail('cy@fabrikam.test'))!.accountEnabled, 1);
  });

  it('an address outside every connected organization is refused by an organization-scoped policy, and nothing is created', async () => {
    const fx = await makePackage(t, 'Partners only');
    const policyId = await makePolicy(t, fx.packageId, { scope: 'allConfiguredConnectedOrganizationUsers' });
    const before = [await countRows(t, 'users'), await countRows(t, 'assignmentRequests')];
    const r = await adminAdd(t, fx.packageId, policyId, { email: 'eve@unknown-org.test' });
    assert.equal(r.status, 400, r.text);
    const bad = await adminAdd(t, fx.packageId, policyId, { email: 'not an address' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.target, 'assignment.target.email');
    assert.deepEqual([await countRows(t, 'users'), await countRows(t, 'assignmentRequests')], before);
  });
});
