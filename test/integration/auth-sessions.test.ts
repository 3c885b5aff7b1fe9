import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/api/app.js';
import { demoSignInRefusal } from '../../src/api/auth/demo.js';
import { safeReturnTo } from '../../src/api/auth/index.js';
import { ManualClock } from '../../src/domain/clock.js';
import { RoleDefinitionIds as R } from '../../src/domain/authorization.js';
import { DEMO_PERSONAS } from '../../src/demo/personas.js';
import { DEMO_DOMAIN, isDemoUserPrincipalName, seedDemo } from '../../src/demo/seed.js';
import { openStore } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { ApiClient, EM } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { scratchDatabase } from '../support/stores.js';

// Web sessions: demo sign-in, the session cookie, /me, CSRF, sign-out, expiry, disabled users.

const AUTH = '/latchkey/v1/auth';
const CSRF = { 'x-latchkey-request': '1' };
const HOUR = 3600_000;

/** The session cookie's value from a sign-in response, and the attributes it was set with. */
function sessionCookieOf(headers: Headers): { value: string; attrs: string[] } {
  const line = headers.getSetCookie().find((c) => c.startsWith('latchkey_session='));
  assert.ok(line, `a latchkey_session cookie is set: ${JSON.stringify(headers.getSetCookie())}`);
  const [pair, ...attrs] = line.split(';').map((s) => s.trim());
  return { value: pair.slice('latchkey_session='.length), attrs: attrs.map((a) => a.toLowerCase()) };
}

let people = 0;
/** A user of the demo domain, the only people demo sign-in offers and accepts. */
function demoUser(t: TestServer, fields: Parameters<TestServer['user']>[0] = {}) {
  return t.user({ userPrincipalName: `person${++people}-${Date.now().toString(36)}@${DEMO_DOMAIN}`, ...fields });
}

/** A client that sends the session cookie (and the CSRF header unless told not to), never a token. */
function browser(url: string, cookie: string, csrf = true) {
  const api = new ApiClient(url);
  const h = (): Record<string, string> => ({ cookie: `latchkey_session=${cookie}`, ...(csrf ? CSRF : {}) });
  return {
    get: (path: string) => api.get(path, h()),
    post: (path: string, body?: unknown) => api.post(path, body, h()),
    patch: (path: string, body: unknown) => api.patch(path, body, h()),
  };
}

