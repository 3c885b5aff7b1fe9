import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.js';
import { CORE_GROUP, CORE_USER, ENTERPRISE, filterQuery, PATCH_OP, provisioningClient, type ScimClient } from '../support/scim-provisioning.js';

// Microsoft Entra provisioning, replayed: the request sequence and bodies of Microsoft's "Develop and plan
// provisioning for a SCIM endpoint" (its User and Group operations, in order), and the shapes its
// "Known issues with SCIM 2.0 protocol compliance" page says Entra sends: `op` capitalised, booleans as
// strings ("False"), PATCH without a path whose value object has path keys, members removed by a value
// list, the manager as a bare id. Ids and names are the document's, with a domain added to userName
// (Latchkey's userName is a sign-in name, name@domain, as Entra's default mapping of userPrincipalName sends).

describe('SCIM: Microsoft Entra provisioning, as recorded', () => {
  let t: TestServer;
  let entra: ScimClient;
  before(async () => {
    t = await startTestServer();
    entra = await provisioningClient(t, 'Microsoft Entra ID');
  });
  after(async () => { await t.close(); });

  const events = async (id: string) => t.store.db.selectFrom('auditEvents').select(['activity', 'modifiedProperties', 'actorDisplayName']).where('targetId', '=', id).execute();

  it('User operations: query, create, get, query again, patch multi- and single-valued, disable, delete', async () => {
    const userName = 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@testuser.com';
    // Entra queries before it creates
    const none = await entra.get(`/Users?${filterQuery(`userName eq "${userName}"`)}`);
    assert.equal(none.status, 200);
    assert.deepEqual(none.body, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });

    const created = await entra.post('/Users', {
      schemas: [CORE_USER, ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName,
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    assert.equal(created.body.userName, userName);
    assert.equal(created.body.externalId, '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef');
    assert.equal(created.body.displayName, 'givenName familyName', 'no displayName: the formatted name');
    assert.equal(created.body.active, true);

    const got = await entra.get(`/Users/${id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.emails[0].value, 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com');
    const found = await entra.get(`/Users?${filterQuery(`userName eq "${userName}"`)}`);
    assert.equal(found.body.totalResults, 1);
    assert.equal(found.body.Resources[0].id, id);
    const byExternal = await entra.get(`/Users?${filterQuery('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')}`);
    assert.equal(byExternal.body.Resources[0].id, id);
    const byWorkMail = await entra.get(`/Users?${filterQuery('emails[type eq "work"].value eq "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"')}`);
    assert.equal(byWorkMail.body.Resources[0].id, id);

    // [Multi-valued properties]
    const multi = await entra.patch(`/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ],
    });
    assert.equal(multi.status, 200, multi.text);
    assert.equal(multi.body.emails[0].value, 'updatedEmail@microsoft.com');
    assert.equal(multi.body.name.familyName, 'updatedFamilyName');
    const graph = await t.admin.get(`/v1.0/users/${id}`);
    assert.equal(graph.body.mail, 'updatedEmail@microsoft.com');
    assert.equal(graph.body.surname, 'updatedFamilyName');

    // [Single-valued properties]
    const renamed = await entra.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }] });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.userName, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    assert.equal((await t.admin.get(`/v1.0/users/${id}`)).body.userPrincipalName, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');

    // Disable User
    const disabled = await entra.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: false }] });
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.active, false);
    // the validator's check: a GET and a filter on a disabled user still show it, with active
    const again = await entra.get(`/Users?${filterQuery('userName eq "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"')}`);
    assert.equal(again.body.Resources[0].active, false);
    const updates = (await events(id)).filter((e) => e.activity === 'Update user');
    assert.ok(updates.some((e) => JSON.parse(e.modifiedProperties).some((p: { displayName: string; newValue: unknown }) => p.displayName === 'accountEnabled' && p.newValue === false)), JSON.stringify(updates));
    assert.ok(updates.every((e) => e.actorDisplayName === 'SCIM: Microsoft Entra ID'));

    const deleted = await entra.delete(`/Users/${id}`);
    assert.equal(deleted.status, 204);
    assert.equal((await entra.get(`/Users/${id}`)).status, 404);
    assert.equal((await t.admin.get(`/v1.0/users/${id}`)).status, 404);
  });

  it("the document's userName without a domain is refused with 400 invalidValue (Latchkey's userName is a sign-in name)", async () => {
    const r = await entra.post('/Users', { schemas: [CORE_USER], userName: 'Test_User_dfeef4c5-5681-4387-b016-bdf221e82081', active: true });
    assert.equal(r.status, 400);
    assert.equal(r.body.scimType, 'invalidValue');
    assert.match(r.body.detail, /name@domain/);
  });

  it('what Entra sends outside the RFC: "False" as a boolean, path-less values with path keys, the manager as a bare id', async () => {
    const boss = await entra.post('/Users', { schemas: [CORE_USER], userName: 'boss@contoso.test', active: 'True', displayName: 'Boss' });
    assert.equal(boss.status, 201, boss.text);
    assert.equal(boss.body.active, true);
    const u = await entra.post('/Users', { schemas: [CORE_USER, ENTERPRISE], userName: 'worker@contoso.test', active: true, displayName: 'Worker' });
    assert.equal(u.status, 201);

    const r = await entra.patch(`/Users/${u.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{
        op: 'Add',
        value: {
          'emails[type eq "work"].value': 'worker.mail@contoso.test',
          'name.givenName': 'Wendy',
          'name.familyName': 'Worker',
          title: 'Clerk',
          [`${ENTERPRISE}:department`]: 'Sales',
          [`${ENTERPRISE}:employeeNumber`]: 'E-1001',
          [`${ENTERPRISE}:manager`]: boss.body.id,
        },
      }],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.emails[0].value, 'worker.mail@contoso.test');
    assert.equal(r.body.name.givenName, 'Wendy');
    assert.equal(r.body.title, 'Clerk');
    assert.equal(r.body[ENTERPRISE].department, 'Sales');
    assert.equal(r.body[ENTERPRISE].employeeNumber, 'E-1001');
    assert.equal(r.body[ENTERPRISE].manager.value, boss.body.id);
    const graph = await t.admin.get(`/v1.0/users/${u.body.id}?$expand=manager`);
    assert.equal(graph.body.department, 'Sales');
    assert.equal(graph.body.manager.id, boss.body.id);

    // the manager removed with the value it had, on the attribute's bare name
    const noBoss = await entra.patch(`/Users/${u.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'manager', value: [{ $ref: null, value: boss.body.id }] }] });
    assert.equal(noBoss.status, 200, noBoss.text);
    assert.equal(noBoss.body[ENTERPRISE].manager, undefined);

    const off = await entra.patch(`/Users/${u.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.active, false);
    assert.equal((await t.admin.get(`/v1.0/users/${u.body.id}`)).body.accountEnabled, false);
    const on = await entra.patch(`/Users/${u.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: 'True' } }] });
    assert.equal(on.body.active, true);
  });

  it('an update as an Entra tenant sent it (Microsoft Q&A 1684621): a custom extension on create, then Add on a filtered single-valued path', async () => {
    // the create carries meta and an extension schema Latchkey does not know: both are ignored, not refused
    const created = await entra.post('/Users', {
      schemas: [CORE_USER, ENTERPRISE], userName: 'joe.tester@testaccount.onmicrosoft.com', active: true,
      emails: [{ primary: true, type: 'work', value: 'joe@joe.example' }], meta: { resourceType: 'User' },
      name: { familyName: 'TestLastName1', givenName: 'joe' }, title: 'scim tester',
      'urn:ietf:params:scim:schemas:extension:custom:2.0:User': { employeeNumber: '99887766', worksiteId: '180' },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    // Entra sends Add (not Replace) for a changed work email, on the filtered path of its value
    const r = await entra.patch(`/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'title', value: 'tester' }, { op: 'Add', path: 'emails[type eq "work"].value', value: 'joe.new@joe.example' }],
    });
    assert.ok(r.status === 200 || r.status === 204, r.text);
    const user = await t.admin.get(`/v1.0/users/${id}?$select=mail,jobTitle`);
    assert.equal(user.body.mail, 'joe.new@joe.example', 'the Add replaced the one work email');
    assert.equal(user.body.jobTitle, 'tester');
    const got = await entra.get(`/Users/${id}`);
    assert.deepEqual(got.body.emails.filter((e: { type?: string }) => e.type === 'work').map((e: { value: string }) => e.value), ['joe.new@joe.example'], 'one work email, not two');
  });

  it('Group operations: create, get and query without members, rename, add and remove a member, delete', async () => {
    const member = await entra.post('/Users', { schemas: [CORE_USER], userName: 'member.one@contoso.test', active: true });
    const created = await entra.post('/Groups', {
      schemas: [CORE_GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body.members, []);
    const id = created.body.id;

    const got = await entra.get(`/Groups/${id}?excludedAttributes=members`);
    assert.equal(got.status, 200);
    assert.equal(got.body.displayName, 'displayName');
    assert.equal(got.body.members, undefined);
    const byName = await entra.get(`/Groups?excludedAttributes=members&${filterQuery('displayName eq "displayName"')}`);
    assert.equal(byName.body.totalResults, 1);
    assert.equal(byName.body.Resources[0].id, id);

    const renamed = await entra.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }] });
    assert.equal(renamed.status, 204, renamed.text);
    assert.equal((await t.admin.get(`/v1.0/groups/${id}`)).body.displayName, '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');

    const added = await entra.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: member.body.id }] }] });
    assert.equal(added.status, 204, added.text);
    const members = await t.admin.get(`/v1.0/groups/${id}/members`);
    assert.deepEqual(members.body.value.map((m: { id: string }) => m.id), [member.body.id]);
    const withMember = await entra.get(`/Groups?${filterQuery(`members[value eq "${member.body.id}"]`)}&excludedAttributes=members`);
    assert.equal(withMember.body.Resources[0].id, id);

    const removed = await entra.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: member.body.id }] }] });
    assert.equal(removed.status, 204, removed.text);
    assert.deepEqual((await t.admin.get(`/v1.0/groups/${id}/members`)).body.value, []);
    const acts = (await events(id)).map((e) => e.activity).sort();
    assert.deepEqual(acts, ['Add group', 'Add member to group', 'Remove member from group', 'Update group']);

    assert.equal((await entra.delete(`/Groups/${id}`)).status, 204);
    assert.equal((await entra.get(`/Groups/${id}`)).status, 404);
  });
});
