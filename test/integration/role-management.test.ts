import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { newId } from '../../src/domain/ids.js';
import { EM } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const RM = '/v1.0/roleManagement/entitlementManagement';
const R = RoleDefinitionIds;
const scope = (catalogId: string) => `/AccessPackageCatalog/${catalogId}`;

async function makeGroup(t: TestServer, displayName: string, members: { id: string; type: 'user' | 'group' }[] = []): Promise<string> {
  const id = newId();
  const at = t.clock.now().toISOString();
  await t.store.db.insertInto('groups').values({ id, displayName, description: null, mail: null, mailNickname: null, mailEnabled: 0, securityEnabled: 1, createdAt: at, modifiedAt: at }).execute();
  for (const m of members) await t.store.db.insertInto('groupMembers').values({ groupId: id, memberId: m.id, memberType: m.type, createdAt: at }).execute();
  return id;
}

describe('role management', () => {
  let t: TestServer;
  let catA: string;
  let catB: string;
  before(async () => {
    t = await startTestServer();
    catA = (await t.admin.post(`${EM}/catalogs`, { displayName: 'Catalog A' })).body.id;
    catB = (await t.admin.post(`${EM}/catalogs`, { displayName: 'Catalog B' })).body.id;
  });
  after(async () => { await t.close(); });

  it('lists and gets role definitions as unifiedRoleDefinition, with $filter and $select', async () => {
    const all = await t.admin.get(`${RM}/roleDefinitions`);
    assert.equal(all.status, 200);
    assert.equal(all.body.value.length, 7);
    const owner = all.body.value.find((d: { id: string }) => d.id === R.catalogOwner);
    assert.deepEqual(owner, {
      id: R.catalogOwner, displayName: 'Catalog owner', description: owner.description, isBuiltIn: true, isEnabled: true, templateId: R.catalogOwner, rolePermissions: [],
    });
    const eq = await t.admin.get(`${RM}/roleDefinitions?$filter=displayName eq 'Catalog reader'&$select=displayName`);
    assert.deepEqual(eq.body.value, [{ id: R.catalogReader, displayName: 'Catalog reader' }]);
    const sw = await t.admin.get(`${RM}/roleDefinitions?$filter=startswith(displayName,'access package')&$orderby=displayName&$count=true`);
    assert.deepEqual(sw.body.value.map((d: { displayName: string }) => d.displayName), ['Access package assignment manager', 'Access package manager']);
    assert.equal(sw.body['@odata.count'], 2);
    const byId = await t.admin.get(`${RM}/roleDefinitions?$filter=id eq '${R.catalogCreator.toUpperCase()}' or id in ('${R.administrator}')`);
    assert.deepEqual(byId.body.value.map((d: { id: string }) => d.id).sort(), [R.administrator, R.catalogCreator].sort());
    const paged = await t.admin.get(`${RM}/roleDefinitions?$top=5`);
    assert.equal(paged.body.value.length, 5);
    const rest = await t.admin.get(paged.body['@odata.nextLink'].replace(t.url, ''));
    assert.equal(rest.body.value.length, 2);
    assert.equal((await t.admin.get(`${RM}/roleDefinitions?$filter=colour eq 'red'`)).status, 400);

    const one = await t.admin.get(`${RM}/roleDefinitions/${R.catalogOwner}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, owner);
    // the short id printed in some documentation resolves to the connected organization administrator
    const alias = await t.admin.get(`${RM}/roleDefinitions/e65cf63f-9cc2-4b48-8871-cb667e9d90f`);
    assert.equal(alias.body.id, R.connectedOrganizationAdministrator);
    assert.equal((await t.admin.get(`${RM}/roleDefinitions/${newId()}`)).status, 404);
  });

  it('creates, filters, expands and deletes a catalog role assignment, with audit events', async () => {
    const alice = await t.user({ displayName: 'Alice Reader' });
    const c = await t.admin.post(`${RM}/roleAssignments`, { principalId: alice.id, roleDefinitionId: R.catalogReader, appScopeId: scope(catA) });
    assert.equal(c.status, 201, c.text);
    assert.deepEqual(c.body, { id: c.body.id, principalId: alice.id, roleDefinitionId: R.catalogReader, appScopeId: scope(catA), directoryScopeId: '/', condition: null });
    assert.equal(c.headers.get('location'), `${RM}/roleAssignments/${c.body.id}`);

    // the new role takes effect at once
    assert.equal((await alice.client.get(`${EM}/catalogs/${catA}`)).status, 200);
    assert.equal((await alice.client.get(`${EM}/catalogs/${catB}`)).status, 403);

    const filtered = await t.admin.get(`${RM}/roleAssignments?$filter=roleDefinitionId eq '${R.catalogReader}' and appScopeId eq '${scope(catA)}'&$expand=principal,roleDefinition,appScope`);
    assert.equal(filtered.status, 200, filtered.text);
    assert.equal(filtered.body.value.length, 1);
    const got = filtered.body.value[0];
    assert.equal(got.id, c.body.id);
    assert.deepEqual(got.principal, { '@odata.type': '#microsoft.graph.user', id: alice.id, displayName: 'Alice Reader', userPrincipalName: alice.upn, mail: alice.upn });
    assert.equal(got.roleDefinition.displayName, 'Catalog reader');
    assert.deepEqual(got.appScope, { id: scope(catA), displayName: 'Catalog A', type: 'AccessPackageCatalog' });
    const byPrincipal = await t.admin.get(`${RM}/roleAssignments?$filter=principalId eq '${alice.id}'&$expand=principal($select=displayName)`);
    assert.deepEqual(byPrincipal.body.value.map((a: { id: string }) => a.id), [c.body.id]);
    assert.deepEqual(byPrincipal.body.value[0].principal, { '@odata.type': '#microsoft.graph.user', id: alice.id, displayName: 'Alice Reader' });

    const one = await t.admin.get(`${RM}/roleAssignments/${c.body.id}?$expand=roleDefinition`);
    assert.equal(one.status, 200);
    assert.equal(one.body.roleDefinition.id, R.catalogReader);

    const dup = await t.admin.post(`${RM}/roleAssignments`, { principalId: alice.id, roleDefinitionId: R.catalogReader, appScopeId: scope(catA.toUpperCase()) });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'RoleAssignmentExists');

    assert.equal((await t.admin.delete(`${RM}/roleAssignments/${c.body.id}`)).status, 204);
    assert.equal((await t.admin.get(`${RM}/roleAssignments/${c.body.id}`)).status, 404);
    assert.equal((await t.admin.delete(`${RM}/roleAssignments/${c.body.id}`)).status, 404);
    assert.equal((await alice.client.get(`${EM}/catalogs/${catA}`)).status, 403, 'the role is gone');

    const events = await t.store.db.selectFrom('auditEvents').selectAll().where('targetId', '=', c.body.id).orderBy('occurredAt').orderBy('activity').execute();
    assert.deepEqual(events.map((e) => [e.activity, e.category]).sort(), [['Add role assignment', 'RoleManagement'], ['Remove role assignment', 'RoleManagement']]);
    const added = events.find((e) => e.activity === 'Add role assignment')!;
    assert.deepEqual(JSON.parse(added.modifiedProperties), [
      { displayName: 'principalId', oldValue: null, newValue: alice.id },
      { displayName: 'roleDefinitionId', oldValue: null, newValue: R.catalogReader },
      { displayName: 'appScopeId', oldValue: null, newValue: scope(catA) },
    ]);
    assert.equal(added.actorId, t.adminId);
  });

  it('validates the body, naming the field, and writes nothing on failure', async () => {
    const bob = await t.user();
    const count = async () => (await t.store.db.selectFrom('roleAssignments').select('id').execute()).length;
    const before = await count();
    const cases: [unknown, number, string, RegExp?][] = [
      [{ principalId: bob.id, roleDefinitionId: newId(), appScopeId: '/' }, 400, 'roleDefinitionId'],
      [{ principalId: newId(), roleDefinitionId: R.catalogReader, appScopeId: scope(catA) }, 404, 'principalId'],
      [{ principalId: 'bob', roleDefinitionId: R.catalogReader, appScopeId: scope(catA) }, 400, 'principalId'],
      [{ principalId: bob.id, roleDefinitionId: R.catalogCreator, appScopeId: scope(catA) }, 400, 'appScopeId', /tenant-wide role/],
      [{ principalId: bob.id, roleDefinitionId: R.catalogOwner, appScopeId: '/' }, 400, 'appScopeId', /catalog role/],
      [{ principalId: bob.id, roleDefinitionId: R.catalogOwner, appScopeId: scope(newId()) }, 400, 'appScopeId', /does not exist/],
      [{ principalId: bob.id, roleDefinitionId: R.catalogOwner }, 400, 'appScopeId', /required/],
      [{ principalId: bob.id, roleDefinitionId: R.catalogCreator, directoryScopeId: '/administrativeUnits/x' }, 400, 'directoryScopeId'],
      [{ roleDefinitionId: R.catalogOwner, appScopeId: scope(catA) }, 400, 'principalId'],
      [{ principalId: bob.id, roleDefinitionId: R.catalogOwner, appScopeId: scope(catA), colour: 'red' }, 400, 'colour'],
    ];
    for (const [body, status, target, message] of cases) {
      const r = await t.admin.post(`${RM}/roleAssignments`, body);
      assert.equal(r.status, status, `${JSON.stringify(body)} → ${r.text}`);
      assert.equal(r.body.error.target, target, r.text);
      if (message) assert.match(r.body.error.message, message);
    }
    assert.equal(await count(), before);

    // the older directoryScopeId form and the short role id alias are accepted, stored canonically
    const legacy = await t.admin.post(`${RM}/roleAssignments`, { principalId: bob.id, roleDefinitionId: 'e65cf63f-9cc2-4b48-8871-cb667e9d90f', directoryScopeId: '/' });
    assert.equal(legacy.status, 201, legacy.text);
    assert.equal(legacy.body.roleDefinitionId, R.connectedOrganizationAdministrator);
    assert.equal(legacy.body.appScopeId, '/');
    assert.equal((await bob.client.get(`${EM}/connectedOrganizations`)).status, 200, 'the tenant role works');
  });

  it('lets a catalog owner assign catalog roles in their own catalog only, and never tenant roles', async () => {
    const owner = await t.user({ displayName: 'Olivia Owner' });
    await t.grantRole(owner.id, R.catalogOwner, catA);
    const carol = await t.user({ displayName: 'Carol' });

    const inA = await owner.client.post(`${RM}/roleAssignments`, { principalId: carol.id, roleDefinitionId: R.catalogReader, appScopeId: scope(catA) });
    assert.equal(inA.status, 201, inA.text);
    const inB = await owner.client.post(`${RM}/roleAssignments`, { principalId: carol.id, roleDefinitionId: R.catalogReader, appScopeId: scope(catB) });
    assert.equal(inB.status, 403);
    const missingCatalog = await owner.client.post(`${RM}/roleAssignments`, { principalId: carol.id, roleDefinitionId: R.catalogReader, appScopeId: scope(newId()) });
    assert.equal(missingCatalog.status, 403, 'an unknown catalog looks like any catalog the caller does not own');
    const tenant = await owner.client.post(`${RM}/roleAssignments`, { principalId: carol.id, roleDefinitionId: R.catalogCreator, appScopeId: '/' });
    assert.equal(tenant.status, 403);
    const admin = await owner.client.post(`${RM}/roleAssignments`, { principalId: owner.id, roleDefinitionId: R.administrator, appScopeId: '/' });
    assert.equal(admin.status, 403, 'no escalation to administrator');

    // visibility: the owner sees catalog A's assignments and their own, nothing of catalog B
    const inBByAdmin = await t.admin.post(`${RM}/roleAssignments`, { principalId: carol.id, roleDefinitionId: R.catalogReader, appScopeId: scope(catB) });
    assert.equal(inBByAdmin.status, 201);
    const list = await owner.client.get(`${RM}/roleAssignments?$top=999`);
    assert.equal(list.status, 200);
    const scopes = new Set(list.body.value.map((a: { appScopeId: string }) => a.appScopeId));
    assert.deepEqual([...scopes], [scope(catA)]);
    assert.ok(list.body.value.some((a: { id: string }) => a.id === inA.body.id), 'expected: list.body.value.some((a: { id: string }) => a.id === inA.body.id)');
    assert.ok(list.body.value.some((a: { principalId: string }) => a.principalId === owner.id), 'expected: list.body.value.some((a: { principalId: string }) => a.principalId === owner.id)');
    assert.equal((await owner.client.get(`${RM}/roleAssignments/${inBByAdmin.body.id}`)).status, 403);
    assert.equal((await owner.client.delete(`${RM}/roleAssignments/${inBByAdmin.body.id}`)).status, 403);

    // carol, a reader in A and B, sees the assignments of both catalogs (and nothing tenant-wide)
    const carolList = await carol.client.get(`${RM}/roleAssignments`);
    const carolIds = carolList.body.value.map((a: { id: string }) => a.id);
    assert.ok(carolIds.includes(inA.body.id) && carolIds.includes(inBByAdmin.body.id), 'expected: carolIds.includes(inA.body.id) && carolIds.includes(inBByAdmin.body.id)');
    assert.ok(carolList.body.value.every((a: { appScopeId: string }) => a.appScopeId === scope(catA) || a.appScopeId === scope(catB)), 'expected: carolList.body.value.every((a: { appScopeId: string }) => a.appScopeId === scope(catA) || a.appScope');

    const plain = await t.user();
    const plainList = await plain.client.get(`${RM}/roleAssignments`);
    assert.deepEqual(plainList.body.value, []);
    assert.equal((await plain.client.post(`${RM}/roleAssignments`, { principalId: plain.id, roleDefinitionId: R.catalogReader, appScopeId: scope(catA) })).status, 403);
    assert.equal((await plain.client.delete(`${RM}/roleAssignments/${inA.body.id}`)).status, 403);
    assert.equal((await plain.client.get(`${RM}/roleAssignments/${inA.body.id}`)).status, 403);

    const orgAdmin = await t.user();
    await t.grantRole(orgAdmin.id, R.connectedOrganizationAdministrator);
    assert.equal((await orgAdmin.client.post(`${RM}/roleAssignments`, { principalId: plain.id, roleDefinitionId: R.catalogReader, appScopeId: scope(catA) })).status, 403);
    assert.equal((await orgAdmin.client.post(`${RM}/roleAssignments`, { principalId: plain.id, roleDefinitionId: R.connectedOrganizationAdministrator, appScopeId: '/' })).status, 403);

    // the owner removes what they gave
    assert.equal((await owner.client.delete(`${RM}/roleAssignments/${inA.body.id}`)).status, 204);
  });

  it('gives a role assigned to a group to its nested members', async () => {
    const dana = await t.user({ displayName: 'Dana Nested' });
    const inner = await makeGroup(t, 'Inner', [{ id: dana.id, type: 'user' }]);
    const outer = await makeGroup(t, 'Outer', [{ id: inner, type: 'group' }]);
    assert.equal((await dana.client.patch(`${EM}/catalogs/${catB}`, { description: 'by dana' })).status, 403);

    const a = await t.admin.post(`${RM}/roleAssignments`, { principalId: outer, roleDefinitionId: R.catalogOwner, appScopeId: scope(catB) });
    assert.equal(a.status, 201, a.text);
    const expanded = await t.admin.get(`${RM}/roleAssignments/${a.body.id}?$expand=principal`);
    assert.deepEqual(expanded.body.principal, { '@odata.type': '#microsoft.graph.group', id: outer, displayName: 'Outer', mail: null });

    assert.equal((await dana.client.patch(`${EM}/catalogs/${catB}`, { description: 'by dana' })).status, 204);
    // the assignment applies to dana, so dana sees it
    const mine = await dana.client.get(`${RM}/roleAssignments?$filter=principalId eq '${outer}'`);
    assert.deepEqual(mine.body.value.map((x: { id: string }) => x.id), [a.body.id]);

    assert.equal((await t.admin.delete(`${RM}/roleAssignments/${a.body.id}`)).status, 204);
    assert.equal((await dana.client.patch(`${EM}/catalogs/${catB}`, { description: 'again' })).status, 403);
  });
});

describe('role management: the last administrator', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  const adminAssignments = async (client: TestServer['admin']) =>
    (await client.get(`/v1.0/roleManagement/entitlementManagement/roleAssignments?$filter=roleDefinitionId eq '${R.administrator}'`)).body.value as { id: string; principalId: string }[];

  it('cannot remove the last administrator, and can once another enabled administrator exists', async () => {
    const [own] = (await adminAssignments(t.admin)).filter((a) => a.principalId === t.adminId);
    const refused = await t.admin.delete(`${RM}/roleAssignments/${own.id}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'LastAdministrator');

    // an administrator assignment held by a disabled user does not count
    const disabled = await t.user({ accountEnabled: false });
    assert.equal((await t.admin.post(`${RM}/roleAssignments`, { principalId: disabled.id, roleDefinitionId: R.administrator, appScopeId: '/' })).status, 201);
    assert.equal((await t.admin.delete(`${RM}/roleAssignments/${own.id}`)).status, 409);

    // an enabled user holding the role through a nested group does
    const erin = await t.user({ displayName: 'Erin Admin' });
    const inner = await makeGroup(t, 'Admins inner', [{ id: erin.id, type: 'user' }]);
    const admins = await makeGroup(t, 'Admins', [{ id: inner, type: 'group' }]);
    const viaGroup = await t.admin.post(`${RM}/roleAssignments`, { principalId: admins, roleDefinitionId: R.administrator, appScopeId: '/' });
    assert.equal(viaGroup.status, 201);
    assert.equal((await t.admin.delete(`${RM}/roleAssignments/${own.id}`)).status, 204);
    assert.equal((await t.admin.get(`${RM}/roleAssignments`)).body.value.length, 0, 'no longer an administrator: sees only its own (none)');

    // erin is now the last effective administrator (the disabled user does not count)
    const refusedAgain = await erin.client.delete(`${RM}/roleAssignments/${viaGroup.body.id}`);
    assert.equal(refusedAgain.status, 409);
    const left = await adminAssignments(erin.client);
    assert.deepEqual(left.map((a) => a.principalId).sort(), [admins, disabled.id].sort());
  });
});