describe('web sessions with demo sign-in', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer({ auth: { demoSignIn: true, sessions: { idleMs: 8 * HOUR, absoluteMs: 7 * 24 * HOUR } } }); });
  after(async () => { await t?.close(); });

  async function signIn(upn: string): Promise<string> {
    const r = await t.anonymous.post(`${AUTH}/demo/signin`, { userPrincipalName: upn }, CSRF);
    assert.equal(r.status, 204, `demo sign-in of ${upn}: ${r.text}`);
    return sessionCookieOf(r.headers).value;
  }

  it('publishes the sign-in configuration', async () => {
    const r = await t.anonymous.get(`${AUTH}/config`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { demo: true, oidc: { enabled: false, displayName: null } });
  });

  it('signs in through the demo route with a secure-by-default cookie, storing only its hash', async () => {
    const u = await demoUser(t, { displayName: 'Dana Demo' });
    const r = await t.anonymous.post(`${AUTH}/demo/signin`, { userPrincipalName: u.upn.toUpperCase() }, CSRF);
    assert.equal(r.status, 204, r.text);
    const { value, attrs } = sessionCookieOf(r.headers);
    assert.match(value, /^[A-Za-z0-9_-]{43}$/, '256 random bits, base64url');
    assert.ok(attrs.includes('httponly'), `HttpOnly: ${attrs.join('; ')}`);
    assert.ok(attrs.includes('samesite=lax'), `SameSite=Lax: ${attrs.join('; ')}`);
    assert.ok(attrs.includes('path=/'), `Path=/: ${attrs.join('; ')}`);
    assert.ok(!attrs.includes('secure'), 'not Secure on plain http without an https PUBLIC_URL');
    assert.ok(attrs.some((a) => a.startsWith('expires=')), 'expires with the absolute lifetime');

    const rows = await t.store.db.selectFrom('sessions').selectAll().where('userId', '=', u.id).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].tokenHash, createHash('sha256').update(value).digest('hex'));
    assert.equal(rows[0].via, 'demo');
    assert.ok(!JSON.stringify(rows).includes(value), 'the cookie value itself is not stored');
    assert.equal(rows[0].expiresAt, new Date(t.clock.now().getTime() + 7 * 24 * HOUR).toISOString());

    const me = await browser(t.url, value).get('/latchkey/v1/me');
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.id, u.id);
    assert.equal(me.body.displayName, 'Dana Demo');
  });

  it('refuses demo sign-in without the CSRF header, for unknown and for disabled users', async () => {
    const u = await demoUser(t);
    const noHeader = await t.anonymous.post(`${AUTH}/demo/signin`, { userPrincipalName: u.upn });
    assert.equal(noHeader.status, 403);
    assert.match(noHeader.body.error.message, /X-Latchkey-Request: 1/);
    assert.equal(noHeader.headers.getSetCookie().length, 0, 'no cookie without the header');
    const unknown = await t.anonymous.post(`${AUTH}/demo/signin`, { userPrincipalName: 'nobody@contoso.test' }, CSRF);
    assert.equal(unknown.status, 404);
    const off = await demoUser(t, { accountEnabled: false });
    const disabled = await t.anonymous.post(`${AUTH}/demo/signin`, { userPrincipalName: off.upn }, CSRF);
    assert.equal(disabled.status, 403);
    assert.match(disabled.body.error.message, /disabled/);
    const bad = await t.anonymous.post(`${AUTH}/demo/signin`, { user: 'x' }, CSRF);
    assert.equal(bad.status, 400);
  });

  it('refuses everyone outside the demo domain, enabled and known as they are, as if they did not exist', async () => {
    const outsiders = [
      await t.user(),
      await t.user({ userPrincipalName: `eve-${Date.now()}@not${DEMO_DOMAIN}` }),
      await t.user({ userPrincipalName: `eve-${Date.now()}@${DEMO_DOMAIN}.evil.test` }),
      await t.user({ userPrincipalName: `eve-${Date.now()}@sub.${DEMO_DOMAIN}` }),
    ];
    for (const o of outsiders) {
      const r = await t.anonymous.post(`${AUTH}/demo/signin`, { userPrincipalName: o.upn }, CSRF);
      assert.equal(r.status, 404, `${o.upn} is refused: ${r.text}`);
      assert.equal(r.headers.getSetCookie().length, 0, `no cookie for ${o.upn}`);
      assert.equal((await t.store.db.selectFrom('sessions').select('id').where('userId', '=', o.id).execute()).length, 0, `no session row for ${o.upn}`);
    }
    // the administrator the test server made (contoso.test) has every right and still cannot be picked
    const admin = await t.store.db.selectFrom('users').select('userPrincipalName').where('id', '=', t.adminId).executeTakeFirstOrThrow();
    assert.equal((await t.anonymous.post(`${AUTH}/demo/signin`, { userPrincipalName: admin.userPrincipalName }, CSRF)).status, 404);
    // a demo-domain person in any letter case is accepted
    const insider = await demoUser(t);
    assert.equal((await t.anonymous.post(`${AUTH}/demo/signin`, { userPrincipalName: insider.upn.toUpperCase() }, CSRF)).status, 204);
  });

  it('/me of the administrator: every tenant action, every action in every catalog', async () => {
    const admin = await demoUser(t, { displayName: 'Ada Admin' });
    await t.grantRole(admin.id, R.administrator);
    const me = await browser(t.url, await signIn(admin.upn)).get('/latchkey/v1/me');
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(me.body, {
      id: admin.id, displayName: 'Ada Admin', userPrincipalName: admin.upn, mail: admin.upn, userType: 'Member',
      tenantRoles: [{ roleDefinitionId: R.administrator, displayName: 'Identity Governance Administrator' }],
      catalogRoles: [],
      can: {
        tenant: ['directory.read', 'directory.write', 'catalog.create', 'connectedOrganization.read', 'connectedOrganization.write',
          'settings.read', 'settings.write', 'roleAssignment.tenant.write', 'audit.read'],
        anyCatalog: ['catalog.read', 'catalog.write', 'catalog.resources.write', 'catalog.roles.write', 'package.write', 'assignment.read', 'assignment.write'],
        catalogs: {},
      },
    });
  });

  it('/me of a plain user: no roles, nothing to administer', async () => {
    const u = await demoUser(t, { displayName: 'Pat Plain' });
    const me = await browser(t.url, await signIn(u.upn)).get('/latchkey/v1/me');
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(me.body.tenantRoles, []);
    assert.deepEqual(me.body.catalogRoles, []);
    assert.deepEqual(me.body.can, { tenant: [], anyCatalog: [], catalogs: {} });
    assert.equal(me.body.userPrincipalName, u.upn);
  });

  it('/me of catalog-scoped role holders, directly and through a group, and a catalog creator', async () => {
    const cat = await t.admin.post(`${EM}/catalogs`, { displayName: 'Scoped' });
    assert.equal(cat.status, 201, cat.text);
    const catalogId = cat.body.id as string;
    const manager = await demoUser(t);
    await t.grantRole(manager.id, R.accessPackageAssignmentManager, catalogId);
    const me = await browser(t.url, await signIn(manager.upn)).get('/latchkey/v1/me');
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(me.body.tenantRoles, []);
    assert.deepEqual(me.body.catalogRoles, [{ catalogId, roleDefinitionId: R.accessPackageAssignmentManager, displayName: 'Access package assignment manager' }]);
    // holding a catalog role implies looking up people and organizations (authorization.ts)
    assert.deepEqual(me.body.can, {
      tenant: ['directory.read', 'connectedOrganization.read'],
      anyCatalog: [],
      catalogs: { [catalogId]: ['catalog.read', 'assignment.read', 'assignment.write'] },
    });

    const owner = await demoUser(t);
    const group = await t.admin.post('/v1.0/groups', { displayName: 'Scoped owners', 'members@odata.bind': [`https://graph.microsoft.com/v1.0/users/${owner.id}`] });
    assert.equal(group.status, 201, group.text);
    await t.grantRole(group.body.id, R.catalogOwner, catalogId);
    const ownerMe = await browser(t.url, await signIn(owner.upn)).get('/latchkey/v1/me');
    assert.deepEqual(ownerMe.body.catalogRoles, [{ catalogId, roleDefinitionId: R.catalogOwner, displayName: 'Catalog owner' }]);
    assert.deepEqual(ownerMe.body.can.catalogs[catalogId],
      ['catalog.read', 'catalog.write', 'catalog.resources.write', 'catalog.roles.write', 'package.write', 'assignment.read', 'assignment.write']);

    const creator = await demoUser(t);
    await t.grantRole(creator.id, R.catalogCreator);
    const creatorMe = await browser(t.url, await signIn(creator.upn)).get('/latchkey/v1/me');
    assert.deepEqual(creatorMe.body.can, { tenant: ['directory.read', 'catalog.create'], anyCatalog: [], catalogs: {} });
  });

  it('requires the CSRF header on state-changing requests signed in by cookie, not on bearer-token requests', async () => {
    const admin = await demoUser(t);
    await t.grantRole(admin.id, R.administrator);
    const cookie = await signIn(admin.upn);
    const refused = await browser(t.url, cookie, false).post(`${EM}/catalogs`, { displayName: 'Forged' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'Authorization_RequestDenied');
    assert.match(refused.body.error.message, /X-Latchkey-Request: 1/);
    const reads = await browser(t.url, cookie, false).get(`${EM}/catalogs`);
    assert.equal(reads.status, 200, 'reads need no header');
    const made = await browser(t.url, cookie).post(`${EM}/catalogs`, { displayName: 'Made in the browser' });
    assert.equal(made.status, 201, made.text);
    const forged = await t.store.db.selectFrom('catalogs').select('id').where('displayName', '=', 'Forged').execute();
    assert.equal(forged.length, 0, 'the refused request changed nothing');
    // an API client with a bearer token needs no header, even if a cookie rides along
    const api = await t.admin.post(`${EM}/catalogs`, { displayName: 'By token' }, { cookie: `latchkey_session=${cookie}` });
    assert.equal(api.status, 201, api.text);
    assert.equal((await t.admin.post(`${EM}/catalogs`, { displayName: 'By token alone' })).status, 201);
  });

  it('signs out: the session row is revoked, the cookie cleared, and the old cookie no longer works', async () => {
    const u = await demoUser(t);
    const cookie = await signIn(u.upn);
    assert.equal((await browser(t.url, cookie).get('/latchkey/v1/me')).status, 200);
    const noHeader = await t.anonymous.post(`${AUTH}/signout`, undefined, { cookie: `latchkey_session=${cookie}` });
    assert.equal(noHeader.status, 403, 'sign-out needs the CSRF header too');
    assert.equal((await browser(t.url, cookie).get('/latchkey/v1/me')).status, 200, 'a refused sign-out leaves the session');
    const out = await browser(t.url, cookie).post(`${AUTH}/signout`);
    assert.equal(out.status, 204, out.text);
    const cleared = sessionCookieOf(out.headers);
    assert.equal(cleared.value, '');
    assert.ok(cleared.attrs.includes('max-age=0'), `cleared: ${cleared.attrs.join('; ')}`);
    const row = await t.store.db.selectFrom('sessions').select('revokedAt').where('userId', '=', u.id).executeTakeFirstOrThrow();
    assert.equal(row.revokedAt, t.clock.now().toISOString());
    const after = await browser(t.url, cookie).get('/latchkey/v1/me');
    assert.equal(after.status, 401);
    assert.equal(after.body.error.code, 'InvalidAuthenticationToken');
    // signing out without a session is harmless
    assert.equal((await t.anonymous.post(`${AUTH}/signout`, undefined, CSRF)).status, 204);
  });

  it('gives every sign-in a fresh session and ends the one the browser still had', async () => {
    const u = await demoUser(t);
    const first = await signIn(u.upn);
    const again = await t.anonymous.post(`${AUTH}/demo/signin`, { userPrincipalName: u.upn }, { ...CSRF, cookie: `latchkey_session=${first}` });
    assert.equal(again.status, 204, again.text);
    const second = sessionCookieOf(again.headers).value;
    assert.notEqual(second, first);
    assert.equal((await browser(t.url, first).get('/latchkey/v1/me')).status, 401, 'the earlier session ended');
    assert.equal((await browser(t.url, second).get('/latchkey/v1/me')).status, 200);
  });

  it('ends a session after the idle timeout and after the absolute lifetime however busy', async () => {
    const u = await demoUser(t);
    const idle = await signIn(u.upn);
    t.clock.advance(8 * HOUR - 60_000);
    assert.equal((await browser(t.url, idle).get('/latchkey/v1/me')).status, 200, 'just inside the idle timeout');
    t.clock.advance(8 * HOUR - 60_000);
    assert.equal((await browser(t.url, idle).get('/latchkey/v1/me')).status, 200, 'use restarts the idle timeout');
    t.clock.advance(8 * HOUR);
    assert.equal((await browser(t.url, idle).get('/latchkey/v1/me')).status, 401, 'idle for 8 hours');

    const busy = await signIn(u.upn);
    for (let h = 0; h < 7 * 24 - 4; h += 4) {
      t.clock.advance(4 * HOUR);
      assert.equal((await browser(t.url, busy).get('/latchkey/v1/me')).status, 200, `in use after ${h + 4} hours`);
    }
    t.clock.advance(4 * HOUR);
    const ended = await browser(t.url, busy).get('/latchkey/v1/me');
    assert.equal(ended.status, 401, 'past the absolute lifetime of 7 days');
    assert.match(ended.body.error.message, /sign in again/);
  });

  it('refuses a signed-in user at once when the account is disabled', async () => {
    const u = await demoUser(t);
    const cookie = await signIn(u.upn);
    assert.equal((await browser(t.url, cookie).get('/latchkey/v1/me')).status, 200);
    const off = await t.admin.patch(`/v1.0/users/${u.id}`, { accountEnabled: false });
    assert.equal(off.status, 204, off.text);
    const me = await browser(t.url, cookie).get('/latchkey/v1/me');
    assert.equal(me.status, 401);
    assert.match(me.body.error.message, /disabled/);
  });

  it('lists demo users: the featured personas first, in order, then everyone else enabled', async () => {
    const upns = DEMO_PERSONAS.slice(0, 3).map((p) => p.userPrincipalName);
    // made in reverse to show the order is the personas', not the directory's
    for (const upn of [...upns].reverse()) await demoUser(t, { userPrincipalName: upn });
    const plain = await demoUser(t, { displayName: 'Zed Plain', jobTitle: 'Analyst', department: 'Finance' });
    const off = await demoUser(t, { accountEnabled: false });
    const outsider = await t.user({ displayName: 'Olga Outsider' });
    const r = await t.anonymous.get(`${AUTH}/demo/users`);
    assert.equal(r.status, 200, r.text);
    const list = r.body.value as { userPrincipalName: string; displayName: string; description: string }[];
    assert.deepEqual(list.slice(0, 3).map((u) => u.userPrincipalName), upns);
    assert.equal(list[0].description, DEMO_PERSONAS[0].description);
    assert.match(list[0].description, /^Administrator/);
    const z = list.find((u) => u.userPrincipalName === plain.upn);
    assert.deepEqual(z, { userPrincipalName: plain.upn, displayName: 'Zed Plain', description: 'Requestor: Analyst, Finance' });
    assert.ok(!list.some((u) => u.userPrincipalName === off.upn), 'disabled users are not offered');
    assert.ok(!list.some((u) => u.userPrincipalName === outsider.upn), 'people outside the demo domain are not offered');
    assert.deepEqual(list.filter((u) => !isDemoUserPrincipalName(u.userPrincipalName)), [], 'only the demo domain is offered (not the test administrator either)');
  });
});

