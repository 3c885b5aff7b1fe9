import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { newId } from '../../src/domain/ids.js';
import { newUserRow } from '../../src/store/users.js';
import { EM } from '../support/client.js';
import { adminAdd, directPolicy, getRequest, makePackage, makePolicy, submit, userAdd } from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Reading assignments: GET with $filter/$expand/filterByCurrentUser, additionalAccess, and the CSV export.

/** RFC 4180: quoted fields may hold commas, doubled quotes and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

const HEADER = ['assignmentId', 'targetDisplayName', 'targetPrincipalName', 'targetEmail', 'accessPackage', 'policy', 'state', 'status', 'startDateTime', 'endDateTime', 'expiredDateTime'];

describe('lifecycle: reading assignments and the CSV export', () => {
  let t: TestServer;
  const people: { id: string; upn: string; client: TestServer['admin'] }[] = [];
  let fxA: Awaited<ReturnType<typeof makePackage>>;
  let fxB: Awaited<ReturnType<typeof makePackage>>;
  let polA = '';
  let polB = '';
  const assignmentOfTarget = new Map<string, string>();

  before(async () => {
    t = await startTestServer();
    people.push(await t.user({ displayName: 'Smith, Jane' }));
    people.push(await t.user({ displayName: 'Quote "Q" User' }));
    people.push(await t.user({ displayName: 'Multi\nLine' }));
    fxA = await makePackage(t, 'Package A, "the first"');
    fxB = await makePackage(t, 'Package B');
    polA = await directPolicy(t, fxA.packageId);
    polB = await makePolicy(t, fxB.packageId);
    for (const p of people) {
      const r = await adminAdd(t, fxA.packageId, polA, { targetId: p.id });
      assert.equal(r.status, 201, r.text);
    }
    // person 0 also requests B themselves
    assert.equal((await userAdd(people[0].client, fxB.packageId, polB)).status, 201);
    await t.drain();
    const all = await t.admin.get(`${EM}/assignments?$filter=accessPackage/id eq '${fxA.packageId}'&$expand=target`);
    for (const a of all.body.value) assignmentOfTarget.set(a.target.objectId ?? a.target.id, a.id);
  });
  after(async () => { await t.close(); });

  it('GET assignments: $filter on accessPackage/id, state and target/objectId; $expand target, accessPackage, assignmentPolicy', async () => {
    const byPkg = await t.admin.get(`${EM}/assignments?$filter=accessPackage/id eq '${fxA.packageId}'&$expand=target,accessPackage,assignmentPolicy&$count=true`);
    assert.equal(byPkg.status, 200, byPkg.text);
    assert.equal(byPkg.body['@odata.count'], 3);
    for (const a of byPkg.body.value) {
      assert.equal(a.state, 'delivered');
      assert.equal(a.accessPackage.id, fxA.packageId);
      assert.equal(a.accessPackage.displayName, 'Package A, "the first"');
      assert.equal(a.assignmentPolicy.id, polA);
      assert.ok(people.some((p) => p.id === (a.target.objectId ?? a.target.id)), 'expected: people.some((p) => p.id === (a.target.objectId ?? a.target.id))');
    }
    const mine = await t.admin.get(`${EM}/assignments?$filter=target/objectId eq '${people[0].id}'`);
    assert.equal(mine.body.value.length, 2);
    // end one: state filter tells them apart
    await submit(t.admin, { requestType: 'adminRemove', assignment: { id: assignmentOfTarget.get(people[2].id) } });
    await t.drain();
    const expired = await t.admin.get(`${EM}/assignments?$filter=state eq 'expired' and accessPackage/id eq '${fxA.packageId}'`);
    assert.deepEqual(expired.body.value.map((a: { id: string }) => a.id), [assignmentOfTarget.get(people[2].id)]);
    const delivered = await t.admin.get(`${EM}/assignments?$filter=state eq 'Delivered' and accessPackage/id eq '${fxA.packageId}'`);
    assert.equal(delivered.body.value.length, 2);
    const bad = await t.admin.get(`${EM}/assignments?$filter=state eq 'bogus'`);
    assert.equal(bad.status, 400);
  });

  it("filterByCurrentUser(on='target') returns only the caller's assignments; a plain user sees only their own in the list", async () => {
    const me = people[0];
    const r = await me.client.get(`${EM}/assignments/filterByCurrentUser(on='target')?$expand=accessPackage`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.value.map((a: { accessPackage: { id: string } }) => a.accessPackage.id).sort(), [fxA.packageId, fxB.packageId].sort());
    const list = await me.client.get(`${EM}/assignments`);
    assert.equal(list.body.value.length, 2);
    assert.equal((await me.client.get(`${EM}/assignments/${assignmentOfTarget.get(people[1].id)}`)).status, 403);
  });

  it('additionalAccess lists holders of a package who also hold the other one', async () => {
    const r = await t.admin.get(`${EM}/assignments/additionalAccess(accessPackageId='${fxA.packageId}',incompatibleAccessPackageId='${fxB.packageId}')?$expand=target`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.value.map((a: { target: { objectId?: string; id?: string } }) => a.target.objectId ?? a.target.id), [people[0].id]);
    const encoded = await t.admin.get(`${EM}/assignments/additionalAccess(accessPackageId=%27${fxA.packageId}%27,incompatibleAccessPackageId=%27${fxB.packageId}%27)`);
    assert.equal(encoded.status, 200, encoded.text);
    assert.equal(encoded.body.value.length, 1);
    const reverse = await t.admin.get(`${EM}/assignments/additionalAccess(accessPackageId='${fxB.packageId}',incompatibleAccessPackageId='${fxA.packageId}')`);
    assert.equal(reverse.body.value.length, 1);
    const none = await t.admin.get(`${EM}/assignments/additionalAccess(accessPackageId='${fxB.packageId}',incompatibleAccessPackageId='${fxB.packageId}')`);
    assert.equal(none.status, 400);
    assert.equal((await people[1].client.get(`${EM}/assignments/additionalAccess(accessPackageId='${fxA.packageId}',incompatibleAccessPackageId='${fxB.packageId}')`)).status, 403);
  });

  it('CSV: header and one row per assignment, quoting commas, quotes and newlines; $filter honoured; only what the caller may read', async () => {
    const res = await fetch(`${t.url}/latchkey/v1/assignments.csv`, { headers: { authorization: `Bearer ${t.admin.token}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    const text = await res.text();
    assert.match(text, /"Smith, Jane"/);
    assert.match(text, /"Quote ""Q"" User"/);
    assert.match(text, /"Multi\nLine"/);
    const rows = parseCsv(text);
    assert.deepEqual(rows[0], HEADER);
    const body = rows.slice(1);
    assert.equal(body.length, 4, text);
    const col = (name: string) => HEADER.indexOf(name);
    const jane = body.filter((r) => r[col('targetDisplayName')] === 'Smith, Jane');
    assert.equal(jane.length, 2);
    const janeA = jane.find((r) => r[col('accessPackage')] === 'Package A, "the first"')!;
    assert.ok(janeA, 'expected: janeA');
    assert.equal(janeA[col('targetPrincipalName')], people[0].upn);
    assert.equal(janeA[col('state')], 'delivered');
    const a = await t.admin.get(`${EM}/assignments/${janeA[col('assignmentId')]}?$expand=assignmentPolicy`);
    assert.equal(a.body.assignmentPolicy.displayName, janeA[col('policy')]);
    assert.equal(a.body.schedule.startDateTime, janeA[col('startDateTime')]);
    assert.equal(a.body.schedule.expiration.endDateTime, janeA[col('endDateTime')]);
    assert.deepEqual(body.find((r) => r[col('targetDisplayName')] === 'Multi\nLine')!.slice(col('state'), col('status') + 1), ['expired', 'Expired']);

    const filtered = parseCsv(await (await fetch(`${t.url}/latchkey/v1/assignments.csv?$filter=${encodeURIComponent(`accessPackage/id eq '${fxB.packageId}'`)}`,
      { headers: { authorization: `Bearer ${t.admin.token}` } })).text());
    assert.equal(filtered.length, 2);
    assert.equal(filtered[1][col('accessPackage')], 'Package B');

    // an assignment manager of B's catalog only sees B's rows; a plain user only their own
    const manager = await t.user();
    await t.grantRole(manager.id, RoleDefinitionIds.accessPackageAssignmentManager, fxB.catalogId);
    const managed = parseCsv(await (await fetch(`${t.url}/latchkey/v1/assignments.csv`, { headers: { authorization: `Bearer ${manager.client.token}` } })).text());
    assert.deepEqual(managed.slice(1).map((r) => r[col('accessPackage')]), ['Package B']);
    const own = parseCsv(await (await fetch(`${t.url}/latchkey/v1/assignments.csv`, { headers: { authorization: `Bearer ${people[1].client.token}` } })).text());
    assert.deepEqual(own.slice(1).map((r) => r[col('targetDisplayName')]), ['Quote "Q" User']);
    const badFilter = await fetch(`${t.url}/latchkey/v1/assignments.csv?$filter=${encodeURIComponent('nonsense eq 1')}`, { headers: { authorization: `Bearer ${t.admin.token}` } });
    assert.equal(badFilter.status, 400);
    assert.equal((await fetch(`${t.url}/latchkey/v1/assignments.csv`)).status, 401);
  });

  it('CSV: a cell that a spreadsheet would read as a formula (=, +, -, @, tab, carriage return) is prefixed with a single quote', async () => {
    const fx = await makePackage(t, '=HYPERLINK("http://evil.test","Package")');
    const policyR = await t.admin.post(`${EM}/assignmentPolicies`, { displayName: '@SUM(1+1)*cmd|\' /C calc\'!A0', allowedTargetScope: 'notSpecified', accessPackage: { id: fx.packageId } });
    assert.equal(policyR.status, 201, policyR.text);
    const names = ['=1+1', '+1', '-2+3', '@A1', '\tTab', '\rReturn', 'Plain - name', '＝full width'];
    for (const displayName of names) {
      const u = await t.user({ displayName, mail: displayName === '+1' ? '=mail@csv.example' : undefined });
      assert.equal((await adminAdd(t, fx.packageId, policyR.body.id, { targetId: u.id })).status, 201);
    }
    const res = await fetch(`${t.url}/latchkey/v1/assignments.csv?$filter=${encodeURIComponent(`accessPackage/id eq '${fx.packageId}'`)}`, { headers: { authorization: `Bearer ${t.admin.token}` } });
    const rows = parseCsv(await res.text()).slice(1);
    const col = (name: string) => HEADER.indexOf(name);
    assert.deepEqual(rows.map((r) => r[col('targetDisplayName')]).sort(),
      ["'=1+1", "'+1", "'-2+3", "'@A1", "'\tTab", "'\rReturn", 'Plain - name', "'＝full width"].sort());
    for (const r of rows) {
      assert.equal(r[col('accessPackage')], '\'=HYPERLINK("http://evil.test","Package")');
      assert.equal(r[col('policy')], "'@SUM(1+1)*cmd|' /C calc'!A0");
      assert.match(r[col('startDateTime')], /^\d{4}-/, 'dates are left alone');
    }
    assert.equal(rows.find((r) => r[col('targetDisplayName')] === "'+1")![col('targetEmail')], "'=mail@csv.example");
  });

  it('CSV across many keyset pages: every assignment of a 2,345-assignment package once, in id order; a filter matching nothing gives the header alone', async () => {
    const fx = await makePackage(t, 'Big export');
    const policyId = await directPolicy(t, fx.packageId);
    const at = t.clock.now().toISOString();
    // written straight into the store: 2,345 requests through the API would make this test slow, and the
    // export only reads rows
    const users = Array.from({ length: 2345 }, (_, i) => newUserRow({ displayName: `Bulk ${i}`, userPrincipalName: `bulk${i}@csv.example` }, at));
    const assignments = users.map((u) => ({
      id: newId(), accessPackageId: fx.packageId, policyId, targetId: u.id, state: 'delivered', status: 'Delivered', startAt: at, endAt: null, expiredAt: null,
      createdAt: at, modifiedAt: at, requestId: null, justification: null, answers: '[]', reminded14At: null, reminded1At: null,
    }));
    for (let i = 0; i < users.length; i += 200) {
      await t.store.db.insertInto('users').values(users.slice(i, i + 200)).execute();
      await t.store.db.insertInto('assignments').values(assignments.slice(i, i + 200)).execute();
    }
    const csvOf = async (filter: string) => {
      const res = await fetch(`${t.url}/latchkey/v1/assignments.csv?$filter=${encodeURIComponent(filter)}`, { headers: { authorization: `Bearer ${t.admin.token}` } });
      assert.equal(res.status, 200);
      return parseCsv(await res.text());
    };
    const rows = await csvOf(`accessPackage/id eq '${fx.packageId}'`);
    assert.deepEqual(rows[0], HEADER, 'one header, at the top');
    const ids = rows.slice(1).map((r) => r[0]);
    assert.equal(ids.length, 2345, 'one row per assignment');
    assert.equal(new Set(ids).size, 2345, 'no row twice across page boundaries');
    assert.deepEqual(ids, assignments.map((a) => a.id).sort(), 'every assignment, in id order');
    assert.ok(rows.slice(1).every((r) => r.length === HEADER.length && r[HEADER.indexOf('accessPackage')] === 'Big export'), 'complete rows');
    assert.deepEqual(await csvOf(`accessPackage/id eq '${fx.packageId}' and state eq 'expired'`), [HEADER], 'nothing matches: the header alone');
  });

  it('requests: filterByCurrentUser and $filter on requestType and state', async () => {
    const me = people[0];
    const created = await me.client.get(`${EM}/assignmentRequests/filterByCurrentUser(on='createdBy')`);
    assert.deepEqual(created.body.value.map((r: { requestType: string }) => r.requestType), ['userAdd']);
    const target = await me.client.get(`${EM}/assignmentRequests/filterByCurrentUser(on='target')`);
    assert.deepEqual(target.body.value.map((r: { requestType: string }) => r.requestType).sort(), ['adminAdd', 'userAdd']);
    const adminAdds = await t.admin.get(`${EM}/assignmentRequests?$filter=requestType eq 'adminAdd' and state eq 'delivered'`);
    assert.equal(adminAdds.body.value.length, 3);
    const one = await getRequest(t, adminAdds.body.value[0].id);
    assert.equal(one.requestType, 'adminAdd');
  });
});
