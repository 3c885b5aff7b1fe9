import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedDemo, DEMO_DOMAIN } from '../../src/demo/seed.js';
import { transitiveGroupIds } from '../../src/store/membership.js';
import { ApiClient, EM } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('demo data', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    // the test server has already made its own administrator; the seed only fills an empty directory
    await t.store.db.deleteFrom('roleAssignments').execute();
    await t.store.db.deleteFrom('apiTokens').execute();
    await t.store.db.deleteFrom('users').execute();
  });
  after(async () => { await t.close(); });

  it('seeds a small company once, usable through the API by its administrator', async () => {
    const r = await seedDemo(t.app.services, t.store.db, t.clock);
    assert.ok(r, 'expected: r');
    assert.ok(r.users >= 30, `${r.users} users`);
    assert.equal(r.packages, 5);
    assert.equal(await seedDemo(t.app.services, t.store.db, t.clock), undefined, 'a second run changes nothing');

    const withManager = await t.store.db.selectFrom('users').select('id').where('managerId', 'is not', null).execute();
    assert.ok(withManager.length >= 25, 'expected: withManager.length >= 25');
    const alan = await t.store.db.selectFrom('users').select('id').where('upnKey', '=', `alan.turing@${DEMO_DOMAIN}`).executeTakeFirstOrThrow();
    const groups = await t.store.db.selectFrom('groups').select(['id', 'displayName']).where('id', 'in', await transitiveGroupIds(t.store.db, alan.id)).execute();
    assert.deepEqual(groups.map((g) => g.displayName).sort(), ['All Employees', 'Backend Team', 'Engineering'], 'nested three levels');

    const { token } = await t.app.services.tokens.create(`admin@${DEMO_DOMAIN}`, 'demo');
    const admin = new ApiClient(t.url, token);
    const pkgs = await admin.get(`${EM}/accessPackages?$expand=resourceRoleScopes($expand=role,scope),catalog&$orderby=displayName`);
    assert.equal(pkgs.status, 200, pkgs.text);
    assert.equal(pkgs.body.value.length, 5);
    const release = pkgs.body.value.find((p: { displayName: string }) => p.displayName === 'Release engineering');
    assert.equal(release.catalog.displayName, 'Engineering');
    assert.deepEqual(release.resourceRoleScopes.map((x: { role: { displayName: string } }) => x.role.displayName), ['Member', 'Member']);
    const hidden = pkgs.body.value.filter((p: { isHidden: boolean }) => p.isHidden).map((p: { displayName: string }) => p.displayName);
    assert.deepEqual(hidden, ['Finance reports (pilot)']);

    // demo policies make the packages requestable: an engineer sees the engineering packages, not the hidden pilot
    const alanToken = (await t.app.services.tokens.create(`alan.turing@${DEMO_DOMAIN}`, 'demo')).token;
    const alanSees = await new ApiClient(t.url, alanToken).get(`${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')?$orderby=displayName`);
    assert.equal(alanSees.status, 200, alanSees.text);
    assert.deepEqual(alanSees.body.value.map((p: { displayName: string }) => p.displayName), ['Production read access', 'Release engineering']);
    const policies = await admin.get(`${EM}/assignmentPolicies?$select=displayName`);
    assert.equal(policies.body.value.length, 7, 'five packages, two with an extra direct-assignment policy');

    const owner = await t.store.db.selectFrom('users').select('id').where('upnKey', '=', `grace.hopper@${DEMO_DOMAIN}`).executeTakeFirstOrThrow();
    const roles = await t.store.db.selectFrom('roleAssignments').select('roleDefinitionId').where('principalId', '=', owner.id).execute();
    assert.equal(roles.length, 1, 'the head of engineering owns the Engineering catalog');
  });
});