describe('rate limits per session', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer({ rateLimitPerMinute: 4, auth: { demoSignIn: true } }); });
  after(async () => { await t?.close(); });

  it('gives each person signed in by session their own bucket, as with bearer tokens', async () => {
    const cookies: string[] = [];
    for (const u of [await demoUser(t), await demoUser(t)]) {
      const r = await t.anonymous.post(`${AUTH}/demo/signin`, { userPrincipalName: u.upn }, CSRF);
      assert.equal(r.status, 204, r.text);
      cookies.push(sessionCookieOf(r.headers).value);
    }
    const [a, b] = cookies.map((c) => browser(t.url, c));
    for (let i = 0; i < 4; i++) assert.equal((await a.get('/latchkey/v1/me')).status, 200, `request ${i + 1} of session A`);
    assert.equal((await a.get('/latchkey/v1/me')).status, 429, 'session A used up its minute');
    assert.equal((await b.get('/latchkey/v1/me')).status, 200, 'session B has a bucket of its own');
  });
});

describe('demo sign-in switched off', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t?.close(); });

  it('has no demo routes and says so in the configuration', async () => {
    const u = await t.user();
    assert.deepEqual((await t.anonymous.get(`${AUTH}/config`)).body, { demo: false, oidc: { enabled: false, displayName: null } });
    assert.equal((await t.anonymous.get(`${AUTH}/demo/users`)).status, 404);
    const r = await t.anonymous.post(`${AUTH}/demo/signin`, { userPrincipalName: u.upn }, CSRF);
    assert.equal(r.status, 404);
    assert.equal(r.headers.getSetCookie().length, 0);
    assert.equal((await t.store.db.selectFrom('sessions').select('id').execute()).length, 0);
    // the API still answers bearer tokens, and anonymous callers get 401 not a session
    assert.equal((await u.client.get('/latchkey/v1/me')).status, 200);
    assert.equal((await t.anonymous.get('/latchkey/v1/me')).status, 401);
  });

  it('turns demo sign-in on only for serve --demo on SQLite without OpenID Connect on the demo company, and says why not', () => {
    const on = { demoFlag: true, oidcConfigured: false, storeKind: 'sqlite', demoCompany: true };
    assert.equal(demoSignInRefusal(on), null, 'on when every condition holds');
    assert.match(demoSignInRefusal({ ...on, demoFlag: false }) ?? '', /--demo/, 'off without --demo');
    assert.match(demoSignInRefusal({ ...on, oidcConfigured: true }) ?? '', /OIDC_ISSUER/, 'off with OpenID Connect');
    assert.match(demoSignInRefusal({ ...on, storeKind: 'postgres' }) ?? '', /SQLite/, 'off on PostgreSQL');
    assert.match(demoSignInRefusal({ ...on, demoCompany: false }) ?? '', /not seeded as the demo company/, 'off without the demo marker');
  });

  it('knows the demo domain from lookalikes', () => {
    for (const upn of [`admin@${DEMO_DOMAIN}`, `Grace.Hopper@${DEMO_DOMAIN.toUpperCase()}`]) assert.equal(isDemoUserPrincipalName(upn), true, upn);
    for (const upn of ['admin@contoso.test', `x@not${DEMO_DOMAIN}`, `x@sub.${DEMO_DOMAIN}`, `x@${DEMO_DOMAIN}.evil.test`, DEMO_DOMAIN, `${DEMO_DOMAIN}@corp.test`]) {
      assert.equal(isDemoUserPrincipalName(upn), false, upn);
    }
  });
});

