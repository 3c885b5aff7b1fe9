import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoleDefinitionIds as R } from '../../src/domain/authorization.js';
import { newId } from '../../src/domain/ids.js';
import { EM, type ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Documented endpoints that used to answer 404 (issue 10, item 19): each answers with its Graph shape,
// needs the permission it states, and reads through the entity read rules (src/api/read/).

describe('documented navigation routes', () => {
  let t: TestServer;
  let reader: { id: string; client: ApiClient };
  let plain: { id: string; client: ApiClient };
  let catalogId = '';
  let otherCatalog = '';
  let packageId = '';
  let policyId = '';
  let resourceId = '';
  let otherResourceId = '';
  let roleScopeId = '';
  let assignmentId = '';

  const addGroupResource = async (catalog: string): Promise<{ resourceId: string; roleId: string; scopeId: string }> => {
    const g = await t.admin.post('/v1.0/groups', { displayName: `nav group ${newId().slice(0, 8)}` });
    assert.equal(g.status, 201, g.text);
    const r = await t.admin.post(`${EM}/resourceRequests`, { requestType: 'adminAdd', resource: { originId: g.body.id, originSystem: 'AadGroup' }, catalog: { id: catalog } });
    assert.equal(r.status, 201, r.text);
    return { resourceId: r.body.resource.id, roleId: r.body.resource.roles[0].id, scopeId: r.body.resource.scopes[0].id };
  };

  before(async () => {
    t = await startTestServer();
    catalogId = (await t.admin.post(`${EM}/catalogs`, { displayName: 'Nav catalog' })).body.id;
    otherCatalog = (await t.admin.post(`${EM}/catalogs`, { displayName: 'Other catalog' })).body.id;
    reader = await t.user({ displayName: 'Nav reader' });
    plain = await t.user({ displayName: 'Nav plain' });
    await t.grantRole(reader.id, R.catalogReader, catalogId);
    const res = await addGroupResource(catalogId);
    resourceId = res.resourceId;
    otherResourceId = (await addGroupResource(otherCatalog)).resourceId;
    packageId = (await t.admin.post(`${EM}/accessPackages`, { displayName: 'Nav package', catalog: { id: catalogId } })).body.id;
    const rs = await t.admin.post(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, { role: { id: res.roleId }, scope: { id: res.scopeId } });
    assert.equal(rs.status, 201, rs.text);
    roleScopeId = rs.body.id;
    const policy = await t.admin.post(`${EM}/assignmentPolicies`, {
      displayName: 'Nav policy', allowedTargetScope: 'notSpecified', accessPackage: { id: packageId }, expiration: { type: 'noExpiration' },
      questions: [{ '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', text: 'Why?', isRequired: false, sequence: 1, isSingleLineQuestion: true }],
    });
    assert.equal(policy.status, 201, policy.text);
    policyId = policy.body.id;
    const req = await t.admin.post(`${EM}/assignmentRequests`, { requestType: 'adminAdd', assignment: { accessPackageId: packageId, assignmentPolicyId: policyId, targetId: plain.id } });
    assert.equal(req.status, 201, req.text);
    await t.drain();
    assignmentId = (await t.admin.get(`${EM}/assignmentRequests/${req.body.id}?$expand=assignment`)).body.assignment.id;
  });
  after(async () => { await t?.close(); });

  it('lists resources tenant-wide, narrowed to the catalogs the caller reads', async () => {
    const all = await t.admin.get(`${EM}/resources?$expand=roles,scopes`);
    assert.equal(all.status, 200, all.text);
    const ids = all.body.value.map((r: { id: string }) => r.id);
    assert.ok(ids.includes(resourceId) && ids.includes(otherResourceId), 'the administrator sees the resources of every catalog');
    // a group has two roles (Member, Owner) and one scope
    assert.equal(all.body.value.find((r: { id: string }) => r.id === resourceId).roles.length, 2);
    const mine = await reader.client.get(`${EM}/resources`);
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.value.map((r: { id: string }) => r.id), [resourceId]);
    const none = await plain.client.get(`${EM}/resources`);
    assert.equal(none.status, 200);
    assert.deepEqual(none.body.value, []);
  });

  it('lists the roles and scopes of one resource of a catalog', async () => {
    for (const [nav, all] of [['roles', 'resourceRoles'], ['scopes', 'resourceScopes']]) {
      const r = await reader.client.get(`${EM}/catalogs/${catalogId}/resources/${resourceId}/${nav}?$expand=resource`);
      assert.equal(r.status, 200, r.text);
      const expected = await t.admin.get(`${EM}/catalogs/${catalogId}/${all}?$filter=resource/id eq '${resourceId}'`);
      assert.deepEqual(r.body.value.map((x: { id: string }) => x.id).sort(), expected.body.value.map((x: { id: string }) => x.id).sort(), nav);
      assert.ok(r.body.value.length > 0, nav);
      assert.equal(r.body.value[0].resource.id, resourceId);
      assert.equal((await plain.client.get(`${EM}/catalogs/${catalogId}/resources/${resourceId}/${nav}`)).status, 403);
      // a resource of another catalog is not found under this one
      assert.equal((await reader.client.get(`${EM}/catalogs/${catalogId}/resources/${otherResourceId}/${nav}`)).status, 404);
    }
  });

  it('lists resource role scopes tenant-wide for catalog readers only', async () => {
    const r = await reader.client.get(`${EM}/resourceRoleScopes?$expand=role,scope`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.value.map((x: { id: string }) => x.id), [roleScopeId]);
    assert.ok(r.body.value[0].role.id && r.body.value[0].scope.id);
    assert.deepEqual((await plain.client.get(`${EM}/resourceRoleScopes`)).body.value, []);
  });

  it('lists resource environments (none) for catalog readers, and refuses others', async () => {
    const r = await reader.client.get(`${EM}/resourceEnvironments`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.value, []);
    assert.equal((await plain.client.get(`${EM}/resourceEnvironments`)).status, 403);
  });

  it('lists the assignment policies of a package and the questions of a policy', async () => {
    const r = await reader.client.get(`${EM}/accessPackages/${packageId}/assignmentPolicies`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.value.map((p: { id: string }) => p.id), [policyId]);
    assert.equal((await plain.client.get(`${EM}/accessPackages/${packageId}/assignmentPolicies`)).status, 403);
    const q = await reader.client.get(`${EM}/assignmentPolicies/${policyId}/questions`);
    assert.equal(q.status, 200, q.text);
    assert.equal(q.body.value.length, 1);
    assert.equal(q.body.value[0].text, 'Why?');
    // plainUser holds an assignment under this policy, so may read it (and its questions); a stranger may not
    assert.equal((await plain.client.get(`${EM}/assignmentPolicies/${policyId}/questions`)).status, 200);
    const stranger = await t.user();
    assert.equal((await stranger.client.get(`${EM}/assignmentPolicies/${policyId}/questions`)).status, 403);
  });

  it('gets the access package of an assignment for whoever may read both', async () => {
    const r = await plain.client.get(`${EM}/assignments/${assignmentId}/accessPackage`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, packageId);
    assert.equal((await reader.client.get(`${EM}/assignments/${assignmentId}/accessPackage`)).status, 403, 'a catalog reader does not read assignments');
    assert.equal((await t.admin.get(`${EM}/assignments/${newId()}/accessPackage`)).status, 404);
  });

  it("reads and marks subjects(objectId='…')", async () => {
    const guest = await t.user({ displayName: 'Nav guest', userType: 'Guest' });
    const self = await plain.client.get(`${EM}/subjects(objectId='${plain.id}')`);
    assert.equal(self.status, 200, self.text);
    assert.equal(self.body.objectId, plain.id);
    assert.equal(self.body.subjectType, 'user');
    assert.equal(self.body.subjectLifecycle, 'notDefined');
    // a plain user may not look up other people; a catalog role brings directory.read
    assert.equal((await plain.client.get(`${EM}/subjects(objectId='${guest.id}')`)).status, 403);
    const g = await reader.client.get(`${EM}/subjects(objectId=%27${guest.id}%27)`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.body.subjectLifecycle, 'notGoverned');
    assert.equal((await t.admin.get(`${EM}/subjects(objectId='${newId()}')`)).status, 404);

    // marking is the administrator's, for external users only
    assert.equal((await reader.client.patch(`${EM}/subjects(objectId='${guest.id}')`, { subjectLifecycle: 'governed' })).status, 403);
    assert.equal((await t.admin.patch(`${EM}/subjects(objectId='${guest.id}')`, { subjectLifecycle: 'Governed' })).status, 204);
    assert.equal((await t.admin.get(`${EM}/subjects(objectId='${guest.id}')`)).body.subjectLifecycle, 'governed');
    const member = await t.admin.patch(`${EM}/subjects(objectId='${plain.id}')`, { subjectLifecycle: 'governed' });
    assert.equal(member.status, 400, member.text);
    assert.equal((await t.admin.patch(`${EM}/subjects(objectId='${guest.id}')`, { subjectLifecycle: 'sometimes' })).status, 400);
    const audit = await t.admin.get(`/v1.0/auditLogs/directoryAudits?$filter=targetResources/id eq '${guest.id}'`);
    assert.equal(audit.status, 200, audit.text);
    assert.ok(audit.text.includes('subjectLifecycle'), 'the change is audited');
  });

  // the navigation maps are declared in the read modules (src/api/read/): an unknown $expand names them all, in the same order as before
  it('names every navigation property of catalogs and packages when an $expand is unknown', async () => {
    const catalog = await t.admin.get(`${EM}/catalogs/${catalogId}?$expand=nope`);
    assert.equal(catalog.status, 400, catalog.text);
    assert.match(catalog.body.error.message, /use one of: resources, resourceRoles, resourceScopes, accessPackages\./);
    const pkg = await t.admin.get(`${EM}/accessPackages/${packageId}?$expand=nope`);
    assert.equal(pkg.status, 400, pkg.text);
    assert.match(pkg.body.error.message, /use one of: catalog, resourceRoleScopes, incompatibleAccessPackages, accessPackagesIncompatibleWith, incompatibleGroups, assignmentPolicies\./);
  });
});
