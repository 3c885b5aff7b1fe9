import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EM } from '../support/client.js';
import { makeOrg, makePackage, makePolicy } from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// "External users allowed: No" on a catalog (isExternallyVisible false) is enforced: no policy of its
// packages may be for connected organizations or all external users, by any path (create, PUT, PATCH), and
// the catalog cannot be switched to No while such policies exist (409 naming them).

const EXTERNAL = (t: TestServer, orgId: string) => [
  { allowedTargetScope: 'specificConnectedOrganizationUsers', specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.connectedOrganizationMembers', connectedOrganizationId: orgId }] },
  { allowedTargetScope: 'allConfiguredConnectedOrganizationUsers', specificAllowedTargets: [] },
  { allowedTargetScope: 'AllExternalUsers', specificAllowedTargets: [] },
] as const;

describe('catalogs closed to external users', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  const body = (packageId: string, scope: Record<string, unknown>) => ({
    displayName: `External ${scope.allowedTargetScope}`, accessPackage: { id: packageId }, expiration: { type: 'noExpiration' },
    requestorSettings: { enableTargetsToSelfAddAccess: true }, ...scope,
  });

  it('a policy for external users is refused (400 naming allowedTargetScope) on create, PUT and PATCH', async () => {
    const orgId = await makeOrg(t, 'closed.example');
    const fx = await makePackage(t, 'Internal only');
    assert.equal((await t.admin.patch(`${EM}/catalogs/${fx.catalogId}`, { isExternallyVisible: false })).status, 204);
    for (const scope of EXTERNAL(t, orgId)) {
      const r = await t.admin.post(`${EM}/assignmentPolicies`, body(fx.packageId, scope));
      assert.equal(r.status, 400, `${scope.allowedTargetScope}: ${r.text}`);
      assert.equal(r.body.error.target, 'allowedTargetScope');
      assert.match(r.body.error.message, /not open to external users/);
    }
    const internal = await makePolicy(t, fx.packageId, { scope: 'allMemberUsers' });
    const patched = await t.admin.patch(`${EM}/assignmentPolicies/${internal}`, { allowedTargetScope: 'allExternalUsers' });
    assert.equal(patched.status, 400, patched.text);
    assert.equal(patched.body.error.target, 'allowedTargetScope');
    const put = await t.admin.put(`${EM}/assignmentPolicies/${internal}`, body(fx.packageId, EXTERNAL(t, orgId)[1]));
    assert.equal(put.status, 400, put.text);
    // internal scopes are fine
    const ok = await t.admin.post(`${EM}/assignmentPolicies`, body(fx.packageId, { allowedTargetScope: 'allDirectoryUsers', specificAllowedTargets: [] }));
    assert.equal(ok.status, 201, ok.text);
  });

  it('switching a catalog to No while external policies exist is a 409 naming them; once they are gone it goes through', async () => {
    const fx = await makePackage(t, 'Was external');
    const ext = await t.admin.post(`${EM}/assignmentPolicies`, body(fx.packageId, { allowedTargetScope: 'allExternalUsers', specificAllowedTargets: [] }));
    assert.equal(ext.status, 201, ext.text);
    const r = await t.admin.patch(`${EM}/catalogs/${fx.catalogId}`, { isExternallyVisible: false });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.body.error.code, 'CatalogHasExternalPolicies');
    assert.match(r.body.error.message, new RegExp(ext.body.id));
    assert.match(r.body.error.message, /Was external/);
    assert.equal((await t.admin.get(`${EM}/catalogs/${fx.catalogId}`)).body.isExternallyVisible, true, 'nothing changed');
    // other properties may still change
    assert.equal((await t.admin.patch(`${EM}/catalogs/${fx.catalogId}`, { description: 'still open' })).status, 204);
    assert.equal((await t.admin.patch(`${EM}/assignmentPolicies/${ext.body.id}`, { allowedTargetScope: 'allMemberUsers' })).status, 200);
    assert.equal((await t.admin.patch(`${EM}/catalogs/${fx.catalogId}`, { isExternallyVisible: false })).status, 204);
  });
});
