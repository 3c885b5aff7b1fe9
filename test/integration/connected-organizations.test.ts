import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { newId } from '../../src/domain/ids.js';
import { EM } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const ORGS = `${EM}/connectedOrganizations`;
const domainSource = (domainName: string) => ({ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName, displayName: domainName });

describe('connected organizations', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  const orgCount = async () => Number((await t.store.db.selectFrom('connectedOrganizations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  async function makeGroup(displayName: string): Promise<string> {
    const id = newId();
    const at = t.clock.now().toISOString();
    await t.store.db.insertInto('groups').values({ id, displayName, description: null, mail: null, mailNickname: null, mailEnabled: 0, securityEnabled: 1, createdAt: at, modifiedAt: at }).execute();
    return id;
  }

  it('creates, reads, updates and deletes an organization, writing audit events', async () => {
    const c = await t.admin.post(ORGS, { displayName: 'Contoso', description: 'Partner', identitySources: [domainSource('contoso.com')] });
    assert.equal(c.status, 201);
    assert.equal(c.body.displayName, 'Contoso');
    assert.equal(c.body.state, 'configured', 'API-created organizations are configured by default');
    assert.deepEqual(c.body.identitySources, [domainSource('contoso.com')]);
    assert.match(c.body.createdDateTime, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(c.headers.get('location'), `${ORGS}/${c.body.id}`);
    const id = c.body.id;

    const g = await t.admin.get(`${ORGS}/${id}`);
    assert.equal(g.status, 200);
    assert.deepEqual(g.body, c.body);
    const etag = g.headers.get('etag')!;

    t.clock.advance(1000);
    const u = await t.admin.patch(`${ORGS}/${id}`, { state: 'PROPOSED', description: 'Changed' }, { 'if-match': etag });
    assert.equal(u.status, 204);
    const g2 = await t.admin.get(`${ORGS}/${id}`);
    assert.equal(g2.body.state, 'proposed');
    assert.equal(g2.body.description, 'Changed');
    assert.notEqual(g2.body.modifiedDateTime, g.body.modifiedDateTime);
    assert.equal((await t.admin.patch(`${ORGS}/${id}`, { description: 'stale' }, { 'if-match': etag })).status, 412);

    const events = await t.store.db.selectFrom('auditEvents').selectAll().where('targetId', '=', id).orderBy('occurredAt').execute();
    assert.deepEqual(events.map((e) => e.activity), ['Create connected organization', 'Update connected organization']);
    assert.deepEqual(JSON.parse(events[1].modifiedProperties), [
      { displayName: 'description', oldValue: 'Partner', newValue: 'Changed' },
      { displayName: 'state', oldValue: 'configured', newValue: 'proposed' },
    ]);
    assert.equal(events[1].actorId, t.adminId);

    assert.equal((await t.admin.delete(`${ORGS}/${id}`)).status, 204);
    assert.equal((await t.admin.get(`${ORGS}/${id}`)).status, 404);
    // the domain is free again once its organization is gone
    const again = await t.admin.post(ORGS, { displayName: 'Contoso again', identitySources: [domainSource('contoso.com')] });
    assert.equal(again.status, 201);
    assert.equal((await t.admin.delete(`${ORGS}/${again.body.id}`)).status, 204);
  });

  it('accepts every identity source type', async () => {
    const sources = [
      { '@odata.type': '#microsoft.graph.azureActiveDirectoryTenant', tenantId: '0a1b2c3d-0000-4000-8000-000000000001', displayName: 'Woodgrove' },
      { '@odata.type': '#microsoft.graph.crossCloudAzureActiveDirectoryTenant', cloudInstance: 'microsoftonline.us', tenantId: '0a1b2c3d-0000-4000-8000-000000000002', displayName: 'Gov' },
      { '@odata.type': '#microsoft.graph.externalDomainFederation', domainName: 'fed.example', issuerUri: 'http://fed.example/adfs/services/trust', displayName: 'Fed' },
      { '@odata.type': '#microsoft.graph.socialIdentitySource', socialIdentitySourceType: 'facebook', displayName: 'Facebook' },
    ];
    const c = await t.admin.post(ORGS, { displayName: 'Many sources', identitySources: sources, state: 'proposed' });
    assert.equal(c.status, 201, c.text);
    assert.deepEqual(c.body.identitySources, sources);
    assert.equal(c.body.state, 'proposed');
    // a second organization may also accept Facebook users, but not the same tenant
    const social = await t.admin.post(ORGS, { displayName: 'Also social', identitySources: [sources[3]] });
    assert.equal(social.status, 201);
    const tenant = await t.admin.post(ORGS, { displayName: 'Same tenant', identitySources: [{ ...sources[0], tenantId: sources[0].tenantId!.toUpperCase() }] });
    assert.equal(tenant.status, 409);
    assert.match(tenant.body.error.message, /Many sources/);
  });

  it('rejects bad input with a 400 naming the field, writing nothing', async () => {
    const before = await orgCount();
    const cases: [unknown, string, RegExp?][] = [
      [{ description: 'no name' }, 'displayName'],
      [{ displayName: 'x', identitySources: [{ '@odata.type': '#microsoft.graph.samlIdentitySource', domainName: 'a.com' }] }, 'identitySources[0].@odata.type', /samlIdentitySource/],
      [{ displayName: 'x', identitySources: [{ domainName: 'a.com' }] }, 'identitySources[0].@odata.type'],
      [{ displayName: 'x', identitySources: [domainSource('a.com'), domainSource('not_a domain')] }, 'identitySources[1].domainName', /DNS domain/],
      [{ displayName: 'x', identitySources: [{ '@odata.type': '#microsoft.graph.azureActiveDirectoryTenant', tenantId: 'contoso' }] }, 'identitySources[0].tenantId'],
      [{ displayName: 'x', state: 'archived' }, 'state', /configured, proposed/],
      [{ displayName: 'x', colour: 'red' }, 'colour'],
      [{ displayName: '' }, 'displayName'],
    ];
    for (const [body, target, message] of cases) {
      const r = await t.admin.post(ORGS, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.text}`);
      assert.equal(r.body.error.target, target, r.text);
      if (message) assert.match(r.body.error.message, message);
    }
    assert.equal(await orgCount(), before);
    assert.equal((await t.admin.get(`${ORGS}/not-a-guid`)).status, 404);
    assert.equal((await t.admin.get(`${ORGS}/${newId()}`)).status, 404);
  });

  it('lets a domain belong to one organization only (409), case-insensitively, on create and update', async () => {
    const a = await t.admin.post(ORGS, { displayName: 'Fabrikam', identitySources: [domainSource('fabrikam.com')] });
    assert.equal(a.status, 201);
    const dup = await t.admin.post(ORGS, { displayName: 'Fabrikam copy', identitySources: [domainSource('FABRIKAM.com')] });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'DuplicateIdentitySource');
    assert.match(dup.body.error.message, /fabrikam\.com.*Fabrikam/);

    const b = await t.admin.post(ORGS, { displayName: 'Tailspin', identitySources: [domainSource('tailspin.com')] });
    const steal = await t.admin.patch(`${ORGS}/${b.body.id}`, { identitySources: [domainSource('tailspin.com'), domainSource('fabrikam.com')] });
    assert.equal(steal.status, 409);
    assert.deepEqual((await t.admin.get(`${ORGS}/${b.body.id}`)).body.identitySources, [domainSource('tailspin.com')], 'nothing changed');

    // replacing its own sources frees the old domain
    assert.equal((await t.admin.patch(`${ORGS}/${b.body.id}`, { identitySources: [domainSource('tailspin.net')] })).status, 204);
    const reuse = await t.admin.post(ORGS, { displayName: 'Tailspin old domain', identitySources: [domainSource('tailspin.com')] });
    assert.equal(reuse.status, 201);
  });

  it('maps an external email to its organization', async () => {
    const org = await t.admin.post(ORGS, { displayName: 'Litware', identitySources: [domainSource('litware.com')] });
    const svc = t.app.services.connectedOrganizations;
    assert.equal((await svc.organizationForEmail('Someone@LITWARE.com'))?.id, org.body.id);
    assert.equal(await svc.organizationForEmail('someone@sub.litware.com'), undefined);
    assert.equal(await svc.organizationForEmail('someone@unknown.example'), undefined);
    assert.equal(await svc.organizationForEmail('garbage'), undefined);
  });

  it('filters, orders and pages', async () => {
    for (const n of ['Zeta', 'Eta', 'Theta']) {
      const r = await t.admin.post(ORGS, { displayName: `Greek ${n}`, identitySources: [domainSource(`${n.toLowerCase()}.greek.test`)], state: n === 'Eta' ? 'proposed' : 'configured' });
      assert.equal(r.status, 201);
    }
    const sw = await t.admin.get(`${ORGS}?$filter=startswith(displayName,'greek ')&$orderby=displayName desc&$top=2&$count=true`);
    assert.equal(sw.status, 200);
    assert.deepEqual(sw.body.value.map((o: { displayName: string }) => o.displayName), ['Greek Zeta', 'Greek Theta']);
    assert.equal(sw.body['@odata.count'], 3);
    const next = await t.admin.get(sw.body['@odata.nextLink'].replace(t.url, ''));
    assert.deepEqual(next.body.value.map((o: { displayName: string }) => o.displayName), ['Greek Eta']);
    assert.equal(next.body['@odata.nextLink'], undefined);

    const eq = await t.admin.get(`${ORGS}?$filter=displayName eq 'Greek Eta'`);
    assert.deepEqual(eq.body.value.map((o: { displayName: string }) => o.displayName), ['Greek Eta']);
    const contains = await t.admin.get(`${ORGS}?$filter=contains(displayName,'HET') and state eq 'Configured'`);
    assert.deepEqual(contains.body.value.map((o: { displayName: string }) => o.displayName), ['Greek Theta']);
    const byId = await t.admin.get(`${ORGS}?$filter=id eq '${eq.body.value[0].id}'&$select=displayName`);
    assert.deepEqual(byId.body.value, [{ id: eq.body.value[0].id, displayName: 'Greek Eta' }]);
    const bad = await t.admin.get(`${ORGS}?$filter=colour eq 'red'`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /colour/);
  });

  it('adds, lists, expands and removes internal and external sponsors', async () => {
    const org = (await t.admin.post(ORGS, { displayName: 'Sponsored', identitySources: [domainSource('sponsored.test')] })).body;
    const alice = await t.user({ displayName: 'Alice Sponsor' });
    const guest = await t.user({ displayName: 'Gail Guest', userType: 'Guest' });
    const groupId = await makeGroup('Sponsor group');
    const base = `${ORGS}/${org.id}`;

    assert.equal((await t.admin.post(`${base}/internalSponsors/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/users/${alice.id}` })).status, 204);
    assert.equal((await t.admin.post(`${base}/internalSponsors/$ref`, { '@odata.id': `${t.url}/v1.0/groups/${groupId}` })).status, 204);
    assert.equal((await t.admin.post(`${base}/externalSponsors/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${guest.id}` })).status, 204);

    const internal = await t.admin.get(`${base}/internalSponsors`);
    assert.equal(internal.status, 200);
    const byId = new Map(internal.body.value.map((o: { id: string }) => [o.id, o]));
    assert.equal(byId.size, 2);
    assert.deepEqual(byId.get(alice.id), { '@odata.type': '#microsoft.graph.user', id: alice.id, displayName: 'Alice Sponsor', userPrincipalName: alice.upn, mail: alice.upn });
    assert.deepEqual(byId.get(groupId), { '@odata.type': '#microsoft.graph.group', id: groupId, displayName: 'Sponsor group', mail: null });
    const external = await t.admin.get(`${base}/externalSponsors`);
    assert.deepEqual(external.body.value.map((o: { id: string; displayName: string }) => [o.id, o.displayName]), [[guest.id, 'Gail Guest']]);

    const refs = await t.admin.get(`${base}/externalSponsors/$ref`);
    assert.deepEqual(refs.body.value, [{ '@odata.id': `${t.url}/v1.0/users/${guest.id}` }]);

    const expanded = await t.admin.get(`${base}?$expand=internalSponsors,externalSponsors`);
    assert.equal(expanded.body.internalSponsors.length, 2);
    assert.deepEqual(expanded.body.externalSponsors.map((o: { id: string }) => o.id), [guest.id]);
    const listExpanded = await t.admin.get(`${ORGS}?$filter=id eq '${org.id}'&$expand=externalSponsors($select=displayName)`);
    assert.deepEqual(listExpanded.body.value[0].externalSponsors, [{ '@odata.type': '#microsoft.graph.user', id: guest.id, displayName: 'Gail Guest' }]);

    const dup = await t.admin.post(`${base}/internalSponsors/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/users/${alice.id}` });
    assert.equal(dup.status, 409);
    const missing = newId();
    const nf = await t.admin.post(`${base}/internalSponsors/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/users/${missing}` });
    assert.equal(nf.status, 404);
    assert.match(nf.body.error.message, new RegExp(missing));
    const wrongType = await t.admin.post(`${base}/internalSponsors/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/users/${groupId}` });
    assert.equal(wrongType.status, 404, 'a group id under /users/ is not a user');
    const badRef = await t.admin.post(`${base}/internalSponsors/$ref`, { '@odata.id': 'https://graph.microsoft.com/v1.0/applications/x' });
    assert.equal(badRef.status, 400);
    assert.equal(badRef.body.error.target, '@odata.id');
    const noRef = await t.admin.post(`${base}/internalSponsors/$ref`, { id: alice.id });
    assert.equal(noRef.status, 400);
    assert.equal((await t.admin.post(`${ORGS}/${newId()}/internalSponsors/$ref`, { '@odata.id': `users/${alice.id}` })).status, 404);

    assert.equal((await t.admin.delete(`${base}/internalSponsors/${alice.id}/$ref`)).status, 204);
    assert.equal((await t.admin.delete(`${base}/internalSponsors/${alice.id}/$ref`)).status, 404);
    assert.equal((await t.admin.delete(`${base}/externalSponsors/${groupId}/$ref`)).status, 404, 'the group is an internal sponsor, not an external one');
    const after = await t.admin.get(`${base}/internalSponsors`);
    assert.deepEqual(after.body.value.map((o: { id: string }) => o.id), [groupId]);

    const events = await t.store.db.selectFrom('auditEvents').select(['activity', 'modifiedProperties']).where('targetId', '=', org.id).orderBy('occurredAt').orderBy('activity').execute();
    const activities = events.map((e) => e.activity);
    assert.equal(activities.filter((a) => a === 'Add internal sponsor to connected organization').length, 2);
    assert.equal(activities.filter((a) => a === 'Add external sponsor to connected organization').length, 1);
    const removed = events.find((e) => e.activity === 'Remove internal sponsor from connected organization');
    assert.deepEqual(JSON.parse(removed!.modifiedProperties), [{ displayName: 'internalSponsors', oldValue: alice.id, newValue: null }]);

    // deleting the organization removes its sponsor links too
    assert.equal((await t.admin.delete(base)).status, 204);
    const left = await t.store.db.selectFrom('connectedOrganizationSponsors').select('directoryObjectId').where('connectedOrganizationId', '=', org.id).execute();
    assert.deepEqual(left, []);
  });

  it('refuses to delete an organization that an assignment policy uses', async () => {
    const org = (await t.admin.post(ORGS, { displayName: 'In use', identitySources: [domainSource('inuse.test')] })).body;
    const at = t.clock.now().toISOString();
    await t.store.db.insertInto('assignmentPolicies').values({
      id: newId(), accessPackageId: newId(), displayName: 'Partners of In use', description: null, allowedTargetScope: 'specificConnectedOrganizationUsers',
      specificAllowedTargets: JSON.stringify([{ '@odata.type': '#microsoft.graph.connectedOrganizationMembers', connectedOrganizationId: org.id.toUpperCase() }]),
      expiration: '{}', requestorSettings: '{}', requestApprovalSettings: '{}', reviewSettings: null, notificationSettings: null, automaticRequestSettings: null,
      questions: '[]', createdAt: at, modifiedAt: at,
    }).execute();
    const d = await t.admin.delete(`${ORGS}/${org.id}`);
    assert.equal(d.status, 409);
    assert.match(d.body.error.message, /Partners of In use/);
    assert.equal((await t.admin.get(`${ORGS}/${org.id}`)).status, 200);
  });

  it('enforces permissions: organization administrators write, catalog roles read, others nothing', async () => {
    const orgAdmin = await t.user();
    await t.grantRole(orgAdmin.id, RoleDefinitionIds.connectedOrganizationAdministrator);
    const created = await orgAdmin.client.post(ORGS, { displayName: 'By org admin', identitySources: [domainSource('orgadmin.test')] });
    assert.equal(created.status, 201);
    assert.equal((await orgAdmin.client.get(`${ORGS}/${created.body.id}`)).status, 200);
    assert.equal((await orgAdmin.client.patch(`${ORGS}/${created.body.id}`, { description: 'mine' })).status, 204);
    assert.equal((await orgAdmin.client.post(`${ORGS}/${created.body.id}/internalSponsors/$ref`, { '@odata.id': `users/${orgAdmin.id}` })).status, 204);

    const plain = await t.user();
    assert.equal((await plain.client.get(ORGS)).status, 403);
    assert.equal((await plain.client.get(`${ORGS}/${created.body.id}`)).status, 403);
    assert.equal((await plain.client.post(ORGS, { displayName: 'No' })).status, 403);
    assert.equal((await plain.client.patch(`${ORGS}/${created.body.id}`, { description: 'no' })).status, 403);
    assert.equal((await plain.client.delete(`${ORGS}/${created.body.id}`)).status, 403);
    assert.equal((await plain.client.post(`${ORGS}/${created.body.id}/internalSponsors/$ref`, { '@odata.id': `users/${plain.id}` })).status, 403);
    assert.equal((await plain.client.delete(`${ORGS}/${created.body.id}/internalSponsors/${orgAdmin.id}/$ref`)).status, 403);
    assert.equal((await t.anonymous.get(ORGS)).status, 401);

    // a catalog role implies reading organizations (to write policies for them), not changing them
    const general = (await t.admin.get(`${EM}/catalogs?$filter=catalogType eq 'serviceDefault'`)).body.value[0].id;
    const owner = await t.user();
    await t.grantRole(owner.id, RoleDefinitionIds.catalogOwner, general);
    assert.equal((await owner.client.get(`${ORGS}/${created.body.id}`)).status, 200);
    assert.equal((await owner.client.get(`${ORGS}/${created.body.id}/internalSponsors`)).status, 200);
    assert.equal((await owner.client.patch(`${ORGS}/${created.body.id}`, { description: 'no' })).status, 403);

    assert.equal((await orgAdmin.client.delete(`${ORGS}/${created.body.id}`)).status, 204);
  });
});