describe('session cookie security and redirects', () => {
  it('sets Secure when PUBLIC_URL is https', async () => {
    const scratch = await scratchDatabase();
    const store = openStore(scratch.url);
    try {
      await migrateToLatest(store.db);
      const clock = new ManualClock(new Date());
      const { server, services } = await buildApp({
        store, clock, logger: false, webRoot: false, auth: { demoSignIn: true },
        config: { bodyLimit: 1 << 20, rateLimitPerMinute: 0, logLevel: 'silent', publicUrl: 'https://access.contoso.test' },
      });
      await services.bootstrap.bootstrapAdmin(`root@${DEMO_DOMAIN}`);
      const r = await server.inject({ method: 'POST', url: `${AUTH}/demo/signin`, headers: CSRF, payload: { userPrincipalName: `root@${DEMO_DOMAIN}` } });
      assert.equal(r.statusCode, 204, r.body);
      const cookie = String(r.headers['set-cookie']);
      assert.match(cookie, /^latchkey_session=/);
      assert.match(cookie, /; Secure/);
      await server.close();
    } finally {
      await store.close();
      await scratch.drop();
    }
  });

  it('returns only to same-origin relative paths', () => {
    assert.equal(safeReturnTo('/my-access/requests?x=1#top'), '/my-access/requests?x=1#top');
    // dot segments are resolved; what is left stays on this server
    assert.equal(safeReturnTo('/myaccess/./requests/../packages'), '/myaccess/packages');
    // encoded slashes stay encoded: a browser reads them as part of the path, never as a host
    assert.equal(safeReturnTo('/%2F%2Fevil.test'), '/%2F%2Fevil.test');
    assert.equal(safeReturnTo('/%5Cevil.test'), '/%5Cevil.test');
    const refused = [
      'https://evil.test/', 'https:evil.test', 'https:/evil.test', 'javascript:alert(1)', '//evil.test/x', '/\\evil.test', '\\evil.test',
      '/.//evil.example/phish', '/..//evil.example/phish', '/./\\evil.example', '/a/../..//evil.example', '/%2e%2e//evil.example', '/%2e//evil.example',
      '%2F%2Fevil.test', '%5C%5Cevil.test', '/\t/evil.test', '\t//evil.test', '/\n/evil.test', '/x\r\nSet-Cookie: a=b', '/\u0000x',
      `/${'a'.repeat(5000)}`, 'relative', '', undefined, 42, '/signin?error=unknown_user', '/./signin?error=unknown_user',
    ];
    for (const bad of refused) assert.equal(safeReturnTo(bad), '/', `refused: ${JSON.stringify(bad)}`);
    // whatever comes back, a browser resolves it on this server
    for (const any of [...refused, '/%2F%2Fevil.test', '/;//evil.test', '/?//evil.test', '/#//evil.test']) {
      const to = safeReturnTo(any);
      assert.match(to, /^\/(?![/\\])/, `a single leading slash: ${JSON.stringify(any)} -> ${to}`);
      assert.equal(new URL(to, 'https://access.contoso.test').origin, 'https://access.contoso.test', `same origin: ${JSON.stringify(any)} -> ${to}`);
    }
  });
});

