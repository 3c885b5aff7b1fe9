import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/domain/ids.js';
import { startTestServer, type TestServer } from '../support/server.js';

const V1 = '/v1.0';
const ref = (kind: string, id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/${kind}/${id}` });
type Obj = { id: string; displayName: string; '@odata.type'?: string };

describe('groups', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  const createGroup = async (displayName: string, extra: Record<string, unknown> = {}) => {
    const r = await t.admin.post(`${V1}/groups`, { displayName, ...extra });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body as Obj;
  };
  const addMember = async (groupId: string, memberId: string, kind = 'directoryObjects') => {
    const r = await t.admin.post(`${V1}/groups/${groupId}/members/$ref`, ref(kind, memberId));
    assert.equal(r.status, 204, JSON.stringify(r.body));
  };
  /** every page of a collection, following @odata.nextLink */
  const all = async (client: TestServer['admin'], path: string): Promise<Obj[]> => {
    const out: Obj[] = [];
    let next: string | undefined = path;
    while (next) {
      const r = await client.get(next.replace(t.url, ''));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      out.push(...r.body.value);
      next = r.body['@odata.nextLink'];
    }
    return out;
  };

  it('creates a group with defaults for what Graph requires, and with the full Graph body', async () => {
    const g = await t.admin.post(`${V1}/groups`, { displayName: 'Sales Team', description: 'People in sales' });
    assert.equal(g.status, 201);
    assert.equal(g.body.displayName, 'Sales Team');
    assert.equal(g.body.description, 'People in sales');
    assert.equal(g.body.mailEnabled, false);
    assert.equal(g.body.securityEnabled, true);
    assert.equal(g.body.mailNickname, 'SalesTeam');
    assert.equal(g.body.mail, null);
    assert.equal(g.headers.get('location'), `${V1}/groups/${g.body.id}`);

    const full = await t.admin.post(`${V1}/groups`, {
      displayName: 'Library Assist', mailEnabled: true, mailNickname: 'library', securityEnabled: false, groupTypes: [],
    });
    assert.equal(full.status, 201);
    assert.deepEqual([full.body.mailEnabled, full.body.mailNickname, full.body.securityEnabled], [true, 'library', false]);

    const got = await t.admin.get(`${V1}/groups/${g.body.id}`);
    assert.deepEqual(got.body, g.body);

    assert.equal((await t.admin.post(`${V1}/groups`, { description: 'no name' })).body.error.target, 'displayName');
    assert.equal((await t.admin.post(`${V1}/groups`, { displayName: 'x', mailNickname: 'a b' })).body.error.target, 'mailNickname');
    assert.equal((await t.admin.post(`${V1}/groups`, { displayName: 'x', groupTypes: ['DynamicMembership'] })).body.error.target, 'groupTypes');
    const ev = await t.store.db.selectFrom('auditEvents').selectAll().where('targetId', '=', g.body.id).execute();
    assert.deepEqual(ev.map((e) => [e.category, e.activity]), [['GroupManagement', 'Add group']]);
  });

  it('creates a group with members@odata.bind and owners@odata.bind in one transaction', async () => {
    const owner = await t.user();
    const member = await t.user();
    const r = await t.admin.post(`${V1}/groups`, {
      displayName: 'Bound',
      'owners@odata.bind': [`https://graph.microsoft.com/v1.0/users/${owner.id}`],
      'members@odata.bind': [`https://graph.microsoft.com/v1.0/directoryObjects/${member.id}`, `https://graph.microsoft.com/v1.0/users/${owner.id}`],
    });
    assert.equal(r.status, 201);
    assert.deepEqual((await all(t.admin, `${V1}/groups/${r.body.id}/owners`)).map((o) => o.id), [owner.id]);
    assert.deepEqual((await all(t.admin, `${V1}/groups/${r.body.id}/members`)).map((o) => o.id).sort(), [member.id, owner.id].sort());

    // a bad reference rolls everything back: no group is left behind
    const bad = await t.admin.post(`${V1}/groups`, { displayName: 'Bound but broken', 'members@odata.bind': [`https://graph.microsoft.com/v1.0/users/${newId()}`] });
    assert.equal(bad.status, 404);
    const left = await t.admin.get(`${V1}/groups?$filter=displayName eq 'Bound but broken'`);
    assert.deepEqual(left.body.value, []);
  });

  it('updates a group with audit and If-Match', async () => {
    const g = await createGroup('Patchable');
    const etag = (await t.admin.get(`${V1}/groups/${g.id}`)).headers.get('etag')!;
    assert.equal((await t.admin.patch(`${V1}/groups/${g.id}`, { description: 'now described', mailEnabled: true }, { 'if-match': etag })).status, 204);
    const after = await t.admin.get(`${V1}/groups/${g.id}`);
    assert.equal(after.body.description, 'now described');
    assert.equal(after.body.mailEnabled, true);
    assert.equal((await t.admin.patch(`${V1}/groups/${g.id}`, { description: 'again' }, { 'if-match': etag })).status, 412);
    const ev = await t.store.db.selectFrom('auditEvents').selectAll().where('targetId', '=', g.id).where('activity', '=', 'Update group').execute();
    assert.equal(ev.length, 1);
    assert.deepEqual(JSON.parse(ev[0].modifiedProperties).map((p: { displayName: string }) => p.displayName).sort(), ['description', 'mailEnabled']);
  });

  it('adds and removes members by $ref, refusing duplicates and self-membership', async () => {
    const g = await createGroup('Members A');
    const inner = await createGroup('Members Inner');
    const u = await t.user({ displayName: 'Member Person' });
    await addMember(g.id, u.id, 'users');
    await addMember(g.id, inner.id, 'directoryObjects');

    const list = await t.admin.get(`${V1}/groups/${g.id}/members?$count=true`);
    assert.equal(list.status, 200);
    assert.equal(list.body['@odata.count'], 2);
    assert.deepEqual(
      list.body.value.map((m: Obj) => [m.displayName, m['@odata.type']]),
      [['Member Person', '#microsoft.graph.user'], ['Members Inner', '#microsoft.graph.group']],
    );
    const userEntry = list.body.value[0];
    assert.equal(userEntry.userPrincipalName, u.upn);
    assert.equal('securityEnabled' in userEntry, false);
    assert.equal(list.body.value[1].securityEnabled, true);
    assert.equal('userPrincipalName' in list.body.value[1], false);

    const onlyUsers = await t.admin.get(`${V1}/groups/${g.id}/members/microsoft.graph.user`);
    assert.deepEqual(onlyUsers.body.value.map((m: Obj) => m.id), [u.id]);
    const filtered = await t.admin.get(`${V1}/groups/${g.id}/members?$filter=startswith(displayName,'Members')&$select=displayName`);
    assert.deepEqual(filtered.body.value, [{ '@odata.type': '#microsoft.graph.group', id: inner.id, displayName: 'Members Inner' }]);

    const dup = await t.admin.post(`${V1}/groups/${g.id}/members/$ref`, ref('users', u.id));
    assert.equal(dup.status, 400);
    assert.match(dup.body.error.message, /One or more added object references already exist/);
    const self = await t.admin.post(`${V1}/groups/${g.id}/members/$ref`, ref('groups', g.id));
    assert.equal(self.status, 400);
    assert.match(self.body.error.message, /member of itself/);
    const missing = await t.admin.post(`${V1}/groups/${g.id}/members/$ref`, ref('directoryObjects', newId()));
    assert.equal(missing.status, 404);
    const wrongKind = await t.admin.post(`${V1}/groups/${g.id}/members/$ref`, ref('groups', u.id));
    assert.equal(wrongKind.status, 404);
    const badRef = await t.admin.post(`${V1}/groups/${g.id}/members/$ref`, { '@odata.id': 'nonsense' });
    assert.equal(badRef.status, 400);
    assert.equal(badRef.body.error.target, '@odata.id');

    assert.equal((await t.admin.delete(`${V1}/groups/${g.id}/members/${u.id}/$ref`)).status, 204);
    assert.equal((await t.admin.delete(`${V1}/groups/${g.id}/members/${u.id}/$ref`)).status, 404);
    assert.deepEqual((await all(t.admin, `${V1}/groups/${g.id}/members`)).map((m) => m.id), [inner.id]);

    const ev = await t.store.db.selectFrom('auditEvents').select(['activity', 'category']).where('targetId', '=', g.id).execute();
    assert.deepEqual(ev.map((e) => e.activity).sort(), ['Add group', 'Add member to group', 'Add member to group', 'Remove member from group']);
    assert.ok(ev.every((e) => e.category === 'GroupManagement'), 'expected: ev.every((e) => e.category === \'GroupManagement\')');
  });

  it('expands members, capped per group', async () => {
    const g = await createGroup('Expand me');
    const u1 = await t.user({ displayName: 'Exp One' });
    const u2 = await t.user({ displayName: 'Exp Two' });
    const empty = await createGroup('Expand me not');
    await addMember(g.id, u2.id);
    await addMember(g.id, u1.id);
    const r = await t.admin.get(`${V1}/groups?$filter=startswith(displayName,'Expand me')&$expand=members($select=displayName)`);
    assert.equal(r.status, 200);
    const byId = new Map(r.body.value.map((x: Obj & { members: Obj[] }) => [x.id, x.members]));
    assert.deepEqual(byId.get(g.id), [
      { '@odata.type': '#microsoft.graph.user', id: u1.id, displayName: 'Exp One' },
      { '@odata.type': '#microsoft.graph.user', id: u2.id, displayName: 'Exp Two' },
    ]);
    assert.deepEqual(byId.get(empty.id), []);
    const one = await t.admin.get(`${V1}/groups/${g.id}?$expand=members`);
    assert.equal(one.body.members.length, 2);
  });

  it('resolves nested membership both ways, and survives a cycle', async () => {
    const u = await t.user({ displayName: 'Nested Person' });
    const a = await createGroup('Cycle A');
    const b = await createGroup('Cycle B');
    const c = await createGroup('Cycle C');
    await addMember(a.id, u.id);
    await addMember(b.id, a.id);
    await addMember(a.id, b.id); // A ∈ B ∈ A
    await addMember(c.id, b.id);

    const direct = await all(t.admin, `${V1}/users/${u.id}/memberOf`);
    assert.deepEqual(direct.map((g) => [g.displayName, g['@odata.type']]), [['Cycle A', '#microsoft.graph.group']]);
    const transitive = await all(t.admin, `${V1}/users/${u.id}/transitiveMemberOf`);
    assert.deepEqual(transitive.map((g) => g.displayName), ['Cycle A', 'Cycle B', 'Cycle C']);

    const insideC = await all(t.admin, `${V1}/groups/${c.id}/transitiveMembers`);
    assert.deepEqual(insideC.map((m) => m.displayName), ['Cycle A', 'Cycle B', 'Nested Person']);
    // A's members at any depth: B, and through the cycle B again and A itself, which is not listed inside itself
    const insideA = await all(t.admin, `${V1}/groups/${a.id}/transitiveMembers`);
    assert.deepEqual(insideA.map((m) => m.displayName), ['Cycle B', 'Nested Person']);
    const usersInA = await all(t.admin, `${V1}/groups/${a.id}/transitiveMembers/microsoft.graph.user`);
    assert.deepEqual(usersInA.map((m) => m.id), [u.id]);

    // the user reads their own groups; another plain user may not
    assert.deepEqual((await all(u.client, `${V1}/me/transitiveMemberOf`)).map((g) => g.displayName), ['Cycle A', 'Cycle B', 'Cycle C']);
    assert.deepEqual((await all(u.client, `${V1}/users/${u.id}/memberOf`)).map((g) => g.displayName), ['Cycle A']);
    const stranger = await t.user();
    assert.equal((await stranger.client.get(`${V1}/users/${u.id}/transitiveMemberOf`)).status, 403);
    assert.equal((await stranger.client.get(`${V1}/users/${u.id}/memberOf`)).status, 403);
  });

  it('returns the exact transitive groups of a user in a few hundred nested groups', async () => {
    // 300 groups: a chain of 30 levels, each level holding 10 groups that are all members of the level above
    const at = t.clock.now().toISOString();
    const levels: string[][] = [];
    const groups: { id: string; displayName: string; description: null; mail: null; mailNickname: string; mailEnabled: number; securityEnabled: number; createdAt: string; modifiedAt: string }[] = [];
    for (let l = 0; l < 30; l++) {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const id = newId();
        ids.push(id);
        groups.push({ id, displayName: `Deep ${String(l).padStart(2, '0')}-${i}`, description: null, mail: null, mailNickname: `deep${l}x${i}`, mailEnabled: 0, securityEnabled: 1, createdAt: at, modifiedAt: at });
      }
      levels.push(ids);
    }
    await t.store.db.insertInto('groups').values(groups).execute();
    const u = await t.user({ displayName: 'Deep Person' });
    const links: { groupId: string; memberId: string; memberType: string; createdAt: string }[] = levels[0].map((g) => ({ groupId: g, memberId: u.id, memberType: 'user', createdAt: at }));
    for (let l = 1; l < levels.length; l++) {
      for (const parent of levels[l]) for (const child of levels[l - 1]) links.push({ groupId: parent, memberId: child, memberType: 'group', createdAt: at });
    }
    // and a cycle from the top back to the bottom
    links.push({ groupId: levels[0][0], memberId: levels[29][0], memberType: 'group', createdAt: at });
    for (let i = 0; i < links.length; i += 500) await t.store.db.insertInto('groupMembers').values(links.slice(i, i + 500)).execute();

    const first = await t.admin.get(`${V1}/users/${u.id}/transitiveMemberOf?$count=true&$top=999`);
    assert.equal(first.status, 200);
    assert.equal(first.body['@odata.count'], 300);
    assert.equal(first.body.value.length, 300);
    assert.deepEqual(new Set(first.body.value.map((g: Obj) => g.id)), new Set(groups.map((g) => g.id)));
    const paged = await all(t.admin, `${V1}/users/${u.id}/transitiveMemberOf`);
    assert.equal(paged.length, 300);
    assert.equal(new Set(paged.map((g) => g.id)).size, 300);
    const filtered = await t.admin.get(`${V1}/users/${u.id}/transitiveMemberOf?$filter=startswith(displayName,'Deep 29')&$count=true`);
    assert.equal(filtered.body['@odata.count'], 10);
    assert.equal((await t.admin.get(`${V1}/users/${u.id}/memberOf?$count=true`)).body['@odata.count'], 10);

    const top = await t.admin.get(`${V1}/groups/${levels[29][0]}/transitiveMembers?$count=true&$top=1`);
    assert.equal(top.status, 200);
    // every group below the top level (290) and the user; the cycle leads back only to the top group itself, which is not listed
    assert.equal(top.body['@odata.count'], 290 + 1);
  });

  it('lists, adds and removes owners (users only)', async () => {
    const g = await createGroup('Owned');
    const o = await t.user({ displayName: 'Owner Person' });
    const other = await createGroup('Not an owner');
    assert.equal((await t.admin.post(`${V1}/groups/${g.id}/owners/$ref`, ref('users', o.id))).status, 204);
    const owners = await t.admin.get(`${V1}/groups/${g.id}/owners`);
    assert.deepEqual(owners.body.value.map((x: Obj) => [x.id, x['@odata.type']]), [[o.id, '#microsoft.graph.user']]);
    assert.equal((await t.admin.post(`${V1}/groups/${g.id}/owners/$ref`, ref('users', o.id))).status, 400);
    const groupOwner = await t.admin.post(`${V1}/groups/${g.id}/owners/$ref`, ref('directoryObjects', other.id));
    assert.equal(groupOwner.status, 400);
    assert.match(groupOwner.body.error.message, /owners must be users/);
    assert.equal((await t.admin.delete(`${V1}/groups/${g.id}/owners/${o.id}/$ref`)).status, 204);
    assert.deepEqual((await t.admin.get(`${V1}/groups/${g.id}/owners`)).body.value, []);
    assert.equal((await t.admin.delete(`${V1}/groups/${g.id}/owners/${o.id}/$ref`)).status, 404);
  });

  it('refuses to delete a group that a catalog offers, naming the catalog; otherwise removes it with its links', async () => {
    const g = await createGroup('Catalogued');
    const parent = await createGroup('Parent of catalogued');
    const u = await t.user();
    await addMember(g.id, u.id);
    await addMember(parent.id, g.id);
    await t.admin.post(`${V1}/groups/${g.id}/owners/$ref`, ref('users', u.id));
    const cat = await t.admin.post('/v1.0/identityGovernance/entitlementManagement/catalogs', { displayName: 'Holds the group' });
    const at = t.clock.now().toISOString();
    const resourceId = newId();
    await t.store.db.insertInto('resources').values({
      id: resourceId, catalogId: cat.body.id, originSystem: 'AadGroup', originId: g.id, displayName: g.displayName, description: null,
      resourceType: 'Security Group', attributes: '[]', createdAt: at, modifiedAt: at, connectionId: null, exclusive: 0,
    }).execute();

    const refused = await t.admin.delete(`${V1}/groups/${g.id}`);
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /'Holds the group'/);
    assert.equal((await t.admin.get(`${V1}/groups/${g.id}`)).status, 200);

    await t.store.db.deleteFrom('resources').where('id', '=', resourceId).execute();
    assert.equal((await t.admin.delete(`${V1}/groups/${g.id}`)).status, 204);
    assert.equal((await t.admin.get(`${V1}/groups/${g.id}`)).status, 404);
    const left = await t.store.db.selectFrom('groupMembers').selectAll().where((eb) => eb.or([eb('groupId', '=', g.id), eb('memberId', '=', g.id)])).execute();
    assert.deepEqual(left, []);
    assert.deepEqual(await t.store.db.selectFrom('groupOwners').selectAll().where('groupId', '=', g.id).execute(), []);
    assert.deepEqual((await t.admin.get(`${V1}/groups/${parent.id}/members`)).body.value, []);
    assert.deepEqual((await all(t.admin, `${V1}/users/${u.id}/memberOf`)), []);
  });

  it('needs directory.read to read groups and directory.write to change them', async () => {
    const g = await createGroup('Guarded');
    const plain = await t.user();
    for (const path of ['/groups', `/groups/${g.id}`, `/groups/${g.id}/members`, `/groups/${g.id}/transitiveMembers`, `/groups/${g.id}/owners`]) {
      const r = await plain.client.get(`${V1}${path}`);
      assert.equal(r.status, 403, path);
    }
    assert.equal((await plain.client.post(`${V1}/groups`, { displayName: 'nope' })).status, 403);
    assert.equal((await plain.client.patch(`${V1}/groups/${g.id}`, { description: 'nope' })).status, 403);
    assert.equal((await plain.client.delete(`${V1}/groups/${g.id}`)).status, 403);
    assert.equal((await plain.client.post(`${V1}/groups/${g.id}/members/$ref`, ref('users', plain.id))).status, 403);
    assert.equal((await plain.client.post(`${V1}/groups/${g.id}/owners/$ref`, ref('users', plain.id))).status, 403);
    assert.deepEqual((await t.admin.get(`${V1}/groups/${g.id}/members`)).body.value, []);
    // a plain user still reads their own (empty) group lists
    assert.deepEqual((await plain.client.get(`${V1}/me/memberOf`)).body.value, []);
  });
});
