import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EM } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** Row counts of every table, to prove a refused request wrote nothing. */
async function snapshot(t: TestServer): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['catalogs', 'auditEvents', 'roleAssignments', 'accessPackages', 'users', 'groups'] as const) {
    const r = await t.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(r.n);
  }
  return out;
}

describe('API conventions: errors, limits and bad input', () => {
  let t: TestServer;
  let small: TestServer;
  before(async () => {
    t = await startTestServer();
    small = await startTestServer({ bodyLimit: 2048, rateLimitPerMinute: 5 });
  });
  after(async () => {
    await t.close();
    await small.close();
  });

  const badBodies: [string, unknown, RegExp, string | undefined][] = [
    ['wrong type', { displayName: 42 }, /displayName/, 'displayName'],
    ['missing required field', { description: 'no name' }, /displayName.*required/, 'displayName'],
    ['unknown property', { displayName: 'x', colour: 'red' }, /colour.*not a known property/, 'colour'],
    ['unknown enum value', { displayName: 'x', state: 'archived' }, /state.*published/, 'state'],
    ['empty name', { displayName: '' }, /displayName/, 'displayName'],
    ['too long a name', { displayName: 'x'.repeat(300) }, /displayName/, 'displayName'],
    ['an array instead of an object', [{ displayName: 'x' }], /must be object/, undefined],
    ['null body', null, /must be object|displayName.*required/, undefined],
  ];
  for (const [name, body, message, target] of badBodies) {
    it(`answers 400 for ${name}, naming the field, and writes nothing`, async () => {
      const before = await snapshot(t);
      const r = await t.admin.post(`${EM}/catalogs`, body);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error.code, 'BadRequest');
      assert.match(r.body.error.message, message);
      if (target) assert.equal(r.body.error.target, target);
      assert.ok(r.body.error.innerError['request-id'], 'expected: r.body.error.innerError[\'request-id\']');
      assert.ok(r.body.error.innerError.date, 'expected: r.body.error.innerError.date');
      assert.deepEqual(await snapshot(t), before);
    });
  }

  // PostgreSQL text cannot hold NUL (the driver failed: a 500), and a lone surrogate is no character (it
  // would be stored as U+FFFD): both are refused in every string of a request, on both stores
  const T = '#microsoft.graph.accessPackageTextInputQuestion';
  const badStrings: [string, string, unknown, string][] = [
    ['NUL in a name', `${EM}/catalogs`, { displayName: 'a\u0000b' }, 'displayName'],
    ['NUL in a description', `${EM}/catalogs`, { displayName: 'x', description: '\u0000' }, 'description'],
    ['a lone high surrogate', `${EM}/catalogs`, { displayName: 'x\ud800' }, 'displayName'],
    ['a lone low surrogate', `${EM}/catalogs`, { displayName: '\udc00x' }, 'displayName'],
    ['a reversed surrogate pair', `${EM}/catalogs`, { displayName: '\ude00\ud83d' }, 'displayName'],
    ['NUL in a property name', `${EM}/catalogs`, { displayName: 'x', 'colo\u0000ur': 'red' }, ''],
    ['NUL deep in a policy', `${EM}/assignmentPolicies`, {
      displayName: 'p', allowedTargetScope: 'notSpecified', accessPackage: { id: '00000000-0000-4000-8000-000000000000' },
      questions: [{ '@odata.type': T, sequence: 1, text: 'q', localizations: [{ languageCode: 'fr', text: 'q' }, { languageCode: 'de', text: 'f\u0000' }] }],
    }, 'questions[0].localizations[1].text'],
    ['NUL in a justification', `${EM}/assignmentRequests`, {
      requestType: 'userAdd', justification: 'because\u0000', assignment: { accessPackageId: '00000000-0000-4000-8000-000000000000' },
    }, 'justification'],
  ];
  for (const [name, path, body, target] of badStrings) {
    it(`answers 400 for ${name}, naming the field, and writes nothing`, async () => {
      const before = await snapshot(t);
      const r = await t.admin.post(path, body);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error.code, 'BadRequest');
      if (target) assert.equal(r.body.error.target, target, r.text);
      assert.match(r.body.error.message, /NUL|surrogate/);
      assert.deepEqual(await snapshot(t), before);
    });
  }

  it('answers 400 for NUL in a query string value or a path parameter, naming it', async () => {
    const filter = await t.admin.get(`${EM}/catalogs?$filter=${encodeURIComponent("displayName eq 'a\u0000'")}`);
    assert.equal(filter.status, 400, filter.text);
    assert.equal(filter.body.error.target, '$filter');
    const search = await t.admin.get(`${EM}/catalogs?$search=%00`);
    assert.equal(search.status, 400, search.text);
    assert.equal(search.body.error.target, '$search');
    const id = await t.admin.get(`${EM}/catalogs/%00`);
    assert.equal(id.status, 400, id.text);
    assert.match(id.body.error.message, /NUL/);
    const patch = await t.admin.patch(`${EM}/catalogs/a%00b`, { displayName: 'x' });
    assert.equal(patch.status, 400, patch.text);
  });

  it('takes well-formed text beyond the Basic Multilingual Plane and control characters other than NUL', async () => {
    const r = await t.admin.post(`${EM}/catalogs`, { displayName: 'Émoji 😀 \u0001 tab\t', description: '𝄞' });
    assert.equal(r.status, 201, r.text);
    const read = await t.admin.get(`${EM}/catalogs/${r.body.id}`);
    assert.equal(read.body.displayName, 'Émoji 😀 \u0001 tab\t');
    assert.equal(read.body.description, '𝄞');
  });

  it('answers 400 for malformed JSON', async () => {
    const before = await snapshot(t);
    const r = await t.admin.post(`${EM}/catalogs`, '{"displayName": "x",');
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /not valid JSON/);
    assert.deepEqual(await snapshot(t), before);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const r = await t.admin.post(`${EM}/catalogs`, 'displayName=x', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(r.status, 415);
    assert.equal(r.body.error.code, 'UnsupportedMediaType');
  });

  it('reads an empty body of any content type as no body: bodiless actions run, others name the missing property', async () => {
    const unknown = '00000000-0000-0000-0000-000000000000';
    for (const type of ['application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain;charset=UTF-8', 'application/octet-stream']) {
      // the action is reached (404: no such request), not refused for its body
      for (const action of [`assignmentRequests/${unknown}/cancel`, `assignmentRequests/${unknown}/reprocess`, `assignments/${unknown}/reprocess`, `accessPackages/${unknown}/getApplicablePolicyRequirements`]) {
        const r = await t.admin.request('POST', `${EM}/${action}`, '', { 'content-type': type });
        assert.equal(r.status, 404, `${type} ${action}: ${r.text}`);
        assert.equal(r.body.error.code, 'ResourceNotFound');
      }
      const c = await t.admin.request('POST', `${EM}/catalogs`, '', { 'content-type': type });
      assert.equal(c.status, 400, `${type}: ${c.text}`);
      assert.match(c.body.error.message, /displayName/, type);
    }
    const form = await t.admin.request('POST', `${EM}/assignmentRequests/${unknown}/cancel`, 'x=1', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415, 'a body that is not JSON is still refused');
  });

  it('answers 413 for an oversized body', async () => {
    const r = await small.admin.post(`${EM}/catalogs`, { displayName: 'x', description: 'y'.repeat(4000) });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'RequestEntityTooLarge');
  });

  it('answers 404 for unknown and malformed ids', async () => {
    for (const id of ['00000000-0000-0000-0000-000000000000', 'not-a-guid', "x' or '1'='1", '%01']) {
      const r = await t.admin.get(`${EM}/catalogs/${encodeURIComponent(id)}`);
      assert.equal(r.status, 404, id);
      assert.equal(r.body.error.code, 'ResourceNotFound');
    }
  });

  const hostile = [
    "displayName eq 'x'; drop table catalogs; --'",
    "displayName eq 'x'' or ''1''=''1'",
    `${'('.repeat(200)}displayName eq 'x'${')'.repeat(200)}`,
    `${'not '.repeat(100)}displayName eq 'x'`,
    Array.from({ length: 400 }, (_, i) => `displayName eq '${i}'`).join(' or '),
    "displayName eq 'x' union select * from users",
    'id eq 1 or 1 eq 1',
    "contains(displayName, '%')",
    "startswith(displayName, '_')",
    'x'.repeat(10_000),
  ];
  for (const f of hostile) {
    it(`survives a hostile $filter: ${JSON.stringify(f).slice(0, 60)}`, async () => {
      const before = await snapshot(t);
      const r = await t.admin.get(`${EM}/catalogs?$filter=${encodeURIComponent(f)}`);
      assert.ok(r.status === 200 || r.status === 400, `status ${r.status}: ${r.text.slice(0, 200)}`);
      if (r.status === 400) assert.match(r.body.error.message, /\$filter|filter/);
      else assert.deepEqual(r.body.value, [], 'a literal never turns into SQL, so nothing matches');
      assert.deepEqual(await snapshot(t), before);
    });
  }

  it('treats LIKE wildcards in contains() literally', async () => {
    await t.admin.post(`${EM}/catalogs`, { displayName: '100% coverage' });
    await t.admin.post(`${EM}/catalogs`, { displayName: '100 percent' });
    const r = await t.admin.get(`${EM}/catalogs?$filter=${encodeURIComponent("contains(displayName,'0%')")}`);
    assert.deepEqual(r.body.value.map((c: { displayName: string }) => c.displayName), ['100% coverage']);
  });

  it('answers 404 with the Graph error body for unknown routes', async () => {
    const r = await t.admin.get('/v1.0/nothingHere');
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'ResourceNotFound');
  });

  it('echoes client-request-id as the request id', async () => {
    const r = await t.admin.get(`${EM}/catalogs/nope`, { 'client-request-id': 'abc-123' });
    assert.equal(r.headers.get('request-id'), 'abc-123');
    assert.equal(r.body.error.innerError['request-id'], 'abc-123');
  });

  it('answers 429 with Retry-After once a caller exceeds the rate limit', async () => {
    const { client } = await small.user();
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 7; i++) {
      last = await client.get(`${EM}/catalogs`);
      statuses.push(last.status);
    }
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
    assert.equal(statuses[6], 429);
    assert.equal(last!.body.error.code, 'TooManyRequests');
    assert.ok(Number(last!.headers.get('retry-after')) > 0, 'expected: Number(last!.headers.get(\'retry-after\')) > 0');
  });

  it('serves an OpenAPI document generated from the route schemas, and the docs page', async () => {
    const r = await t.anonymous.get('/openapi.json');
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.0.3');
    const post = r.body.paths['/v1.0/identityGovernance/entitlementManagement/catalogs'].post;
    assert.ok(post.requestBody.content['application/json'].schema.properties.displayName, 'expected: post.requestBody.content[\'application/json\'].schema.properties.displayName');
    const docs = await fetch(`${t.url}/docs/`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger/i);
  });

  it('reports health and readiness without a token', async () => {
    assert.deepEqual((await t.anonymous.get('/healthz')).body, { status: 'ok' });
    const ready = await t.anonymous.get('/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ready');
  });
});
