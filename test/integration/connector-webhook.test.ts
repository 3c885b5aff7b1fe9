import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { AccountSubject, Target, TargetLimits } from '../../src/connectors/kit.js';
import { ConnectorError } from '../../src/connectors/types.js';
import { generateSigningSecret, readWebhookSettings, webhookConnector } from '../../src/connectors/webhook/index.js';
import { parseRetryAfter } from '../../src/connectors/retry-after.js';
import { ValidationError } from '../../src/domain/errors.js';

// A receiver in the test, as a ticketing system or a script would be: it verifies every signature
// with the standardwebhooks package (401 when it does not verify), keeps who holds what, answers
// {"alreadyDone": true} to what it already did, serves the holders list, and misbehaves on demand.

const SECRET = generateSigningSecret();
const limits: TargetLimits = { timeoutMs: 5000, concurrency: 4 };

interface Received {
  method: string;
  path: string;
  id: string;
  timestamp: string;
  payload: { type: string; timestamp: string; data: Record<string, { id: string } & Record<string, string>> & { idempotencyKey: string } };
}
type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

function receiver() {
  const verifier = new Webhook(SECRET);
  const received: Received[] = [];
  const held = new Map<string, { id: string; display: string }>();
  const replies: Reply[] = [];
  const open = new Set<http.ServerResponse>();
  let port = 0;
  let server: http.Server | undefined;

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, raw: string) => {
    const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
    let payload: Received['payload'];
    try {
      payload = (req.method === 'GET' ? (verifier.verify('', headers), undefined) : verifier.verify(raw, headers)) as Received['payload'];
    } catch {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('signature does not verify');
      return;
    }
    const url = new URL(req.url!, 'http://x');
    received.push({ method: req.method!, path: url.pathname, id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], payload });
    const reply = replies.shift();
    if (reply === 'hang') {
      open.add(res);
      return;
    }
    if (reply) {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      return;
    }
    if (url.pathname === '/holders') {
      const key = `${url.searchParams.get('resource')}|${url.searchParams.get('role')}|`;
      const holders = [...held].filter(([k]) => k.startsWith(key)).map(([, v]) => v);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ holders }));
      return;
    }
    let alreadyDone = false;
    if (payload.type === 'access.granted' || payload.type === 'access.revoked') {
      const d = payload.data;
      const key = `${d.resource!.id}|${d.role!.id}|${d.account!.id}`;
      const granting = payload.type === 'access.granted';
      alreadyDone = granting === held.has(key);
      if (granting) held.set(key, { id: d.account!.id, display: d.account!.display! });
      else held.delete(key);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(alreadyDone ? { alreadyDone: true } : { ok: true }));
  };

  return {
    received,
    held,
    /** the next answers, in order, instead of the normal ones */
    replies,
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    async start() {
      server = http.createServer((req, res) => {
        let raw = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (raw += c));
        req.on('end', () => handle(req, res, raw));
      });
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    },
    async stop() {
      for (const res of open) res.destroy();
      open.clear();
      server!.closeAllConnections();
      await new Promise((r) => server!.close(r));
    },
  };
}

const ada: AccountSubject = { id: 'b5a1c3d2-0000-4000-8000-00000000ada1', userPrincipalName: 'ada@contoso.com', mail: 'ada@contoso.com', mailNickname: 'ada', displayName: 'Ada', givenName: null, surname: null };

function isConnectorError(retryable: boolean, pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ConnectorError, `a ConnectorError, got ${String(e)}`);
    assert.equal(e.retryable, retryable, e.message);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes(SECRET) && !e.message.includes(SECRET.slice(6)), 'the secret is never in a message');
    return true;
  };
}

