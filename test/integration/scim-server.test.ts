import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.js';
import { adminAdd, directPolicy, makePackage } from '../support/lifecycle.js';
import { CORE_GROUP, CORE_USER, ENTERPRISE, filterQuery, PATCH_OP, provisioningClient, type ScimClient } from '../support/scim-provisioning.js';

// The SCIM 2.0 service provider against RFC 7643/7644, over HTTP on a real store: discovery, who may
// call it, Users and Groups with filters, paging, attribute selection, PATCH in its forms, the enterprise
// extension, errors in SCIM's shape, and the directory events every change publishes.

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('SCIM 2.0 service provider (/scim/v2)', () => {
  let t: TestServer;
  let idp: ScimClient;
  before(async () => {
    t = await startTestServer();
    idp = await provisioningClient(t, 'Conformance IdP');
  });
  after(async () => { await t.close(); });

  let n = 0;
  const newUser = async (extra: Record<string, unknown> = {}) => {
    n += 1;
    const r = await idp.post('/Users', { schemas: [CORE_USER], userName: `person${n}@contoso.test`, name: { givenName: `Given${n}`, familyName: `Family${n}` }, ...extra });
    assert.equal(r.status, 201, r.text);
    return r.body as { id: string; userName: string; [k: string]: unknown };
  };
  const directoryEvents = (targetId: string) =>
    t.store.db.selectFrom('auditEvents').select(['activity', 'actorDisplayName', 'modifiedProperties']).where('targetId', '=', targetId).orderBy('occurredAt').orderBy('id').execute();

  it('describes itself: ServiceProviderConfig, ResourceTypes and Schemas', async () => {
    const spc = await idp.get('/ServiceProviderConfig');
    assert.equal(spc.status, 200, spc.text);
    assert.match(spc.headers.get('content-type') ?? '', /^application\/scim\+json/);
    assert.equal(spc.body.patch.supported, true);
    assert.equal(spc.body.filter.supported, true);
    assert.equal(spc.body.bulk.supported, false);
    assert.equal(spc.body.authenticationSchemes[0].type, 'oauthbearertoken');
    const types = await idp.get('/ResourceTypes');
    assert.deepEqual(types.body.Resources.map((r: { id: string }) => r.id), ['User', 'Group']);
    assert.equal(types.body.Resources[0].schemaExtensions[0].schema, ENTERPRISE);
    const user = await idp.get('/ResourceTypes/User');
    assert.equal(user.body.endpoint, '/Users');
    const schemas = await idp.get('/Schemas');
    assert.deepEqual(schemas.body.Resources.map((s: { id: string }) => s.id), [CORE_USER, ENTERPRISE, CORE_GROUP]);
    const one = await idp.get(`/Schemas/${ENTERPRISE}`);
    assert.ok(one.body.attributes.some((a: { name: string }) => a.name === 'manager'));
    const missing = await idp.get('/Schemas/urn:nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body.schemas, [ERROR]);
    assert.equal(missing.body.status, '404');
  });

  it('opens only to provisioning tokens, and a provisioning token opens nothing else', async () => {
    const none = await t.anonymous.get('/scim/v2/Users');
    assert.equal(none.status, 401);
    assert.deepEqual(none.body.schemas, [ERROR]);
    assert.equal(none.body.status, '401');
    // a tenant administrator's own API token is a person's: refused here
    const person = await t.admin.get('/scim/v2/Users');
    assert.equal(person.status, 401);
    assert.match(person.body.detail, /provisioning token/);
    const session = await t.anonymous.get('/scim/v2/Users', { cookie: 'latchkey_session=whatever' });
    assert.equal(session.status, 401);
    const graph = await idp.http.get('/v1.0/users');
    assert.equal(graph.status, 401);
    assert.match(graph.body.error.message, /only under \/scim\/v2/);
    const em = await idp.http.get('/v1.0/identityGovernance/entitlementManagement/catalogs');
    assert.equal(em.status, 401);

    const other = await provisioningClient(t, 'Short-lived IdP');
    assert.equal((await other.get('/Users')).status, 200);
    const listed = await t.app.services.tokens.listProvisioning();
    const mine = listed.find((x) => x.identitySource.id === other.sourceId)!;
    assert.equal(mine.identitySource.displayName, 'Short-lived IdP');
    assert.equal(mine.identitySource.kind, 'scim');
    assert.ok(!JSON.stringify(listed).includes(other.token), 'a listing never holds the token');
    const stored = await t.store.db.selectFrom('provisioningTokens').selectAll().where('id', '=', mine.id).executeTakeFirstOrThrow();
    assert.notEqual(stored.tokenHash, other.token);
    const source = await t.admin.get(`/latchkey/v1/identitySources/${other.sourceId}`);
    assert.equal(source.status, 200, source.text);
    assert.deepEqual(source.body.provisioningTokens.map((x: { id: string; name: string }) => [x.id, x.name]), [[mine.id, 'Short-lived IdP']], 'the source lists its tokens');
    assert.ok(source.body.provisioningTokens[0].lastUsedDateTime, 'with when each was last used');
    assert.ok(!source.text.includes(other.token), 'never the token');
    await t.app.services.tokens.revoke(mine.id);
    assert.equal((await other.get('/Users')).status, 401, 'a revoked token is refused');
    assert.ok((await t.admin.get(`/latchkey/v1/identitySources/${other.sourceId}`)).body.provisioningTokens[0].revokedDateTime);
  });

  it('creates a user with the enterprise extension and a manager, and publishes userCreated and managerSet as the source', async () => {
    const boss = await newUser();
    const r = await idp.post('/Users', {
      schemas: [CORE_USER, ENTERPRISE],
      userName: 'Ada.Lovelace@contoso.test',
      externalId: 'ext-ada',
      name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' },
      displayName: 'Ada Lovelace',
      title: 'Analyst',
      active: true,
      emails: [{ value: 'ada.private@example.test', type: 'home' }, { value: 'ada@contoso.test', type: 'work', primary: true }],
      [ENTERPRISE]: { department: 'Sales', employeeNumber: '701', costCenter: 'CC-9', division: 'EMEA', organization: 'Contoso', manager: { value: boss.id } },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('location'), r.body.meta.location);
    assert.match(r.body.meta.location, new RegExp(`/scim/v2/Users/${r.body.id}$`));
    assert.equal(r.body.userName, 'Ada.Lovelace@contoso.test');
    assert.equal(r.body.externalId, 'ext-ada');
    assert.deepEqual(r.body.emails, [{ value: 'ada@contoso.test', type: 'work', primary: true }]);
    assert.equal(r.body[ENTERPRISE].manager.value, boss.id);
    assert.equal(r.body[ENTERPRISE].manager.displayName, boss.displayName);

    // the SCIM id is the Latchkey object id; Graph shows the mapped properties
    const g = await t.admin.get(`/v1.0/users/${r.body.id}`);
    assert.equal(g.status, 200);
    assert.equal(g.body.userPrincipalName, 'Ada.Lovelace@contoso.test');
    assert.equal(g.body.mail, 'ada@contoso.test');
    assert.equal(g.body.givenName, 'Ada');
    assert.equal(g.body.surname, 'Lovelace');
    assert.equal(g.body.jobTitle, 'Analyst');
    assert.equal(g.body.department, 'Sales');
    assert.equal(g.body.accountEnabled, true);
    const row = await t.store.db.selectFrom('users').selectAll().where('id', '=', r.body.id).executeTakeFirstOrThrow();
    assert.equal(row.sourceId, idp.sourceId);
    assert.equal(row.employeeId, '701');
    assert.equal(row.costCenter, 'CC-9');
    assert.equal(row.division, 'EMEA');
    assert.equal(row.organization, 'Contoso');
    assert.equal(row.managerId, boss.id);
    const events = await directoryEvents(r.body.id);
    assert.deepEqual(events.map((e) => e.activity).sort(), ['Add user', 'Set manager']);
    assert.ok(events.every((e) => e.actorDisplayName === 'SCIM: Conformance IdP'), JSON.stringify(events));
    assert.match(events.find((e) => e.activity === 'Add user')!.modifiedProperties, /employeeId/);

    const same = await idp.get(`/Users/${r.body.id}`);
    assert.equal(same.status, 200);
    assert.deepEqual(same.body, r.body);
  });

  it('refuses a second user with the same userName, in any case, with 409 uniqueness, and bad values with 400 invalidValue', async () => {
    const u = await newUser();
    const dup = await idp.post('/Users', { schemas: [CORE_USER], userName: u.userName.toUpperCase() });
    assert.equal(dup.status, 409);
    assert.deepEqual(dup.body.schemas, [ERROR]);
    assert.equal(dup.body.scimType, 'uniqueness');
    const noName = await idp.post('/Users', { schemas: [CORE_USER], displayName: 'Nobody' });
    assert.equal(noName.status, 400);
    assert.equal(noName.body.scimType, 'invalidValue');
    assert.match(noName.body.detail, /userName/);
    const badActive = await idp.post('/Users', { schemas: [CORE_USER], userName: 'x1@contoso.test', active: 'maybe' });
    assert.equal(badActive.status, 400);
    assert.match(badActive.body.detail, /active/);
    const badUpn = await idp.post('/Users', { schemas: [CORE_USER], userName: 'no-at-sign' });
    assert.equal(badUpn.status, 400);
    assert.equal(badUpn.body.scimType, 'invalidValue');
    const noManager = await idp.post('/Users', { schemas: [CORE_USER], userName: 'x2@contoso.test', [ENTERPRISE]: { manager: { value: '00000000-0000-4000-8000-000000000000' } } });
    assert.equal(noManager.status, 400);
    assert.match(noManager.body.detail, /manager/);
    assert.equal((await idp.get(`/Users?${filterQuery('userName eq "x2@contoso.test"')}`)).body.totalResults, 0, 'nothing written on failure');
    const notJson = await idp.http.request('POST', '/scim/v2/Users', '{"userName":', { 'content-type': 'application/scim+json' });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.scimType, 'invalidSyntax');
    const unknown = await idp.get('/Users/00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.status, '404');
    assert.equal((await idp.get('/Users/not-a-guid')).status, 404);
    assert.equal((await idp.get('/Nothing')).status, 404);
  });

  it('filters users with eq, co, sw, ew, pr, and, or, not on userName, externalId, emails, displayName and more', async () => {
    const tag = `f${Date.now() % 100000}`;
    const a = await newUser({ userName: `alice.${tag}@filters.test`, externalId: `X-${tag}-1`, displayName: `Alice ${tag}`, emails: [{ value: `alice.${tag}@mail.test`, primary: true }], title: 'Engineer' });
    const b = await newUser({ userName: `bob.${tag}@filters.test`, externalId: `X-${tag}-2`, displayName: `Bob ${tag}`, active: false });
    const c = await newUser({ userName: `carol.${tag}@other.test`, displayName: `Carol ${tag}`, [ENTERPRISE]: { department: 'Finance' } });
    const ids = async (f: string) => {
      const r = await idp.get(`/Users?${filterQuery(f)}`);
      assert.equal(r.status, 200, `${f}: ${r.text}`);
      assert.equal(r.body.totalResults, r.body.Resources.length);
      return r.body.Resources.map((x: { id: string }) => x.id).sort();
    };
    const sorted = (...xs: { id: string }[]) => xs.map((x) => x.id).sort();
    assert.deepEqual(await ids(`userName eq "ALICE.${tag}@filters.test"`), sorted(a), 'userName compares case-insensitively');
    assert.deepEqual(await ids(`externalId eq "X-${tag}-2"`), sorted(b));
    assert.deepEqual(await ids(`externalId eq "x-${tag}-2"`), [], 'externalId is case-exact');
    assert.deepEqual(await ids(`userName sw "bob.${tag}"`), sorted(b));
    assert.deepEqual(await ids(`userName co "${tag}@filters"`), sorted(a, b));
    assert.deepEqual(await ids(`userName ew "${tag}@other.test"`), sorted(c));
    assert.deepEqual(await ids(`emails eq "alice.${tag}@mail.test"`), sorted(a));
    assert.deepEqual(await ids(`emails[type eq "work"].value eq "alice.${tag}@mail.test"`), sorted(a));
    assert.deepEqual(await ids(`emails[value co "${tag}@mail"]`), sorted(a));
    assert.deepEqual(await ids(`displayName co "${tag}" and active eq false`), sorted(b));
    assert.deepEqual(await ids(`displayName sw "Alice ${tag}" or displayName sw "Carol ${tag}"`), sorted(a, c));
    assert.deepEqual(await ids(`displayName co "${tag}" and not (active eq false)`), sorted(a, c));
    assert.deepEqual(await ids(`displayName co "${tag}" and title pr`), sorted(a));
    assert.deepEqual(await ids(`displayName co "${tag}" and externalId pr`), sorted(a, b));
    assert.deepEqual(await ids(`${ENTERPRISE}:department eq "finance" and displayName co "${tag}"`), sorted(c));
    assert.deepEqual(await ids(`name.givenName eq "${(a.name as { givenName: string }).givenName}"`), sorted(a));
    assert.deepEqual(await ids(`displayName co "50%_${tag}"`), [], 'LIKE wildcards in a value are literal');
    assert.deepEqual(await ids(`id eq "${b.id.toUpperCase()}"`), sorted(b));

    for (const bad of ['nickName eq "x"', 'userName eq', 'userName xx "a"', '(userName eq "a"', 'active co "t"']) {
      const r = await idp.get(`/Users?${filterQuery(bad)}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.scimType, 'invalidFilter', `${bad}: ${r.text}`);
    }
  });

  it('pages with startIndex and count, and selects attributes', async () => {
    const pager = await provisioningClient(t, 'Pager IdP');
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await pager.post('/Users', { schemas: [CORE_USER], userName: `page${i}@pager.test`, title: 'T', [ENTERPRISE]: { department: 'D' } });
      assert.equal(r.status, 201, r.text);
      made.push(r.body.id);
      t.clock.advance(1000);
    }
    const page = await pager.get('/Users?startIndex=2&count=2');
    assert.equal(page.body.totalResults, 5);
    assert.equal(page.body.startIndex, 2);
    assert.equal(page.body.itemsPerPage, 2);
    assert.deepEqual(page.body.Resources.map((r: { id: string }) => r.id), made.slice(1, 3));
    const countOnly = await pager.get('/Users?count=0');
    assert.equal(countOnly.body.totalResults, 5);
    assert.deepEqual(countOnly.body.Resources, []);
    const beyond = await pager.get('/Users?startIndex=9');
    assert.deepEqual(beyond.body.Resources, []);
    assert.equal((await pager.get('/Users?count=many')).status, 400);

    const slim = await pager.get(`/Users?attributes=userName&${filterQuery('userName eq "page0@pager.test"')}`);
    assert.deepEqual(Object.keys(slim.body.Resources[0]).sort(), ['id', 'meta', 'schemas', 'userName']);
    const noExt = await pager.get(`/Users/${made[0]}?excludedAttributes=${ENTERPRISE},title`);
    assert.equal(noExt.body.title, undefined);
    assert.equal(noExt.body[ENTERPRISE], undefined);
    assert.equal(noExt.body.userName, 'page0@pager.test');
    const ext = await pager.get(`/Users/${made[0]}?attributes=${ENTERPRISE}:department`);
    assert.equal(ext.body[ENTERPRISE].department, 'D');
    assert.equal(ext.body.userName, undefined);
  });

  it("keeps each source to its own objects: another source's users and Latchkey's own do not exist for it", async () => {
    const mine = await newUser();
    const other = await provisioningClient(t, 'Other IdP');
    assert.equal((await other.get(`/Users/${mine.id}`)).status, 404);
    assert.equal((await other.patch(`/Users/${mine.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })).status, 404);
    assert.equal((await other.delete(`/Users/${mine.id}`)).status, 404);
    assert.equal((await other.get(`/Users?${filterQuery(`userName eq "${mine.userName}"`)}`)).body.totalResults, 0);
    // the administrator was made through Latchkey's API: SCIM cannot see or change them
    assert.equal((await idp.get(`/Users/${t.adminId}`)).status, 404);
    assert.equal((await idp.patch(`/Users/${t.adminId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })).status, 404);
  });

  it('patches users: add, replace and remove with a path, without a path, with value filters; a replay changes nothing', async () => {
    const u = await newUser({ emails: [{ value: 'before@contoso.test', type: 'work', primary: true }] });
    const patch = (ops: unknown[]) => idp.patch(`/Users/${u.id}`, { schemas: [PATCH_OP], Operations: ops });

    let r = await patch([{ op: 'replace', path: 'displayName', value: 'Renamed Person' }, { op: 'add', path: 'title', value: 'Lead' }]);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.displayName, 'Renamed Person');
    assert.equal(r.body.title, 'Lead');
    r = await patch([{ op: 'replace', path: 'emails[type eq "work"].value', value: 'after@contoso.test' }, { op: 'replace', path: 'name.familyName', value: 'Newname' }]);
    assert.equal(r.body.emails[0].value, 'after@contoso.test');
    assert.equal(r.body.name.familyName, 'Newname');
    r = await patch([{ op: 'add', value: { nickName: 'ignored', title: 'Principal', [`${ENTERPRISE}:department`]: 'Marketing' } }]);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.title, 'Principal');
    assert.equal(r.body[ENTERPRISE].department, 'Marketing');
    r = await patch([{ op: 'remove', path: 'title' }, { op: 'remove', path: `${ENTERPRISE}:department` }]);
    assert.equal(r.body.title, undefined);
    assert.equal(r.body[ENTERPRISE], undefined);
    r = await patch([{ op: 'remove', path: 'emails[type eq "work"]' }]);
    assert.equal(r.body.emails, undefined);
    assert.equal((await t.admin.get(`/v1.0/users/${u.id}`)).body.mail, null);

    const before = (await directoryEvents(u.id)).length;
    t.clock.advance(1000);
    r = await patch([{ op: 'replace', path: 'active', value: false }]);
    assert.equal(r.body.active, false);
    const events = await directoryEvents(u.id);
    assert.equal(events.length, before + 1);
    assert.equal(events.at(-1)!.activity, 'Update user');
    assert.match(events.at(-1)!.modifiedProperties, /accountEnabled/);
    r = await patch([{ op: 'replace', path: 'active', value: false }]);
    assert.equal(r.status, 200);
    assert.equal((await directoryEvents(u.id)).length, before + 1, 'a replayed PATCH publishes nothing');
    assert.equal((await t.admin.get(`/v1.0/users/${u.id}`)).body.accountEnabled, false);

    const bad = await patch([{ op: 'move', path: 'title', value: 'x' }]);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, 'invalidSyntax');
    const noPath = await patch([{ op: 'remove' }]);
    assert.equal(noPath.status, 400);
    assert.equal(noPath.body.scimType, 'noTarget');
    const empty = await idp.patch(`/Users/${u.id}`, { schemas: [PATCH_OP] });
    assert.equal(empty.status, 400);
    const badValue = await patch([{ op: 'replace', path: 'userName', value: 'not an address' }]);
    assert.equal(badValue.status, 400);
    assert.equal(badValue.body.scimType, 'invalidValue');
  });

  it('sets and removes the manager by its SCIM id through PATCH (managerSet, managerRemoved)', async () => {
    const boss = await newUser();
    const u = await newUser();
    let r = await idp.patch(`/Users/${u.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: `${ENTERPRISE}:manager`, value: { value: boss.id } }] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body[ENTERPRISE].manager.value, boss.id);
    assert.equal((await t.admin.get(`/v1.0/users/${u.id}/manager`)).body.id, boss.id);
    // Entra sends the bare id
    const boss2 = await newUser();
    r = await idp.patch(`/Users/${u.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: `${ENTERPRISE}:manager`, value: boss2.id }] });
    assert.equal(r.body[ENTERPRISE].manager.value, boss2.id);
    r = await idp.patch(`/Users/${u.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `${ENTERPRISE}:manager` }] });
    assert.equal(r.body[ENTERPRISE], undefined);
    assert.equal((await t.admin.get(`/v1.0/users/${u.id}/manager`)).status, 404);
    const acts = (await directoryEvents(u.id)).map((e) => e.activity);
    assert.deepEqual(acts.filter((a) => /manager/i.test(a)).length, 3, JSON.stringify(acts));
    const loop = await idp.patch(`/Users/${boss.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: `${ENTERPRISE}:manager`, value: boss.id }] });
    assert.equal(loop.status, 400);
  });

  it('replaces a user with PUT: attributes left out are cleared', async () => {
    const u = await newUser({ title: 'Keeps?', [ENTERPRISE]: { department: 'Ops' } });
    const r = await idp.put(`/Users/${u.id}`, { schemas: [CORE_USER], id: u.id, userName: u.userName, displayName: 'Put Person', active: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.displayName, 'Put Person');
    assert.equal(r.body.title, undefined);
    assert.equal(r.body.name, undefined);
    assert.equal((await t.admin.get(`/v1.0/users/${u.id}`)).body.department, null);
  });

  it('deletes a user as Latchkey does; one who still holds access is disabled and released instead', async () => {
    const gone = await newUser();
    const del = await idp.delete(`/Users/${gone.id}`);
    assert.equal(del.status, 204);
    assert.equal((await idp.get(`/Users/${gone.id}`)).status, 404);
    assert.equal((await t.admin.get(`/v1.0/users/${gone.id}`)).status, 404);
    assert.ok((await directoryEvents(gone.id)).some((e) => e.activity === 'Delete user'));
    assert.equal((await idp.delete(`/Users/${gone.id}`)).status, 404);

    const holder = await newUser();
    const fx = await makePackage(t);
    const policyId = await directPolicy(t, fx.packageId);
    const req = await adminAdd(t, fx.packageId, policyId, { targetId: holder.id });
    assert.equal(req.status, 201, req.text);
    await t.drain();
    const r = await idp.delete(`/Users/${holder.id}`);
    assert.equal(r.status, 204);
    assert.equal((await idp.get(`/Users/${holder.id}`)).status, 404, 'the SCIM resource is gone');
    const g = await t.admin.get(`/v1.0/users/${holder.id}`);
    assert.equal(g.status, 200, 'the user stays while they hold access');
    assert.equal(g.body.accountEnabled, false);
    const events = await directoryEvents(holder.id);
    assert.ok(events.some((e) => e.activity === 'Update user' && /accountEnabled/.test(e.modifiedProperties)), JSON.stringify(events));
    assert.ok(!events.some((e) => e.activity === 'Delete user'));
  });

  it('creates groups with users and groups as members, filters them, and patches members in every form', async () => {
    const u1 = await newUser();
    const u2 = await newUser();
    const u3 = await newUser();
    const inner = await idp.post('/Groups', { schemas: [CORE_GROUP], displayName: 'Inner team', externalId: 'g-inner' });
    assert.equal(inner.status, 201, inner.text);
    assert.deepEqual(inner.body.members, []);
    const g = await idp.post('/Groups', { schemas: [CORE_GROUP], displayName: 'Outer team', members: [{ value: u1.id }, { value: inner.body.id }] });
    assert.equal(g.status, 201, g.text);
    const byValue = new Map(g.body.members.map((m: { value: string }) => [m.value, m]));
    assert.equal(byValue.size, 2);
    assert.deepEqual(byValue.get(u1.id), { value: u1.id, $ref: `${t.url}/scim/v2/Users/${u1.id}`, type: 'User', display: u1.displayName });
    assert.deepEqual(byValue.get(inner.body.id), { value: inner.body.id, $ref: `${t.url}/scim/v2/Groups/${inner.body.id}`, type: 'Group', display: 'Inner team' });
    const id = g.body.id;
    const graphMembers = async () => ((await t.admin.get(`/v1.0/groups/${id}/members`)).body.value as { id: string }[]).map((m) => m.id).sort();
    assert.deepEqual(await graphMembers(), [u1.id, inner.body.id].sort());
    const row = await t.store.db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.sourceId, idp.sourceId);

    const byName = await idp.get(`/Groups?${filterQuery('displayName eq "outer TEAM"')}&excludedAttributes=members`);
    assert.deepEqual(byName.body.Resources.map((x: { id: string }) => x.id), [id]);
    assert.equal(byName.body.Resources[0].members, undefined);
    const byMember = await idp.get(`/Groups?${filterQuery(`members[value eq "${inner.body.id}"]`)}`);
    assert.deepEqual(byMember.body.Resources.map((x: { id: string }) => x.id), [id]);
    const byMemberValue = await idp.get(`/Groups?${filterQuery(`members.value eq "${u1.id}" and displayName sw "Outer"`)}`);
    assert.deepEqual(byMemberValue.body.Resources.map((x: { id: string }) => x.id), [id]);
    const byExternal = await idp.get(`/Groups?${filterQuery('externalId eq "g-inner"')}`);
    assert.deepEqual(byExternal.body.Resources.map((x: { id: string }) => x.id), [inner.body.id]);
    const withoutMembers = await idp.get(`/Groups/${id}?excludedAttributes=members`);
    assert.equal(withoutMembers.body.members, undefined);
    assert.equal(withoutMembers.body.displayName, 'Outer team');

    const patch = (ops: unknown[]) => idp.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: ops });
    assert.equal((await patch([{ op: 'add', path: 'members', value: [{ value: u2.id }, { value: u1.id }] }])).status, 204, 'adding a member twice is no error');
    assert.deepEqual(await graphMembers(), [u1.id, u2.id, inner.body.id].sort());
    assert.equal((await patch([{ op: 'remove', path: `members[value eq "${u1.id}"]` }])).status, 204);
    assert.deepEqual(await graphMembers(), [u2.id, inner.body.id].sort());
    assert.equal((await patch([{ op: 'remove', path: 'members', value: [{ value: u2.id }, { value: u3.id }] }])).status, 204);
    assert.deepEqual(await graphMembers(), [inner.body.id]);
    assert.equal((await patch([{ op: 'replace', path: 'members', value: [{ value: u3.id }, { value: u1.id }] }])).status, 204);
    assert.deepEqual(await graphMembers(), [u1.id, u3.id].sort());
    assert.equal((await patch([{ op: 'remove', path: 'members[type eq "User" and value eq "' + u3.id + '"]' }])).status, 204);
    assert.deepEqual(await graphMembers(), [u1.id]);
    assert.equal((await patch([{ op: 'replace', value: { displayName: 'Outer team renamed' } }])).status, 204);
    assert.equal((await idp.get(`/Groups/${id}`)).body.displayName, 'Outer team renamed');
    assert.equal((await patch([{ op: 'remove', path: 'members' }])).status, 204);
    assert.deepEqual(await graphMembers(), []);

    const acts = (await t.store.db.selectFrom('auditEvents').select('activity').where('targetId', '=', id).execute()).map((e) => e.activity);
    assert.ok(acts.includes('Add member to group') && acts.includes('Remove member from group'), JSON.stringify(acts));

    const unknown = await patch([{ op: 'add', path: 'members', value: [{ value: '00000000-0000-4000-8000-000000000000' }] }]);
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.scimType, 'invalidValue');
    const self = await patch([{ op: 'add', path: 'members', value: [{ value: id }] }]);
    assert.equal(self.status, 400);

    const put = await idp.put(`/Groups/${id}`, { schemas: [CORE_GROUP], displayName: 'Put team', members: [{ value: u2.id }] });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.body.members.map((m: { value: string }) => m.value), [u2.id]);

    assert.equal((await idp.delete(`/Groups/${id}`)).status, 204);
    assert.equal((await idp.get(`/Groups/${id}`)).status, 404);
    assert.equal((await t.admin.get(`/v1.0/groups/${id}`)).status, 404);
  });

  it('shows the owning source in Graph, read-only, and refuses Graph changes to the attributes the source owns', async () => {
    const u = await newUser({ displayName: 'Owned Person' });
    const source = { id: idp.sourceId, displayName: 'Conformance IdP', kind: 'scim' };
    const g = await t.admin.get(`/v1.0/users/${u.id}`);
    assert.deepEqual(g.body.identitySource, source);
    const selected = await t.admin.get(`/v1.0/users/${u.id}?$select=id,identitySource`);
    assert.deepEqual(selected.body, { id: u.id, identitySource: source });
    const listed = await t.admin.get(`/v1.0/users?$filter=${encodeURIComponent(`userPrincipalName eq '${u.userName}'`)}&$select=displayName,identitySource`);
    assert.deepEqual(listed.body.value, [{ id: u.id, displayName: 'Owned Person', identitySource: source }]);
    assert.equal((await t.admin.get(`/v1.0/users/${t.adminId}`)).body.identitySource, null, "Latchkey's own users have none");

    const refused = await t.admin.patch(`/v1.0/users/${u.id}`, { displayName: 'Changed in Graph' });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.target, 'displayName');
    assert.match(refused.body.error.message, /identity source 'Conformance IdP' \(scim\)/);
    const disable = await t.admin.patch(`/v1.0/users/${u.id}`, { accountEnabled: false });
    assert.equal(disable.status, 400);
    assert.equal(disable.body.error.target, 'accountEnabled');
    // a value echoed back unchanged, and what the source does not own, are fine
    const echo = await t.admin.patch(`/v1.0/users/${u.id}`, { displayName: 'Owned Person', mailNickname: 'owned.nick', identitySource: source });
    assert.equal(echo.status, 204, echo.text);
    const boss = await newUser();
    const manager = await t.admin.request('PUT', `/v1.0/users/${u.id}/manager/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/users/${boss.id}` });
    assert.equal(manager.status, 400);
    assert.equal(manager.body.error.target, 'manager');
    assert.equal((await idp.get(`/Users/${u.id}`)).body.displayName, 'Owned Person');

    const group = await idp.post('/Groups', { schemas: [CORE_GROUP], displayName: 'Owned group', members: [{ value: u.id }] });
    const gg = await t.admin.get(`/v1.0/groups/${group.body.id}?$select=identitySource`);
    assert.deepEqual(gg.body.identitySource, source);
    const members = await t.admin.get(`/v1.0/groups/${group.body.id}/members`);
    assert.deepEqual(members.body.value[0].identitySource, source);
    const rename = await t.admin.patch(`/v1.0/groups/${group.body.id}`, { displayName: 'Renamed in Graph' });
    assert.equal(rename.status, 400);
    assert.equal(rename.body.error.target, 'displayName');
    const add = await t.admin.post(`/v1.0/groups/${group.body.id}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/users/${boss.id}` });
    assert.equal(add.status, 400);
    assert.equal(add.body.error.target, 'members');
    const remove = await t.admin.delete(`/v1.0/groups/${group.body.id}/members/${u.id}/$ref`);
    assert.equal(remove.status, 400);
    const describe = await t.admin.patch(`/v1.0/groups/${group.body.id}`, { description: 'Latchkey keeps this one' });
    assert.equal(describe.status, 204, describe.text);
  });
});
