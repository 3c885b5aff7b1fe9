import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { RoleDefinitionIds as R } from '../../src/domain/authorization.js';
import { loadConfig, type OidcConfig } from '../../src/config.js';
import { captureLog } from '../support/log-capture.js';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { startTestServer, type TestServer } from '../support/server.js';

// OpenID Connect sign-in against a real provider (oidc-provider, in-process): the whole authorization
// code flow with PKCE over real HTTP, the way a browser walks it: redirects followed by hand, cookies
// kept per origin, and the provider's own login and consent forms read from its HTML and submitted.

const CALLBACK = '/latchkey/v1/auth/oidc/callback';
const SIGNIN = '/latchkey/v1/auth/oidc/signin';

/** A browser's cookie jar, per origin (ports apart: Latchkey and the provider share 127.0.0.1). */
class CookieJar {
  private jars = new Map<string, Map<string, string>>();
  header(url: URL): string {
    return [...(this.jars.get(url.origin) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  get(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }
  store(url: URL, setCookie: string[]): void {
    let jar = this.jars.get(url.origin);
    if (!jar) this.jars.set(url.origin, (jar = new Map()));
    for (const line of setCookie) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attrs.some((a) => /^max-age=0$/i.test(a)) || value === '';
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
  }
}

const unescapeHtml = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** The first form of an HTML page: its action and its inputs, with the values a person would type. */
function readForm(html: string, typed: Record<string, string>): { action: string; fields: URLSearchParams } {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  assert.ok(form, `the provider's page has a form: ${html.slice(0, 300)}`);
  const fields = new URLSearchParams();
  for (const input of form[2].matchAll(/<input([^>]*)>/gi)) {
    const name = /name="([^"]*)"/.exec(input[1])?.[1];
    if (!name) continue;
    const value = /value="([^"]*)"/.exec(input[1])?.[1];
    fields.set(name, typed[name] ?? (value !== undefined ? unescapeHtml(value) : ''));
  }
  return { action: unescapeHtml(form[1]), fields };
}

interface Walk {
  /** where Latchkey sent the browser at the end */
  location: string;
  jar: CookieJar;
  /** the provider's redirect to Latchkey's callback, as the browser saw it */
  callbackUrl?: URL;
}

/**
 * Walks a sign-in like a browser: from Latchkey's sign-in route through the provider's login and
 * consent pages and back, until Latchkey redirects somewhere other than the provider or its callback.
 * `onCallback` may change the provider's redirect before the browser follows it (tampering tests), or
 * return null to stop there.
 */
async function walk(t: TestServer, p: TestOidcProvider, start: string, login: string, opts: { jar?: CookieJar; onCallback?: (u: URL) => URL | null } = {}): Promise<Walk> {
  const jar = opts.jar ?? new CookieJar();
  let url = new URL(start, t.url);
  let method = 'GET';
  let body: string | undefined;
  let callbackUrl: URL | undefined;
  for (let step = 0; step < 25; step++) {
    if (url.origin === t.url && url.pathname === CALLBACK) {
      callbackUrl = url;
      if (opts.onCallback) {
        const changed = opts.onCallback(new URL(url));
        if (!changed) return { location: '(stopped at the callback)', jar, callbackUrl };
        url = changed;
      }
    }
    const res = await request(url, {
      method: method as 'GET' | 'POST',
      headers: { cookie: jar.header(url), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
    });
    const setCookie = res.headers['set-cookie'];
    jar.store(url, setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]);
    const text = await res.body.text();
    method = 'GET';
    body = undefined;
    if (res.statusCode >= 300 && res.statusCode < 400) {
      const location = String(res.headers.location);
      const next = new URL(location, url);
      // Latchkey's answer: anywhere but the provider or the callback ends the walk (another host too: it is a finding, not a step)
      if (url.origin === t.url && next.origin !== p.issuer && !(next.origin === t.url && next.pathname === CALLBACK)) return { location, jar, callbackUrl };
      url = next;
      continue;
    }
    assert.equal(res.statusCode, 200, `step ${step}: ${url.href} answered ${res.statusCode}: ${text.slice(0, 300)}`);
    assert.equal(url.origin, p.issuer, `a page, not a redirect, only comes from the provider: ${url.href}`);
    const form = readForm(text, { login, password: 'any password' });
    url = new URL(form.action, url);
    method = 'POST';
    body = form.fields.toString();
  }
  throw new Error('the sign-in did not finish within 25 steps');
}

