import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.js';
import { CORE_GROUP, CORE_USER, filterQuery, PATCH_OP, provisioningClient, type ScimClient } from '../support/scim-provisioning.js';

// Okta's SCIM 2.0 provisioning, replayed: the requests and bodies of Okta's "SCIM 2.0 protocol" reference
// (user and group operations, in its order). Okta updates a user with a PUT of the whole user, (de)activates
// with a path-less replace, sends a password Latchkey must drop, renames a group with a path-less replace
// that carries the id, and removes a member with a value filter.

describe('SCIM: Okta provisioning, as recorded', () => {
  let t: TestServer;
  let okta: ScimClient;
  before(async () => {
    t = await startTestServer();
    okta = await provisioningClient(t, 'Okta');
  });
  after(async () => { await t.close(); });

  it('User operations: the connection test, lookup, create (password dropped), get, PUT, deactivate and reactivate', async () => {
    // "Test Connector Configuration" reads two users
    const probe = await okta.get('/Users?startIndex=1&count=2');
    assert.equal(probe.status, 200);
    assert.equal(probe.body.totalResults, 0);

    const lookup = await okta.get(`/Users?${filterQuery('userName eq "test.user@okta.local"')}&startIndex=1&count=100`);
    assert.deepEqual(lookup.body.Resources, []);

    const password = '1mz050nq';
    const created = await okta.post('/Users', {
      schemas: [CORE_USER],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password,
      active: true,
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    assert.ok(!created.text.includes(password), 'the password is not echoed');
    const row = await t.store.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(row).includes(password), 'nor stored');
    const audit = await t.store.db.selectFrom('auditEvents').selectAll().where('targetId', '=', id).execute();
    assert.ok(!JSON.stringify(audit).includes(password), 'nor audited');

    const got = await okta.get(`/Users/${id}`);
    assert.equal(got.body.userName, 'test.user@okta.local');
    assert.equal(got.body.externalId, '00ujl29u0le5T6Aj10h7');

    const put = await okta.put(`/Users/${id}`, {
      schemas: [CORE_USER],
      id,
      userName: 'test.user@okta.local',
      name: { givenName: 'Another', middleName: '', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Another User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      active: true,
      meta: { resourceType: 'User', created: created.body.meta.created, lastModified: created.body.meta.lastModified },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.name.givenName, 'Another');
    assert.equal(put.body.displayName, 'Another User');
    assert.equal((await t.admin.get(`/v1.0/users/${id}`)).body.givenName, 'Another');

    const off = await okta.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.active, false);
    assert.equal((await t.admin.get(`/v1.0/users/${id}`)).body.accountEnabled, false);
    const on = await okta.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
    assert.equal(on.body.active, true);
    assert.equal((await t.admin.get(`/v1.0/users/${id}`)).body.accountEnabled, true);

    // Okta's profile push of a changed userName: a PUT with the new one
    const moved = await okta.put(`/Users/${id}`, { schemas: [CORE_USER], id, userName: 'test.user2@okta.local', name: { givenName: 'Another', familyName: 'User' }, active: true });
    assert.equal(moved.body.userName, 'test.user2@okta.local');
    assert.equal((await okta.get(`/Users?${filterQuery('userName eq "test.user@okta.local"')}`)).body.totalResults, 0);
  });

  it('Group operations: create, lookup, rename, add and remove members, PUT, delete', async () => {
    const u1 = await okta.post('/Users', { schemas: [CORE_USER], userName: 'g1@okta.local', name: { givenName: 'G', familyName: 'One' }, active: true });
    const u2 = await okta.post('/Users', { schemas: [CORE_USER], userName: 'g2@okta.local', name: { givenName: 'G', familyName: 'Two' }, active: true });
    const created = await okta.post('/Groups', { schemas: [CORE_GROUP], displayName: 'Test SCIMv2', members: [] });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    const found = await okta.get(`/Groups?${filterQuery('displayName eq "Test SCIMv2"')}&startIndex=1&count=100`);
    assert.deepEqual(found.body.Resources.map((g: { id: string }) => g.id), [id]);

    const renamed = await okta.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { id, displayName: 'Test SCIMv2 renamed' } }] });
    assert.equal(renamed.status, 204, renamed.text);
    assert.equal((await okta.get(`/Groups/${id}`)).body.displayName, 'Test SCIMv2 renamed');

    const add = await okta.patch(`/Groups/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: u1.body.id, display: 'g1@okta.local' }, { value: u2.body.id, display: 'g2@okta.local' }] }],
    });
    assert.equal(add.status, 204, add.text);
    const members = async () => ((await t.admin.get(`/v1.0/groups/${id}/members`)).body.value as { id: string }[]).map((m) => m.id).sort();
    assert.deepEqual(await members(), [u1.body.id, u2.body.id].sort());

    const remove = await okta.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${u1.body.id}"]` }] });
    assert.equal(remove.status, 204, remove.text);
    assert.deepEqual(await members(), [u2.body.id]);

    const put = await okta.put(`/Groups/${id}`, { schemas: [CORE_GROUP], id, displayName: 'Test SCIMv2', members: [{ value: u1.body.id, display: 'g1@okta.local' }] });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(await members(), [u1.body.id]);
    assert.equal(put.body.displayName, 'Test SCIMv2');

    assert.equal((await okta.delete(`/Groups/${id}`)).status, 204);
    assert.equal((await t.admin.get(`/v1.0/groups/${id}`)).status, 404);
  });
});