describe('webhook connector (signed POSTs to a receiver that verifies them)', () => {
  const rx = receiver();
  let target: Target;
  const settings = (extra: Record<string, unknown> = {}) => ({
    url: `${rx.url}/hooks/latchkey`,
    holdersUrl: `${rx.url}/holders`,
    roles: [
      { id: 'member', displayName: 'Member' },
      { id: 'approver', displayName: 'Approver', description: 'Approves the tickets' },
    ],
    resources: [
      { id: 'vpn', displayName: 'VPN access' },
      { id: 'badge', displayName: 'Office badge', description: 'Opens the doors' },
      { id: 'printer', displayName: 'Colour printer' },
    ],
    ...extra,
  });
  const connect = (extra: Record<string, unknown> = {}, secret = SECRET, l = limits) => webhookConnector.createTarget(readWebhookSettings(settings(extra)), { signingSecret: secret }, l);
  const vpn = { resourceId: 'vpn', roleId: 'member' };

  before(async () => {
    await rx.start();
    target = connect();
  });
  after(async () => {
    await target.close();
    await rx.stop().catch(() => {});
  });

  it('validates settings and secrets, naming the field', () => {
    const field = (fn: () => unknown, name: string) => assert.throws(fn, (e: unknown) => e instanceof ValidationError && e.target === name, name);
    field(() => readWebhookSettings({ url: 'http://example.com/hook' }), 'settings.url');
    field(() => readWebhookSettings({ url: 'ftp://example.com/hook' }), 'settings.url');
    field(() => readWebhookSettings({ url: 'https://user:pw@example.com/hook' }), 'settings.url');
    field(() => readWebhookSettings({ url: 'https://example.com/hook', holdersUrl: 'http://example.com/holders' }), 'settings.holdersUrl');
    field(() => readWebhookSettings({ url: 'https://example.com/hook', roles: [] }), 'settings.roles');
    field(() => readWebhookSettings({ url: 'https://example.com/hook', resources: [{ id: 'a', displayName: 'A' }, { id: 'a', displayName: 'B' }] }), 'settings.resources.1.id');
    field(() => readWebhookSettings({ url: 'https://example.com/hook', timeoutMs: 5 }), 'settings.timeoutMs');
    assert.equal(readWebhookSettings({ url: 'http://example.com/hook', allowInsecureHttp: true }).allowInsecureHttp, true);
    const defaults = readWebhookSettings({ url: 'https://example.com/hook' });
    assert.deepEqual(defaults.roles, [{ id: 'member', displayName: 'Member' }]);
    assert.deepEqual(defaults.resources, []);
    assert.throws(() => webhookConnector.createTarget(settings() as never, { signingSecret: 'hunter2' } as never, limits), (e: unknown) => e instanceof ValidationError && e.target === 'secrets.signingSecret' && !e.message.includes('hunter2'));
    assert.match(generateSigningSecret(), /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.notEqual(generateSigningSecret(), generateSigningSecret());
  });

  it('test() POSTs a signed ping the receiver verifies', async () => {
    const { summary } = await target.test();
    assert.match(summary, /answered 200 to a signed ping; 3 resources and 2 roles declared/);
    const ping = rx.received.at(-1)!;
    assert.equal(ping.payload.type, 'ping');
    assert.equal(ping.path, '/hooks/latchkey');
  });

  it('searches and looks up the declared resources, offers the declared roles', async () => {
    assert.deepEqual((await target.searchResources('', 10)).map((r) => r.originId), ['printer', 'badge', 'vpn'], 'by display name');
    assert.deepEqual((await target.searchResources('OFFICE', 10)).map((r) => r.originId), ['badge']);
    assert.deepEqual((await target.searchResources('', 2)).length, 2);
    const badge = await target.lookupResource('badge');
    assert.deepEqual(badge, { originId: 'badge', displayName: 'Office badge', description: 'Opens the doors', resourceType: 'Webhook resource', addable: true });
    assert.equal(await target.lookupResource('nothing'), undefined);
    assert.deepEqual(target.rolesOf(badge!), [
      { originId: 'member', displayName: 'Member', description: null },
      { originId: 'approver', displayName: 'Approver', description: 'Approves the tickets' },
    ]);
  });

  it('takes the person as the account', async () => {
    assert.deepEqual(await target.findAccount(ada), { id: ada.id, display: 'ada@contoso.com' });
    assert.equal(target.createAccount, undefined);
  });

  it('grants, idempotently, lists holders through holdersUrl, revokes, idempotently', async () => {
    const account = (await target.findAccount(ada))!;
    assert.deepEqual(await target.grant(account, vpn, { idempotencyKey: 'grant-1' }), { changed: true });
    const sent = rx.received.at(-1)!;
    assert.equal(sent.payload.type, 'access.granted');
    assert.deepEqual(sent.payload.data.resource, { id: 'vpn', displayName: 'VPN access' });
    assert.deepEqual(sent.payload.data.role, { id: 'member', displayName: 'Member' });
    assert.deepEqual(sent.payload.data.account, { id: ada.id, display: 'ada@contoso.com' });
    assert.equal(sent.payload.data.idempotencyKey, sent.id, 'the body carries the webhook-id');
    assert.deepEqual(await target.grant(account, vpn, { idempotencyKey: 'grant-1' }), { changed: false }, 'the receiver said alreadyDone');
    assert.deepEqual(await target.listHolders(vpn), [account]);
    assert.deepEqual(await target.listHolders({ resourceId: 'vpn', roleId: 'approver' }), []);
    assert.deepEqual(await target.revoke(account, vpn, { idempotencyKey: 'revoke-1' }), { changed: true });
    assert.equal(rx.received.at(-1)!.payload.type, 'access.revoked');
    assert.deepEqual(await target.revoke(account, vpn, { idempotencyKey: 'revoke-1' }), { changed: false });
    assert.deepEqual(await target.listHolders(vpn), []);
  });

  it('refuses to grant what the connection does not declare, but still sends the revoke', async () => {
    const account = { id: ada.id, display: ada.userPrincipalName };
    const before = rx.received.length;
    await assert.rejects(target.grant(account, { resourceId: 'gone', roleId: 'member' }), isConnectorError(false, /declares no resource 'gone'/));
    await assert.rejects(target.grant(account, { resourceId: 'vpn', roleId: 'owner' }), isConnectorError(false, /declares no role 'owner'/));
    assert.equal(rx.received.length, before, 'nothing sent');
    assert.deepEqual(await target.revoke(account, { resourceId: 'gone', roleId: 'member' }), { changed: false });
    assert.deepEqual(rx.received.at(-1)!.payload.data.resource, { id: 'gone', displayName: 'gone' });
  });

  it('says reconciliation is not available without a holdersUrl', async () => {
    const blind = connect({ holdersUrl: undefined });
    await assert.rejects(blind.listHolders(vpn), isConnectorError(false, /Reconciliation is not available for this webhook/));
  });

  it('treats 202 as pending', async () => {
    rx.replies.push({ status: 202, body: { ticket: 'REQ-1' } });
    assert.deepEqual(await target.grant({ id: ada.id, display: ada.userPrincipalName }, { resourceId: 'badge', roleId: 'member' }), { changed: true, pending: true });
  });

  it('fails for good on 410, saying the connection should be disabled', async () => {
    rx.replies.push({ status: 410 });
    await assert.rejects(target.grant({ id: ada.id, display: ada.userPrincipalName }, vpn), isConnectorError(false, /410 Gone.*disable this connection/));
  });

  it('fails retryably on 503 with Retry-After, and the retry carries the same webhook-id', async () => {
    const account = { id: ada.id, display: ada.userPrincipalName };
    const role = { resourceId: 'printer', roleId: 'approver' };
    rx.replies.push({ status: 503, body: { error: 'maintenance' }, headers: { 'retry-after': '7' } });
    await assert.rejects(target.grant(account, role, { idempotencyKey: 'grant-42' }), (e: unknown) => {
      isConnectorError(true, /answered 503 .*wait 7 s.*maintenance/)(e);
      assert.equal((e as ConnectorError).retryAfterMs, 7000);
      return true;
    });
    const failed = rx.received.at(-1)!;
    assert.deepEqual(await target.grant(account, role, { idempotencyKey: 'grant-42' }), { changed: true });
    const retried = rx.received.at(-1)!;
    assert.equal(retried.id, failed.id, 'same webhook-id');
    assert.equal(retried.payload.data.idempotencyKey, failed.payload.data.idempotencyKey);
    // another delivery of the same role (a grant after a revoke) has an id of its own
    await target.revoke(account, role, { idempotencyKey: 'revoke-43' });
    await target.grant(account, role, { idempotencyKey: 'grant-44' });
    assert.notEqual(rx.received.at(-1)!.id, failed.id);
  });

  it('fails retryably on 429 with an HTTP-date Retry-After, not retryably on another 4xx or a redirect', async () => {
    const account = { id: ada.id, display: ada.userPrincipalName };
    rx.replies.push({ status: 429, headers: { 'retry-after': new Date(Date.now() + 60_000).toUTCString() } });
    await assert.rejects(target.grant(account, vpn), (e: unknown) => {
      isConnectorError(true, /answered 429/)(e);
      const ms = (e as ConnectorError).retryAfterMs!;
      assert.ok(ms > 55_000 && ms <= 60_000, String(ms));
      return true;
    });
    rx.replies.push({ status: 400, body: { error: 'unknown queue' } });
    await assert.rejects(target.grant(account, vpn), isConnectorError(false, /refused the grant of Member of 'VPN access' to ada@contoso.com with 400: \{"error":"unknown queue"\}/));
    rx.replies.push({ status: 302, headers: { location: 'https://elsewhere.example/hook' } });
    await assert.rejects(target.grant(account, vpn), isConnectorError(false, /redirected .*elsewhere\.example/));
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });

  it('fails for good when the receiver cannot verify the signature (another secret)', async () => {
    const forged = connect({}, generateSigningSecret());
    const before = rx.received.length;
    await assert.rejects(forged.grant({ id: ada.id, display: ada.userPrincipalName }, vpn), isConnectorError(false, /with 401 \(check that the receiver has the signing secret/));
    await assert.rejects(forged.test(), isConnectorError(false, /401/));
    assert.equal(rx.received.length, before, 'the receiver took nothing');
  });

  it('fails retryably while the receiver is down and works again once it is back', async () => {
    const account = { id: ada.id, display: ada.userPrincipalName };
    const role = { resourceId: 'badge', roleId: 'approver' };
    await rx.stop();
    try {
      // the first may find its kept-alive socket closed under it (UND_ERR_SOCKET), the next is refused
      await assert.rejects(target.grant(account, role), isConnectorError(true, /cannot be reached/));
      await assert.rejects(target.grant(account, role), isConnectorError(true, /cannot be reached \(ECONNREFUSED\)/));
    } finally {
      await rx.start();
    }
    assert.deepEqual(await target.grant(account, role), { changed: true });
  });

  it('gives up on a receiver that does not answer, retryably, naming the timeout', async () => {
    const impatient = connect({ timeoutMs: 300 });
    rx.replies.push('hang');
    const started = Date.now();
    await assert.rejects(impatient.grant({ id: ada.id, display: ada.userPrincipalName }, vpn), isConnectorError(true, /did not answer within 300 ms/));
    assert.ok(Date.now() - started < 3000);
    // the connection's limits apply too when the settings set no timeout of their own
    const limited = connect({}, SECRET, { timeoutMs: 200, concurrency: 1 });
    rx.replies.push('hang');
    await assert.rejects(limited.revoke({ id: ada.id, display: ada.userPrincipalName }, vpn), isConnectorError(true, /did not answer within 200 ms/));
  });
});