describe('demo personas', () => {
  it('every featured persona exists in the seeded demo directory, with the role its description claims', async () => {
    const scratch = await scratchDatabase();
    const store = openStore(scratch.url);
    try {
      await migrateToLatest(store.db);
      const clock = new ManualClock(new Date());
      const { server, services } = await buildApp({ store, clock, logger: false, webRoot: false, config: { bodyLimit: 1 << 20, rateLimitPerMinute: 0, logLevel: 'silent' } });
      await services.catalogs.ensureGeneral();
      assert.ok(await seedDemo(services, store.db, clock), 'seeded');
      const users = await store.db.selectFrom('users').select(['id', 'upnKey']).execute();
      const ids = new Map(users.map((u) => [u.upnKey, u.id]));
      for (const p of DEMO_PERSONAS) assert.ok(ids.has(p.userPrincipalName), `persona ${p.userPrincipalName} is in the demo directory`);
      const roles = await store.db.selectFrom('roleAssignments').select(['principalId', 'roleDefinitionId']).execute();
      const holds = (upn: string, role: string) => roles.some((r) => r.principalId === ids.get(upn) && r.roleDefinitionId === role);
      const claims: [string, string][] = [[/^Administrator/.source, R.administrator], ['Catalog owner', R.catalogOwner],
        ['Access package manager', R.accessPackageManager], ['Access package assignment manager', R.accessPackageAssignmentManager]];
      for (const p of DEMO_PERSONAS) {
        for (const [words, role] of claims) {
          if (new RegExp(words).test(p.description)) assert.ok(holds(p.userPrincipalName, role), `${p.userPrincipalName} holds the role its description names (${words})`);
        }
      }
      await server.close();
    } finally {
      await store.close();
      await scratch.drop();
    }
  });
});