describe('OpenID Connect sign-in', () => {
  let p: TestOidcProvider;
  let t: TestServer;
  let alice: { id: string; upn: string };
  let dora: { id: string; upn: string };
  /** a second Latchkey that matches users by the email claim */
  let byEmail: TestServer;
  let erin: { id: string; upn: string };
  /** everything the first Latchkey logs, from debug up */
  const log = captureLog('debug');

  before(async () => {
    p = await startOidcProvider();
    const oidc: OidcConfig = {
      issuer: p.issuer, clientId: 'latchkey', clientSecret: 'latchkey-client-secret', userClaim: 'preferred_username',
      scopes: 'openid profile email', displayName: 'Sign in with Contoso ID',
    };
    // Latchkey starts while the provider still answers 503: discovery fails at start-up and is retried at sign-in
    t = await startTestServer({ auth: { oidc }, logger: log.logger });
    const a = await t.user({ displayName: 'Alice Approver', userPrincipalName: `alice.${Date.now()}@contoso.test` });
    await t.grantRole(a.id, R.catalogCreator);
    alice = a;
    dora = await t.user({ displayName: 'Dora Disabled', accountEnabled: false });
    byEmail = await startTestServer({ auth: { oidc: { ...oidc, clientId: 'latchkey-email', clientSecret: 'other-secret', userClaim: 'email' } } });
    erin = await byEmail.user({ displayName: 'Erin Email', userPrincipalName: 'erin@contoso.test' });
    p.configure([
      { clientId: 'latchkey', clientSecret: 'latchkey-client-secret', redirectUri: t.url + CALLBACK },
      { clientId: 'latchkey-email', clientSecret: 'other-secret', redirectUri: byEmail.url + CALLBACK },
    ], [
      // the provider knows Alice by another spelling of her name: the match ignores case
      { login: 'alice', claims: { preferred_username: alice.upn.toUpperCase(), email: 'alice@mail.contoso.test', name: 'Alice' } },
      { login: 'mallory', claims: { preferred_username: 'mallory@elsewhere.test', name: 'Mallory' } },
      { login: 'dora', claims: { preferred_username: dora.upn, name: 'Dora' } },
      { login: 'erin', claims: { preferred_username: 'erin-at-the-provider', email: 'Erin@Contoso.test', name: 'Erin' } },
    ]);
  });
  after(async () => {
    await t?.close();
    await byEmail?.close();
    await p?.close();
  });

  it('publishes the OIDC button in the sign-in configuration, and no demo sign-in', async () => {
    const r = await t.anonymous.get('/latchkey/v1/auth/config');
    assert.deepEqual(r.body, { demo: false, oidc: { enabled: true, displayName: 'Sign in with Contoso ID' } });
    assert.equal((await t.anonymous.get('/latchkey/v1/auth/demo/users')).status, 404);
  });

  it('sends the browser to the provider with code flow, PKCE (S256), state and nonce', async () => {
    const res = await request(new URL(`${SIGNIN}?returnTo=/x`, t.url));
    await res.body.text();
    assert.equal(res.statusCode, 302);
    const to = new URL(String(res.headers.location));
    assert.equal(to.origin, p.issuer);
    assert.equal(to.searchParams.get('response_type'), 'code');
    assert.equal(to.searchParams.get('client_id'), 'latchkey');
    assert.equal(to.searchParams.get('redirect_uri'), t.url + CALLBACK);
    assert.equal(to.searchParams.get('scope'), 'openid profile email');
    assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
    assert.match(to.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok((to.searchParams.get('state') ?? '').length >= 32, 'a random state');
    assert.ok((to.searchParams.get('nonce') ?? '').length >= 32, 'a random nonce');
    const cookie = [res.headers['set-cookie']].flat().find((c) => String(c).startsWith('latchkey_oidc='));
    assert.ok(cookie, 'the pending sign-in is tied to this browser by a cookie');
    assert.match(String(cookie), /HttpOnly/i);
    assert.match(String(cookie), /Path=\/latchkey\/v1\/auth\/oidc/);
    assert.ok(!String(cookie).includes(to.searchParams.get('state')!), 'the cookie does not carry the state itself');
    const flowCookie = String(cookie).split(';')[0].slice('latchkey_oidc='.length);
    const stored = await t.store.db.selectFrom('oidcFlows').select('id').where('cookieHash', '=', createHash('sha256').update(flowCookie).digest('hex')).executeTakeFirst();
    assert.ok(stored, 'the flow is stored under the SHA-256 (hex) of its cookie value, the form flows in flight were written in');
  });

  it('walks the whole code flow and ends with a working session', async () => {
    const pendingBefore = (await t.store.db.selectFrom('oidcFlows').select('id').execute()).length;
    const w = await walk(t, p, `${SIGNIN}?returnTo=${encodeURIComponent('/my-access/requests?tab=open')}`, 'alice');
    assert.equal(w.location, '/my-access/requests?tab=open');
    assert.ok(w.callbackUrl?.searchParams.get('code'), 'the provider returned a code');
    const session = w.jar.get(t.url, 'latchkey_session');
    assert.ok(session, 'a session cookie was set');
    assert.equal(w.jar.get(t.url, 'latchkey_oidc'), undefined, 'the flow cookie is cleared');
    const me = await t.anonymous.get('/latchkey/v1/me', { cookie: `latchkey_session=${session}` });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.id, alice.id);
    assert.equal(me.body.userPrincipalName, alice.upn);
    assert.deepEqual(me.body.can.tenant, ['directory.read', 'catalog.create']);
    const row = await t.store.db.selectFrom('sessions').select(['via', 'userId']).where('userId', '=', alice.id).executeTakeFirstOrThrow();
    assert.equal(row.via, 'oidc');
    // the session works for the API too, writes with the CSRF header
    const cat = await t.anonymous.post('/v1.0/identityGovernance/entitlementManagement/catalogs', { displayName: 'Made after OIDC sign-in' },
      { cookie: `latchkey_session=${session}`, 'x-latchkey-request': '1' });
    assert.equal(cat.status, 201, cat.text);
    assert.equal((await t.store.db.selectFrom('oidcFlows').select('id').execute()).length, pendingBefore, 'the used flow is gone');
  });

  it('refuses a provider user who is not in the directory', async () => {
    const w = await walk(t, p, SIGNIN, 'mallory');
    assert.equal(w.location, '/signin?error=unknown_user');
    assert.equal(w.jar.get(t.url, 'latchkey_session'), undefined, 'no session');
  });

  it('refuses a disabled directory user', async () => {
    const w = await walk(t, p, SIGNIN, 'dora');
    assert.equal(w.location, '/signin?error=account_disabled');
    assert.equal(w.jar.get(t.url, 'latchkey_session'), undefined, 'no session');
  });

  it('refuses a callback whose state was tampered with, and a replayed callback', async () => {
    const tampered = await walk(t, p, SIGNIN, 'alice', {
      onCallback: (u) => {
        u.searchParams.set('state', `${u.searchParams.get('state')}x`);
        return u;
      },
    });
    assert.equal(tampered.location, '/signin?error=invalid_response');
    assert.equal(tampered.jar.get(t.url, 'latchkey_session'), undefined, 'no session');

    // a genuine callback used twice: the second finds no pending sign-in
    const jar = new CookieJar();
    let flowCookie = '';
    const first = await walk(t, p, SIGNIN, 'alice', {
      jar,
      onCallback: (u) => {
        flowCookie = jar.get(t.url, 'latchkey_oidc') ?? '';
        return u;
      },
    });
    assert.equal(first.location, '/');
    assert.ok(first.callbackUrl && flowCookie, 'the callback was seen with its flow cookie');
    const replay = await request(first.callbackUrl, { headers: { cookie: `latchkey_oidc=${flowCookie}` } });
    await replay.body.text();
    assert.equal(replay.statusCode, 302);
    assert.equal(replay.headers.location, '/signin?error=sign_in_expired');
  });

  it('keeps the code and state of callbacks out of the log, and logs their path', async () => {
    const from = log.lines.length;
    const ok = await walk(t, p, SIGNIN, 'alice');
    const tampered = await walk(t, p, SIGNIN, 'alice', {
      onCallback: (u) => {
        u.searchParams.set('state', `${u.searchParams.get('state')}x`);
        return u;
      },
    });
    assert.equal(tampered.location, '/signin?error=invalid_response');
    const logged = log.lines.slice(from).join('\n');
    assert.match(logged, /"url":"\/latchkey\/v1\/auth\/oidc\/callback\?/, 'the callback path is logged');
    for (const w of [ok, tampered]) {
      for (const name of ['code', 'state']) {
        const value = w.callbackUrl!.searchParams.get(name)!;
        assert.ok(value.length >= 16, `the provider sent a ${name}`);
        assert.ok(!logged.includes(value) && !logged.includes(encodeURIComponent(value)), `the ${name} is not in the log`);
      }
    }
  });

  it('refuses a callback from another browser (no flow cookie) and a provider error', async () => {
    // the victim's browser is stopped at the provider's redirect; an attacker presents that URL with no cookie
    const victim = await walk(t, p, SIGNIN, 'alice', { onCallback: () => null });
    const stolen = victim.callbackUrl;
    assert.ok(stolen && stolen.searchParams.get('code'), 'the victim callback carries a code');
    assert.equal(victim.location, '(stopped at the callback)');
    const attacker = await request(stolen);
    await attacker.body.text();
    assert.equal(attacker.statusCode, 302);
    assert.equal(attacker.headers.location, '/signin?error=sign_in_expired');
    assert.equal([attacker.headers['set-cookie'] ?? []].flat().some((c) => String(c).startsWith('latchkey_session=')), false, 'no session for the attacker');

    const start = await request(new URL(SIGNIN, t.url));
    await start.body.text();
    const flow = [start.headers['set-cookie']].flat().map(String).find((c) => c.startsWith('latchkey_oidc='))!.split(';')[0];
    const denied = await request(new URL(`${CALLBACK}?error=access_denied&error_description=no`, t.url), { headers: { cookie: flow } });
    await denied.body.text();
    assert.equal(denied.headers.location, '/signin?error=access_denied');
  });

  it('matches users by the configured claim (OIDC_USER_CLAIM=email)', async () => {
    const w = await walk(byEmail, p, SIGNIN, 'erin');
    assert.equal(w.location, '/');
    const session = w.jar.get(byEmail.url, 'latchkey_session');
    assert.ok(session, 'signed in by email');
    const me = await byEmail.anonymous.get('/latchkey/v1/me', { cookie: `latchkey_session=${session}` });
    assert.equal(me.body.id, erin.id);
    // the same person on the server that matches preferred_username is unknown
    assert.equal((await walk(t, p, SIGNIN, 'erin')).location, '/signin?error=unknown_user');
  });

  it('returns only to same-origin paths', async () => {
    const w = await walk(t, p, `${SIGNIN}?returnTo=${encodeURIComponent('https://evil.test/steal')}`, 'alice');
    assert.equal(w.location, '/');
    const w2 = await walk(t, p, `${SIGNIN}?returnTo=${encodeURIComponent('//evil.test/steal')}`, 'alice');
    assert.equal(w2.location, '/');
    // paths whose dot segments (or a backslash) resolve to '//host' are read by a browser as another host
    for (const sly of ['/.//evil.example/phish', '/..//evil.example/phish', '/./\\evil.example/phish', '/%2e%2e//evil.example/phish']) {
      const w3 = await walk(t, p, `${SIGNIN}?returnTo=${encodeURIComponent(sly)}`, 'alice');
      assert.equal(w3.location, '/', `${sly} ends on the landing page`);
      assert.ok(w3.jar.get(t.url, 'latchkey_session'), 'signed in all the same');
    }
  });

  it('checks the stored return path again when the browser comes back', async () => {
    // a flow stored before the start checked as it does now still ends on this server
    const start = await request(new URL(`${SIGNIN}?returnTo=/x`, t.url));
    await start.body.text();
    const flowCookie = [start.headers['set-cookie']].flat().map(String).find((c) => c.startsWith('latchkey_oidc='))!.split(';')[0];
    await t.store.db.updateTable('oidcFlows').set({ returnTo: '//evil.example/phish' })
      .where('cookieHash', '=', createHash('sha256').update(flowCookie.slice('latchkey_oidc='.length)).digest('hex')).execute();
    const jar = new CookieJar();
    jar.store(new URL(t.url), [flowCookie]);
    const w2 = await walk(t, p, String(start.headers.location), 'alice', { jar });
    assert.equal(w2.location, '/');
  });
});

describe('OpenID Connect provider unreachable', () => {
  let t: TestServer;
  before(async () => {
    // a provider that is not there: the server starts anyway
    const dead = await startOidcProvider();
    const issuer = dead.issuer;
    await dead.close();
    t = await startTestServer({ auth: { oidc: { issuer, clientId: 'latchkey', clientSecret: 's', userClaim: 'email', scopes: 'openid email', displayName: 'Company sign-in' } } });
  });
  after(async () => { await t?.close(); });

  it('keeps serving and sends sign-ins to the sign-in page with an error', async () => {
    assert.equal((await t.anonymous.get('/healthz')).status, 200);
    const res = await request(new URL(SIGNIN, t.url));
    await res.body.text();
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/signin?error=provider_unavailable');
    assert.equal((await t.admin.get('/latchkey/v1/me')).status, 200, 'bearer tokens work regardless');
  });
});

describe('OpenID Connect configuration', () => {
  it('reads OIDC_* from the environment with defaults, and refuses half a configuration', () => {
    assert.equal(loadConfig({}).oidc, null);
    assert.deepEqual(loadConfig({ OIDC_ISSUER: 'https://login.contoso.test/', OIDC_CLIENT_ID: 'lk', OIDC_CLIENT_SECRET: 's3' }).oidc, {
      issuer: 'https://login.contoso.test/', clientId: 'lk', clientSecret: 's3', userClaim: 'preferred_username',
      scopes: 'openid profile email', displayName: 'Sign in with your organization',
    });
    const c = loadConfig({ OIDC_ISSUER: 'https://id.contoso.test', OIDC_CLIENT_ID: 'lk', OIDC_USER_CLAIM: 'email', OIDC_SCOPES: 'openid email', OIDC_DISPLAY_NAME: 'Contoso ID' });
    assert.equal(c.oidc?.clientSecret, null);
    assert.equal(c.oidc?.userClaim, 'email');
    assert.equal(c.oidc?.scopes, 'openid email');
    assert.equal(c.oidc?.displayName, 'Contoso ID');
    assert.throws(() => loadConfig({ OIDC_ISSUER: 'https://id.contoso.test' }), /OIDC_CLIENT_ID is required/);
    assert.throws(() => loadConfig({ OIDC_ISSUER: 'id.contoso.test', OIDC_CLIENT_ID: 'lk' }), /OIDC_ISSUER must be an http\(s\) URL/);
    assert.equal(loadConfig({}).sessionIdleMinutes, 480);
    assert.equal(loadConfig({}).sessionMaxHours, 168);
    assert.equal(loadConfig({ SESSION_IDLE_MINUTES: '30', SESSION_MAX_HOURS: '12' }).sessionIdleMinutes, 30);
  });
});
