import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EM } from '../support/client.js';
import { addRole, adminAdd, directPolicy, getRequest, makePackage } from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// GET /latchkey/v1/assignments/{id}/resourceRoles: each resource role of an assignment with its delivery
// state and last error (Graph v1.0 has no per-assignment view of resource roles), so an administrator can
// see that existing assignees gained a role added to the package, or why one was not delivered.

interface RoleDelivery {
  resourceRole: { id: string; displayName: string };
  resource: { id: string; displayName: string; originSystem: string };
  state: string;
  lastError: string | null;
  attempts: number;
  deliveredDateTime: string | null;
  willRetryAt: string | null;
}

describe('assignment resource roles (delivery per role)', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  const rolesOf = (client: TestServer['admin'], assignmentId: string) => client.get(`/latchkey/v1/assignments/${assignmentId}/resourceRoles`);

  it('lists each resource role with its delivery state; a role added later shows for existing assignees, a failing one with its error', async () => {
    const u = await t.user();
    const fx = await makePackage(t, 'Per role');
    const policyId = await directPolicy(t, fx.packageId);
    const r = await adminAdd(t, fx.packageId, policyId, { targetId: u.id });
    assert.equal(r.status, 201, r.text);
    await t.drain();
    const assignmentId = (await getRequest(t, r.body.id, '?$expand=assignment')).assignment.id as string;

    let res = await rolesOf(t.admin, assignmentId);
    assert.equal(res.status, 200, res.text);
    let list = res.body.value as RoleDelivery[];
    assert.equal(list.length, 1);
    assert.equal(list[0].resourceRole.displayName, 'Member');
    assert.equal(list[0].resource.displayName, 'Group of Per role');
    assert.equal(list[0].state, 'delivered');
    assert.ok(list[0].deliveredDateTime, 'when it was delivered');
    assert.equal(list[0].lastError, null);

    // a role added to the package reaches the existing assignee; one whose system refuses shows its error
    await addRole(t, fx.catalogId, fx.packageId, 'TestSystem', 'late-ok', 'Writer');
    t.connector.failNext('late-bad');
    await addRole(t, fx.catalogId, fx.packageId, 'TestSystem', 'late-bad', 'Reader');
    await t.drain();
    res = await rolesOf(t.admin, assignmentId);
    list = res.body.value as RoleDelivery[];
    const byResource = new Map(list.map((x) => [x.resource.displayName, x]));
    assert.deepEqual([...byResource.keys()].sort(), ['Group of Per role', 'Test resource late-bad', 'Test resource late-ok'].sort());
    assert.equal(byResource.get('Test resource late-ok')!.state, 'delivered');
    const bad = byResource.get('Test resource late-bad')!;
    assert.notEqual(bad.state, 'delivered');
    assert.match(bad.lastError ?? '', /test system refused/);
    assert.ok(bad.attempts >= 1);
    assert.equal(bad.resource.originSystem, 'TestSystem');
  });

  it('is read with the assignment’s permission: the assignee and catalog readers yes, others no; unknown ids 404', async () => {
    const [u, other] = [await t.user(), await t.user()];
    const fx = await makePackage(t, 'Per role rights');
    const policyId = await directPolicy(t, fx.packageId);
    const r = await adminAdd(t, fx.packageId, policyId, { targetId: u.id });
    await t.drain();
    const assignmentId = (await getRequest(t, r.body.id, '?$expand=assignment')).assignment.id as string;

    assert.equal((await rolesOf(u.client, assignmentId)).status, 200, 'the assignee sees their own');
    const denied = await rolesOf(other.client, assignmentId);
    assert.equal(denied.status, 403, denied.text);
    assert.equal((await rolesOf(t.anonymous, assignmentId)).status, 401);
    const missing = await rolesOf(t.admin, '00000000-0000-4000-8000-000000000000');
    assert.equal(missing.status, 404, missing.text);
    assert.equal((await rolesOf(t.admin, 'not-a-guid')).status, 404);
    // Graph's collection is untouched by the extra
    assert.equal((await t.admin.get(`${EM}/assignments/${assignmentId}`)).status, 200);
  });
});
