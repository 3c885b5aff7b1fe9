import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { captureLog } from '../support/log-capture.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { selfSignedCertificate } from '../support/tls.js';

// Response headers that protect browsers (HSTS over TLS, a content security policy that forbids framing
// on every page, the API docs included), and request logs that keep query values (personal data in a
// $filter, OpenID Connect codes) out.

const FRAMING_FORBIDDEN = /(^|;)\s*frame-ancestors 'none'\s*(;|$)/;

describe('security headers over TLS', () => {
  let t: TestServer;
  let agent: Agent;
  before(async () => {
    const tls = selfSignedCertificate();
    t = await startTestServer({ https: tls });
    agent = new Agent({ connect: { ca: tls.cert } });
  });
  after(async () => {
    await agent?.close();
    await t?.close();
  });

  it('sends Strict-Transport-Security on API, docs and error answers', async () => {
    for (const path of ['/healthz', '/docs/', '/v1.0/users', '/no-such-route']) {
      const res = await request(`${t.url}${path}`, { dispatcher: agent });
      await res.body.text();
      assert.match(String(res.headers['strict-transport-security']), /^max-age=\d{8,}/, `${path} (${res.statusCode})`);
    }
  });
});

describe('security headers over plain HTTP', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t?.close(); });

  it('sends no Strict-Transport-Security (a browser would ignore it, and it would lie about this server)', async () => {
    const res = await fetch(`${t.url}/healthz`);
    assert.equal(res.headers.get('strict-transport-security'), null);
  });

  it('puts the docs page under a content security policy that forbids framing', async () => {
    for (const path of ['/docs/', '/docs/static/swagger-initializer.js', '/docs']) {
      const res = await fetch(`${t.url}${path}`, { redirect: 'manual' });
      await res.text();
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, FRAMING_FORBIDDEN, `${path} (${res.status}): ${csp}`);
      assert.match(csp, /(^|;)\s*default-src 'self'/, path);
      assert.match(csp, /(^|;)\s*script-src 'self'\s*(;|$)/, `${path}: no inline or remote scripts`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    }
  });

  it('does not send the docs page to the swagger.io validator (CSP would block it anyway)', async () => {
    const js = await (await fetch(`${t.url}/docs/static/swagger-initializer.js`)).text();
    assert.match(js, /"validatorUrl":\s*null/);
  });
});

describe('request logs', () => {
  const log = captureLog();
  let t: TestServer;
  before(async () => { t = await startTestServer({ logger: log.logger }); });
  after(async () => { await t?.close(); });

  it('logs the path and the names of query options, never their values', async () => {
    const secret = 'hidden.person@contoso.test';
    const r = await t.admin.get(`/v1.0/users?$filter=${encodeURIComponent(`mail eq '${secret}'`)}&$top=5&${encodeURIComponent('mail=' + secret)}`);
    assert.equal(r.status, 200, r.text);
    const incoming = log.lines.map((l) => JSON.parse(l) as { msg: string; req?: { url: string } }).filter((l) => l.msg === 'incoming request' && l.req?.url.startsWith('/v1.0/users'));
    assert.equal(incoming.length, 1, log.text());
    assert.match(incoming[0].req!.url, /^\/v1\.0\/users\?/);
    assert.match(incoming[0].req!.url, /\$filter=/);
    assert.match(incoming[0].req!.url, /\$top=/);
    assert.ok(!log.text().includes('hidden.person'), `no query value in the log: ${log.text()}`);
    assert.ok(!log.text().includes('contoso.test%27'), 'not even encoded');
  });
});
