import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { newId } from '../../src/domain/ids.js';
import { EM } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const AUDITS = '/v1.0/auditLogs/directoryAudits';
const RM = '/v1.0/roleManagement/entitlementManagement';

interface Audit {
  id: string;
  category: string;
  activityDisplayName: string;
  activityDateTime: string;
  correlationId: string | null;
  initiatedBy: { user: { id: string; displayName: string } | null; app: { displayName: string } | null };
  targetResources: { id: string; displayName: string; type: string; modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[] }[];
}

describe('audit log API', () => {
  let t: TestServer;
  let orgAdmin: Awaited<ReturnType<TestServer['user']>>;
  let catalogId: string;
  let orgId: string;
  let roleAssignmentId: string;
  const times: Record<string, string> = {};

  before(async () => {
    t = await startTestServer();
    orgAdmin = await t.user({ displayName: 'Olga Orgadmin' });
    await t.grantRole(orgAdmin.id, RoleDefinitionIds.connectedOrganizationAdministrator);
    // a known sequence of changes, one minute apart, so that time filters have something to cut
    t.clock.set('2099-03-01T09:00:00.000Z');
    times.catalog = t.clock.now().toISOString();
    catalogId = (await t.admin.post(`${EM}/catalogs`, { displayName: 'Audited catalog' }, { 'client-request-id': 'corr-catalog-1' })).body.id;
    t.clock.advance(60_000);
    times.org = t.clock.now().toISOString();
    orgId = (await orgAdmin.client.post(`${EM}/connectedOrganizations`, {
      displayName: 'Audited org', identitySources: [{ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: 'audited.test', displayName: 'audited.test' }],
    })).body.id;
    t.clock.advance(60_000);
    times.orgUpdate = t.clock.now().toISOString();
    assert.equal((await orgAdmin.client.patch(`${EM}/connectedOrganizations/${orgId}`, { displayName: 'Audited org renamed' })).status, 204);
    t.clock.advance(60_000);
    times.settings = t.clock.now().toISOString();
    assert.equal((await t.admin.patch(`${EM}/settings`, { durationUntilExternalUserDeletedAfterBlocked: 'P7D' })).status, 204);
    t.clock.advance(60_000);
    times.role = t.clock.now().toISOString();
    roleAssignmentId = (await t.admin.post(`${RM}/roleAssignments`, { principalId: orgAdmin.id, roleDefinitionId: RoleDefinitionIds.catalogReader, appScopeId: `/AccessPackageCatalog/${catalogId}` })).body.id;
  });
  after(async () => { await t.close(); });

  const list = async (query: string) => {
    const r = await t.admin.get(`${AUDITS}?${query}`);
    assert.equal(r.status, 200, r.text);
    return r.body.value as Audit[];
  };

  it('lists events newest first in the directoryAudit shape', async () => {
    const all = await list('');
    const stamps = all.map((a) => a.activityDateTime);
    assert.deepEqual(stamps, [...stamps].sort().reverse());
    assert.equal(all[0].activityDisplayName, 'Add role assignment');
    assert.equal(all[0].category, 'RoleManagement');
    assert.equal(all[0].activityDateTime, times.role);

    const update = all.find((a) => a.activityDisplayName === 'Update connected organization')!;
    assert.deepEqual(update.initiatedBy.user, { id: orgAdmin.id, displayName: 'Olga Orgadmin', userPrincipalName: null, ipAddress: null });
    assert.equal(update.initiatedBy.app, null);
    assert.deepEqual(update.targetResources, [{
      id: orgId, displayName: 'Audited org renamed', type: 'connectedOrganization', userPrincipalName: null, groupType: null,
      // Graph carries old and new values as JSON text
      modifiedProperties: [{ displayName: 'displayName', oldValue: '"Audited org"', newValue: '"Audited org renamed"' }],
    }]);
    assert.equal((update as unknown as { result: string }).result, 'success');
    assert.equal((update as unknown as { operationType: string }).operationType, 'Update');

    // the built-in General catalog is created by the system, which Graph shows as an app
    const general = all.find((a) => a.activityDisplayName === 'Create catalog' && a.targetResources[0].displayName === 'General')!;
    assert.equal(general.initiatedBy.user, null);
    assert.equal(general.initiatedBy.app?.displayName, 'Latchkey');

    const settings = all.find((a) => a.activityDisplayName === 'Update entitlement management settings')!;
    assert.deepEqual(settings.targetResources[0].modifiedProperties, [{ displayName: 'durationUntilExternalUserDeletedAfterBlocked', oldValue: '"P30D"', newValue: '"P7D"' }]);

    // events set up by this test are one minute apart, so their order is total
    const mine = all.filter((a) => a.activityDateTime >= times.catalog);
    assert.equal(mine.length, 5);
    const asc = await list(`$orderby=activityDateTime asc&$filter=activityDateTime ge ${times.catalog}`);
    assert.deepEqual(asc.map((a) => a.id), [...mine].reverse().map((a) => a.id));
    assert.equal(asc[0].activityDisplayName, 'Create catalog');
  });

  it('filters by activity (eq, startswith, contains) and category', async () => {
    const eq = await list(`$filter=activityDisplayName eq 'Create connected organization'`);
    assert.deepEqual(eq.map((a) => a.targetResources[0].id), [orgId]);
    const sw = await list(`$filter=startswith(activityDisplayName,'update')`);
    assert.deepEqual(sw.map((a) => a.activityDisplayName).sort(), ['Update connected organization', 'Update entitlement management settings']);
    const contains = await list(`$filter=contains(activityDisplayName,'ORGANIZATION')`);
    assert.deepEqual(contains.map((a) => a.activityDisplayName), ['Update connected organization', 'Create connected organization']);
    const cat = await list(`$filter=category eq 'RoleManagement'`);
    assert.deepEqual(cat.map((a) => a.targetResources[0].id), [roleAssignmentId]);
  });

  it('filters by actor, time range, target and correlation id', async () => {
    const byActor = await list(`$filter=initiatedBy/user/id eq '${orgAdmin.id}'`);
    assert.deepEqual(byActor.map((a) => a.activityDisplayName), ['Update connected organization', 'Create connected organization']);
    const byActorName = await list(`$filter=startswith(initiatedBy/user/displayName,'olga')`);
    assert.equal(byActorName.length, 2);

    const range = await list(`$filter=activityDateTime ge ${times.org} and activityDateTime le ${times.settings}`);
    assert.deepEqual(range.map((a) => a.activityDateTime), [times.settings, times.orgUpdate, times.org]);
    const open = await list(`$filter=activityDateTime gt ${times.settings}`);
    assert.deepEqual(open.map((a) => a.activityDisplayName), ['Add role assignment']);
    const before = await list(`$filter=activityDateTime lt '${times.org}' and activityDateTime ge ${times.catalog}`);
    assert.deepEqual(before.map((a) => a.activityDisplayName), ['Create catalog']);

    const byTarget = await list(`$filter=targetResources/id eq '${orgId}'`);
    assert.equal(byTarget.length, 2);
    // Graph's lambda form over the single target gives the same answer
    const lambda = await list(`$filter=targetResources/any(t: t/id eq '${orgId}') and activityDisplayName eq 'Create connected organization'`);
    assert.deepEqual(lambda.map((a) => a.activityDisplayName), ['Create connected organization']);
    const lambdaType = await list(`$filter=targetResources/any(x:startswith(x/type, 'connected'))`);
    assert.equal(lambdaType.length, 2);

    const corr = await list(`$filter=correlationId eq 'corr-catalog-1'`);
    assert.deepEqual(corr.map((a) => [a.activityDisplayName, a.targetResources[0].id]), [['Create catalog', catalogId]]);
  });

  it('pages with $top and nextLink, and counts', async () => {
    const first = await t.admin.get(`${AUDITS}?$top=2&$count=true`);
    assert.equal(first.body.value.length, 2);
    const total = first.body['@odata.count'];
    assert.ok(total >= 6, 'expected: total >= 6');
    const seen: Audit[] = [...first.body.value];
    let next: string | undefined = first.body['@odata.nextLink'];
    while (next) {
      const p = await t.admin.get(next.replace(t.url, ''));
      seen.push(...p.body.value);
      next = p.body['@odata.nextLink'];
    }
    assert.equal(seen.length, total);
    assert.equal(new Set(seen.map((a) => a.id)).size, total);
  });

  it('gets one event, 404 for unknown ids, 400 for unknown filter properties', async () => {
    const [latest] = await list('$top=1');
    const one = await t.admin.get(`${AUDITS}/${latest.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, latest);
    const sel = await t.admin.get(`${AUDITS}/${latest.id}?$select=activityDisplayName`);
    assert.deepEqual(sel.body, { id: latest.id, activityDisplayName: latest.activityDisplayName });
    assert.equal((await t.admin.get(`${AUDITS}/${newId()}`)).status, 404);
    assert.equal((await t.admin.get(`${AUDITS}/nope`)).status, 404);
    const bad = await t.admin.get(`${AUDITS}?$filter=ipAddress eq '1.2.3.4'`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /ipAddress/);
    const badLambda = await t.admin.get(`${AUDITS}?$filter=additionalDetails/any(d: d/key eq 'x')`);
    assert.equal(badLambda.status, 400);
  });

  it('is for administrators only', async () => {
    assert.equal((await orgAdmin.client.get(AUDITS)).status, 403, 'an organization administrator with a catalog role is still not an auditor');
    const plain = await t.user();
    assert.equal((await plain.client.get(AUDITS)).status, 403);
    const [latest] = await list('$top=1');
    assert.equal((await plain.client.get(`${AUDITS}/${latest.id}`)).status, 403);
    assert.equal((await t.anonymous.get(AUDITS)).status, 401);
  });
});
