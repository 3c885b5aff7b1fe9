import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { newId } from '../../src/domain/ids.js';
import { startTestServer, type TestServer } from '../support/server.js';

const V1 = '/v1.0';
const ref = (kind: string, id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/${kind}/${id}` });

describe('users', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  const createUser = async (upn: string, extra: Record<string, unknown> = {}) => {
    const r = await t.admin.post(`${V1}/users`, { displayName: upn.split('@')[0], userPrincipalName: upn, ...extra });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body as { id: string; userPrincipalName: string };
  };

  it('creates a user from the body Graph clients send, discarding the password', async () => {
    const secret = 'xWwvJ]6NMw+bWH-d-Secret';
    const r = await t.admin.post(`${V1}/users`, {
      accountEnabled: true, displayName: 'Adele Vance', mailNickname: 'AdeleV', userPrincipalName: 'AdeleV@contoso.test',
      passwordProfile: { forceChangePasswordNextSignIn: true, password: secret },
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.displayName, 'Adele Vance');
    assert.equal(r.body.userPrincipalName, 'AdeleV@contoso.test');
    assert.equal(r.body.mailNickname, 'AdeleV');
    assert.equal(r.body.accountEnabled, true);
    assert.equal(r.body.userType, 'Member');
    assert.equal(r.body.mail, null);
    assert.match(r.body.createdDateTime, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(r.headers.get('location'), `${V1}/users/${r.body.id}`);
    assert.equal(r.body.passwordProfile, undefined);
    assert.ok(!r.text.includes(secret), 'expected: !r.text.includes(secret)');

    // nothing anywhere in the database holds the password: not the user row, not the audit trail
    const row = await t.store.db.selectFrom('users').selectAll().where('id', '=', r.body.id).executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(row).includes(secret), 'expected: !JSON.stringify(row).includes(secret)');
    assert.ok(!Object.keys(row).some((k) => /password/i.test(k)), 'expected: !Object.keys(row).some((k) => /password/i.test(k))');
    const events = await t.store.db.selectFrom('auditEvents').selectAll().where('targetId', '=', r.body.id).execute();
    assert.deepEqual(events.map((e) => [e.category, e.activity]), [['UserManagement', 'Add user']]);
    assert.ok(!JSON.stringify(events).includes(secret), 'expected: !JSON.stringify(events).includes(secret)');
    assert.ok(!JSON.stringify(events).includes('passwordProfile'), 'expected: !JSON.stringify(events).includes(\'passwordProfile\')');

    const g = await t.admin.get(`${V1}/users/${r.body.id}`);
    assert.equal(g.status, 200);
    assert.deepEqual(g.body, r.body);
    const byUpn = await t.admin.get(`${V1}/users/adelev@CONTOSO.test`);
    assert.equal(byUpn.status, 200);
    assert.equal(byUpn.body.id, r.body.id);
  });

  it('validates input, naming the field, and writes nothing on failure', async () => {
    const before = await t.store.db.selectFrom('users').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const noUpn = await t.admin.post(`${V1}/users`, { displayName: 'x' });
    assert.equal(noUpn.status, 400);
    assert.equal(noUpn.body.error.target, 'userPrincipalName');
    const badUpn = await t.admin.post(`${V1}/users`, { displayName: 'x', userPrincipalName: 'not-an-address' });
    assert.equal(badUpn.status, 400);
    assert.equal(badUpn.body.error.target, 'userPrincipalName');
    const badType = await t.admin.post(`${V1}/users`, { displayName: 'x', userPrincipalName: 'x@contoso.test', userType: 'Robot' });
    assert.equal(badType.status, 400);
    assert.equal(badType.body.error.target, 'userType');
    const unknown = await t.admin.post(`${V1}/users`, { displayName: 'x', userPrincipalName: 'x@contoso.test', favouriteColour: 'red' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /favouriteColour/);
    const badNick = await t.admin.post(`${V1}/users`, { displayName: 'x', userPrincipalName: 'x@contoso.test', mailNickname: 'has space' });
    assert.equal(badNick.status, 400);
    assert.equal(badNick.body.error.target, 'mailNickname');
    const after = await t.store.db.selectFrom('users').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
  });

  it('refuses a duplicate userPrincipalName, whatever its case, with 409', async () => {
    await createUser('dup.one@contoso.test');
    const r = await t.admin.post(`${V1}/users`, { displayName: 'Again', userPrincipalName: 'DUP.ONE@contoso.test' });
    assert.equal(r.status, 409);
    assert.match(r.body.error.message, /userPrincipalName already exists/);
    const other = await createUser('dup.two@contoso.test');
    const p = await t.admin.patch(`${V1}/users/${other.id}`, { userPrincipalName: 'Dup.One@Contoso.test' });
    assert.equal(p.status, 409);
    // changing only the case of one's own name is not a clash
    const same = await t.admin.patch(`${V1}/users/${other.id}`, { userPrincipalName: 'Dup.Two@contoso.test' });
    assert.equal(same.status, 204);
    assert.equal((await t.admin.get(`${V1}/users/${other.id}`)).body.userPrincipalName, 'Dup.Two@contoso.test');
  });

  it('updates a user with an audit event listing what changed, and honours If-Match', async () => {
    const u = await createUser('patch.me@contoso.test');
    const g = await t.admin.get(`${V1}/users/${u.id}`);
    const etag = g.headers.get('etag')!;
    const r = await t.admin.patch(`${V1}/users/${u.id}`, {
      department: 'Sales', jobTitle: 'Rep', accountEnabled: false, passwordProfile: { password: 'Another-Secret-1' },
    }, { 'if-match': etag });
    assert.equal(r.status, 204);
    const g2 = await t.admin.get(`${V1}/users/${u.id}`);
    assert.equal(g2.body.department, 'Sales');
    assert.equal(g2.body.jobTitle, 'Rep');
    assert.equal(g2.body.accountEnabled, false);
    const stale = await t.admin.patch(`${V1}/users/${u.id}`, { department: 'HR' }, { 'if-match': etag });
    assert.equal(stale.status, 412);
    const ev = await t.store.db.selectFrom('auditEvents').selectAll().where('targetId', '=', u.id).where('activity', '=', 'Update user').execute();
    assert.equal(ev.length, 1);
    const props = JSON.parse(ev[0].modifiedProperties) as { displayName: string; oldValue: unknown; newValue: unknown }[];
    assert.deepEqual(props.map((p) => p.displayName).sort(), ['accountEnabled', 'department', 'jobTitle']);
    assert.deepEqual(props.find((p) => p.displayName === 'accountEnabled'), { displayName: 'accountEnabled', oldValue: true, newValue: false });
    assert.ok(!ev[0].modifiedProperties.includes('Another-Secret-1'), 'expected: !ev[0].modifiedProperties.includes(\'Another-Secret-1\')');
  });

  it('filters with eq, in, startswith, contains and booleans; orders, selects, counts and pages', async () => {
    const tag = `flt${newId().slice(0, 6)}`;
    const names = ['Anna', 'Bert', 'Cleo', 'Dirk', 'Elin'];
    for (const [i, n] of names.entries()) {
      await createUser(`${tag}.${n.toLowerCase()}@contoso.test`, {
        displayName: `${tag} ${n}`, department: i % 2 === 0 ? 'Sales' : 'Legal', accountEnabled: n !== 'Dirk', userType: n === 'Elin' ? 'guest' : 'Member',
        givenName: n, surname: 'Filter',
      });
    }
    const list = async (q: string) => {
      const r = await t.admin.get(`${V1}/users?${q}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    const names_ = (b: { value: { displayName: string }[] }) => b.value.map((u) => u.displayName.split(' ')[1]);

    assert.deepEqual(names_(await list(`$filter=startswith(displayName,'${tag}')`)), names);
    assert.deepEqual(names_(await list(`$filter=startswith(displayName,'${tag}') and department eq 'Sales'`)), ['Anna', 'Cleo', 'Elin']);
    assert.deepEqual(names_(await list(`$filter=startswith(displayName,'${tag}') and accountEnabled eq false`)), ['Dirk']);
    assert.deepEqual(names_(await list(`$filter=startswith(displayName,'${tag}') and userType eq 'Guest'`)), ['Elin']);
    assert.deepEqual(names_(await list(`$filter=givenName in ('Bert','Cleo') and surname eq 'Filter'`)), ['Bert', 'Cleo']);
    assert.deepEqual(names_(await list(`$filter=contains(userPrincipalName,'${tag}.e')`)), ['Elin']);
    // sign-in names compare case-insensitively, with eq and in alike
    assert.deepEqual(names_(await list(`$filter=userPrincipalName eq '${tag.toUpperCase()}.ANNA@CONTOSO.TEST'`)), ['Anna']);
    assert.deepEqual(names_(await list(`$filter=userPrincipalName in ('${tag}.Bert@Contoso.Test')`)), ['Bert']);
    assert.deepEqual(names_(await list(`$filter=startswith(displayName,'${tag}') and jobTitle eq null and department ne 'Sales'`)), ['Bert', 'Dirk']);

    const first = await list(`$filter=startswith(displayName,'${tag}')&$orderby=displayName desc&$top=2&$count=true&$select=displayName,department`);
    assert.equal(first['@odata.count'], 5);
    assert.deepEqual(Object.keys(first.value[0]).sort(), ['department', 'displayName', 'id']);
    const seen = [...first.value];
    let next: string | undefined = first['@odata.nextLink'];
    while (next) {
      const p = await t.admin.get(next.replace(t.url, ''));
      assert.equal(p.status, 200);
      seen.push(...p.body.value);
      next = p.body['@odata.nextLink'];
    }
    assert.deepEqual(seen.map((u: { displayName: string }) => u.displayName.split(' ')[1]), ['Elin', 'Dirk', 'Cleo', 'Bert', 'Anna']);

    const bad = await t.admin.get(`${V1}/users?$filter=passwordProfile eq 'x'`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /passwordProfile/);
  });

  it('gets, sets and removes a manager, lists direct reports and expands the manager', async () => {
    const boss = await createUser('boss@contoso.test');
    const mid = await createUser('mid@contoso.test');
    const worker = await createUser('worker@contoso.test');

    const none = await t.admin.get(`${V1}/users/${worker.id}/manager`);
    assert.equal(none.status, 404);
    assert.equal(none.body.error.code, 'Request_ResourceNotFound');

    assert.equal((await t.admin.put(`${V1}/users/${mid.id}/manager/$ref`, ref('users', boss.id))).status, 204);
    // any base URL works, and /directoryObjects/ as well as /users/
    assert.equal((await t.admin.put(`${V1}/users/${worker.id}/manager/$ref`, { '@odata.id': `http://localhost:8080/v1.0/directoryObjects/${mid.id}` })).status, 204);

    const m = await t.admin.get(`${V1}/users/${worker.id}/manager`);
    assert.equal(m.status, 200);
    assert.equal(m.body.id, mid.id);
    assert.equal(m.body['@odata.type'], '#microsoft.graph.user');

    const reports = await t.admin.get(`${V1}/users/${boss.id}/directReports`);
    assert.deepEqual(reports.body.value.map((u: { id: string }) => u.id), [mid.id]);

    const expanded = await t.admin.get(`${V1}/users?$filter=id in ('${worker.id}','${boss.id}')&$expand=manager($select=displayName)&$orderby=displayName`);
    assert.equal(expanded.status, 200);
    const byId = new Map(expanded.body.value.map((u: { id: string }) => [u.id, u]));
    assert.deepEqual((byId.get(worker.id) as { manager: unknown }).manager, { '@odata.type': '#microsoft.graph.user', id: mid.id, displayName: 'mid' });
    assert.equal('manager' in (byId.get(boss.id) as object), false);
    const one = await t.admin.get(`${V1}/users/${worker.id}?$expand=manager`);
    assert.equal(one.body.manager.id, mid.id);

    // self and cycles are refused, and nothing changes
    const self = await t.admin.put(`${V1}/users/${boss.id}/manager/$ref`, ref('users', boss.id));
    assert.equal(self.status, 400);
    assert.match(self.body.error.message, /own manager/);
    const cycle = await t.admin.put(`${V1}/users/${boss.id}/manager/$ref`, ref('users', worker.id));
    assert.equal(cycle.status, 400);
    assert.match(cycle.body.error.message, /cycle/);
    assert.equal((await t.admin.get(`${V1}/users/${boss.id}/manager`)).status, 404);

    const badRef = await t.admin.put(`${V1}/users/${boss.id}/manager/$ref`, { '@odata.id': 'https://graph.microsoft.com/v1.0/users/not-a-guid' });
    assert.equal(badRef.status, 400);
    assert.equal(badRef.body.error.target, '@odata.id');
    const missing = await t.admin.put(`${V1}/users/${boss.id}/manager/$ref`, ref('users', newId()));
    assert.equal(missing.status, 404);

    assert.equal((await t.admin.delete(`${V1}/users/${worker.id}/manager/$ref`)).status, 204);
    assert.equal((await t.admin.get(`${V1}/users/${worker.id}/manager`)).status, 404);
    assert.equal((await t.admin.delete(`${V1}/users/${worker.id}/manager/$ref`)).status, 404);

    const events = await t.store.db.selectFrom('auditEvents').select(['activity', 'category']).where('targetId', '=', worker.id).orderBy('occurredAt').orderBy('activity').execute();
    assert.deepEqual(events.map((e) => e.activity).sort(), ['Add user', 'Remove manager', 'Set manager']);
    assert.ok(events.every((e) => e.category === 'UserManagement'), 'expected: events.every((e) => e.category === \'UserManagement\')');
  });

  it('deletes a user and its links, but not while it holds active assignments', async () => {
    const u = await createUser('leaver@contoso.test');
    const report = await createUser('report@contoso.test');
    await t.admin.put(`${V1}/users/${report.id}/manager/$ref`, ref('users', u.id));
    const g = await t.admin.post(`${V1}/groups`, { displayName: 'Leaver group' });
    await t.admin.post(`${V1}/groups/${g.body.id}/members/$ref`, ref('directoryObjects', u.id));
    await t.admin.post(`${V1}/groups/${g.body.id}/owners/$ref`, ref('users', u.id));

    const at = t.clock.now().toISOString();
    const assignment = { id: newId(), accessPackageId: newId(), policyId: null, targetId: u.id, state: 'delivered', status: 'Delivered', startAt: at, endAt: null, expiredAt: null, createdAt: at, modifiedAt: at, answers: '[]' };
    await t.store.db.insertInto('assignments').values(assignment).execute();
    const refused = await t.admin.delete(`${V1}/users/${u.id}`);
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /active access package assignment/);
    assert.equal((await t.admin.get(`${V1}/users/${u.id}`)).status, 200);

    await t.store.db.updateTable('assignments').set({ state: 'expired' }).where('id', '=', assignment.id).execute();
    const d = await t.admin.delete(`${V1}/users/${u.id}`);
    assert.equal(d.status, 204);
    const gone = await t.admin.get(`${V1}/users/${u.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'Request_ResourceNotFound');
    assert.equal((await t.admin.get(`${V1}/users/${report.id}/manager`)).status, 404);
    assert.deepEqual((await t.admin.get(`${V1}/groups/${g.body.id}/members`)).body.value, []);
    assert.deepEqual((await t.admin.get(`${V1}/groups/${g.body.id}/owners`)).body.value, []);
    const ev = await t.store.db.selectFrom('auditEvents').select('activity').where('targetId', '=', u.id).where('activity', '=', 'Delete user').execute();
    assert.equal(ev.length, 1);
  });

  it('lets a plain user read only themselves, and refuses writes', async () => {
    const me = await t.user({ displayName: 'Plain Person', department: 'Ops' });
    const other = await createUser('someone.else@contoso.test');
    const boss = await createUser('plain.boss@contoso.test');
    await t.admin.put(`${V1}/users/${me.id}/manager/$ref`, ref('users', boss.id));

    const self = await me.client.get(`${V1}/me`);
    assert.equal(self.status, 200);
    assert.equal(self.body.id, me.id);
    assert.equal(self.body.department, 'Ops');
    assert.equal((await me.client.get(`${V1}/users/${me.id}`)).status, 200);
    assert.equal((await me.client.get(`${V1}/users/${me.upn.toUpperCase()}`)).body.id, me.id);
    assert.equal((await me.client.get(`${V1}/me/manager`)).body.id, boss.id);
    assert.equal((await me.client.get(`${V1}/users/${me.id}/manager`)).body.id, boss.id);

    for (const path of [`/users/${other.id}`, `/users/${other.userPrincipalName}`, '/users', `/users/${boss.id}/directReports`, `/users/${other.id}/manager`, `/users/${newId()}`]) {
      const r = await me.client.get(`${V1}${path}`);
      assert.equal(r.status, 403, path);
      assert.equal(r.body.error.code, 'Authorization_RequestDenied');
    }
    assert.equal((await me.client.post(`${V1}/users`, { displayName: 'x', userPrincipalName: 'sneaky@contoso.test' })).status, 403);
    assert.equal((await me.client.patch(`${V1}/users/${me.id}`, { department: 'Exec' })).status, 403);
    assert.equal((await me.client.delete(`${V1}/users/${other.id}`)).status, 403);
    assert.equal((await me.client.put(`${V1}/users/${me.id}/manager/$ref`, ref('users', other.id))).status, 403);
    assert.equal((await me.client.delete(`${V1}/users/${me.id}/manager/$ref`)).status, 403);
    assert.equal((await t.admin.get(`${V1}/users/${me.id}`)).body.department, 'Ops');

    // a catalog role implies reading the directory (to pick people to assign), never writing it
    const reader = await t.user();
    const cat = await t.admin.post('/v1.0/identityGovernance/entitlementManagement/catalogs', { displayName: 'Dir reader catalog' });
    await t.grantRole(reader.id, RoleDefinitionIds.catalogReader, cat.body.id);
    assert.equal((await reader.client.get(`${V1}/users/${other.id}`)).status, 200);
    assert.equal((await reader.client.get(`${V1}/users?$top=1`)).status, 200);
    assert.equal((await reader.client.patch(`${V1}/users/${other.id}`, { department: 'x' })).status, 403);

    assert.equal((await t.anonymous.get(`${V1}/me`)).status, 401);
  });
});
