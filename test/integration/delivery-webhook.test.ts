import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { generateSigningSecret } from '../../src/connectors/webhook/index.js';
import { backoffMs } from '../../src/domain/backoff.js';
import { EM } from '../support/client.js';
import { addConnectedRole, makeCatalogAndPackage, makeConnection } from '../support/connections.js';
import { DAY, HOUR, adminAdd, directPolicy, getRequest, submit } from '../support/lifecycle.js';
import { captureLog } from '../support/log-capture.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Delivery through a signed webhook to a receiver in the test that verifies every message with the
// standardwebhooks package. Answered 200 the grant is delivered at once; answered 202 it waits for the
// receiver's confirmation, which comes back signed with the same secret to Latchkey's callback: done
// delivers, failed fails with the receiver's reason, a bad signature is a 401, a repeated confirmation
// changes nothing, and one that never comes fails the grant at its due time. A revoke answered 202
// completes its removal only once confirmed. Reprocessing a delivered assignment sends its grant again
// as a new delivery (a new delivery id and webhook-id, kept across that delivery's retries), so a
// receiver that drops repeated webhook-ids still applies it, and a confirmation of the old one does nothing.

const SECRET = generateSigningSecret();

interface Message {
  /** the webhook-id header it came with */
  webhookId: string;
  type: string;
  data: { deliveryId?: string; idempotencyKey: string; resource: { id: string }; role: { id: string }; account: { id: string; display: string } };
}

function receiver() {
  const verifier = new Webhook(SECRET);
  const messages: Message[] = [];
  let answer = 200;
  let server: http.Server | undefined;
  let port = 0;
  return {
    messages,
    set answer(status: number) {
      answer = status;
    },
    get url() {
      return `http://127.0.0.1:${port}/hooks`;
    },
    async start() {
      server = http.createServer((req, res) => {
        let raw = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (raw += c));
        req.on('end', () => {
          try {
            const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
            messages.push({ ...(verifier.verify(raw, headers) as Omit<Message, 'webhookId'>), webhookId: headers['webhook-id'] });
          } catch {
            res.writeHead(401).end('signature does not verify');
            return;
          }
          res.writeHead(answer, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
        });
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    },
    async stop() {
      server?.closeAllConnections();
      await new Promise((r) => server?.close(r));
    },
  };
}

describe('delivery through a signed webhook', () => {
  const rx = receiver();
  let t: TestServer;
  let connectionId = '';
  const log = captureLog('debug');

  /** The receiver's confirmation, signed as Standard Webhooks says (or with another secret). */
  const confirm = async (body: Record<string, unknown>, opts: { secret?: string; connection?: string } = {}) => {
    const raw = JSON.stringify(body);
    const id = `msg_confirm_${Math.random().toString(36).slice(2)}`;
    const now = new Date();
    const res = await fetch(`${t.url}/latchkey/v1/connections/${opts.connection ?? connectionId}/confirmations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(opts.secret ?? SECRET).sign(id, now, raw) },
      body: raw,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  };
  const grantsOf = (assignmentId: string) =>
    t.store.db.selectFrom('grants').select(['id', 'state', 'deliveryId', 'confirmationDueAt', 'lastError']).where('assignmentId', '=', assignmentId).execute();

  /** A package with the webhook's resource role, and an admin-only policy (ending after 8 hours unless told otherwise). */
  const fixture = async (name: string, expiration: unknown = { type: 'afterDuration', duration: 'PT8H' }) => {
    const { catalogId, packageId } = await makeCatalogAndPackage(t, name);
    await addConnectedRole(t, { connectionId, catalogId, packageId, originId: 'crm', roleOriginId: 'agent' });
    const policyId = await directPolicy(t, packageId, { expiration });
    const u = await t.user({ displayName: name });
    const r = await adminAdd(t, packageId, policyId, { targetId: u.id });
    assert.equal(r.status, 201, r.text);
    return { user: u, requestId: r.body.id as string };
  };

  before(async () => {
    await rx.start();
    t = await startTestServer({ logger: log.logger });
    connectionId = await makeConnection(t, {
      kind: 'webhook',
      displayName: 'Service desk',
      settings: { url: rx.url, roles: [{ id: 'agent', displayName: 'Agent' }], resources: [{ id: 'crm', displayName: 'CRM' }], confirmationWindow: 'P3D' },
      secrets: { signingSecret: SECRET },
    });
  });
  after(async () => {
    await t?.close();
    await rx.stop();
  });

  it('answered 200: delivered at once; expiry sends the revoke; each carries its own delivery id', async () => {
    rx.answer = 200;
    const before = rx.messages.length;
    const { user, requestId } = await fixture('Webhook at once');
    await t.drain();
    const req = await getRequest(t, requestId, '?$expand=assignment');
    assert.equal(req.state, 'delivered', JSON.stringify(req.fulfillmentErrors));
    const [grant] = await grantsOf(req.assignment.id);
    const sent = rx.messages.slice(before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].type, 'access.granted');
    assert.deepEqual([sent[0].data.resource.id, sent[0].data.role.id, sent[0].data.account.id, sent[0].data.deliveryId], ['crm', 'agent', user.id, `${grant.id}:grant`]);

    t.clock.advance(8 * HOUR + 1000);
    await t.drain();
    const revoked = rx.messages.slice(before + 1);
    assert.deepEqual(revoked.map((m) => [m.type, m.data.deliveryId]), [['access.revoked', `${grant.id}:revoke`]]);
    const removal = await t.store.db.selectFrom('assignmentRequests').select('state').where('assignmentId', '=', req.assignment.id).where('requestType', '=', 'systemRemove').execute();
    assert.deepEqual(removal.map((x) => x.state), ['delivered']);
  });

  it('answered 202: awaiting confirmation, not sent again; a bad signature is 401; confirmed done → delivered; a repeat changes nothing', async () => {
    rx.answer = 202;
    const before = rx.messages.length;
    const { user, requestId } = await fixture('Webhook later');
    await t.drain();
    let req = await getRequest(t, requestId, '?$expand=assignment');
    assert.equal(req.state, 'delivering', 'waits for the receiver');
    const [grant] = await grantsOf(req.assignment.id);
    assert.equal(grant.state, 'pending');
    assert.equal(grant.deliveryId, `${grant.id}:grant`);
    assert.equal(grant.confirmationDueAt, new Date(t.clock.now().getTime() + 3 * DAY).toISOString(), 'due after the connection\'s confirmationWindow (P3D)');
    const view = await t.admin.get(`/latchkey/v1/assignments/${req.assignment.id}/resourceRoles`);
    assert.equal(view.status, 200, view.text);
    assert.equal(view.body.value[0].state, 'awaitingConfirmation');
    assert.deepEqual(view.body.value[0].account, { id: user.id, display: user.upn });
    assert.equal(view.body.value[0].confirmationDueDateTime, grant.confirmationDueAt);

    // time passes, the worker runs: nothing is sent again while the confirmation is awaited
    t.clock.advance(backoffMs(Infinity) + 1000);
    await t.drain();
    assert.equal(rx.messages.length, before + 1, 'one message only');

    const wrong = await confirm({ deliveryId: grant.deliveryId, status: 'done' }, { secret: generateSigningSecret() });
    assert.equal(wrong.status, 401, wrong.text);
    assert.ok(!wrong.text.includes(SECRET.slice(6)), 'the secret is not in the answer');
    const unsigned = await fetch(`${t.url}/latchkey/v1/connections/${connectionId}/confirmations`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deliveryId: grant.deliveryId, status: 'done' }),
    });
    assert.equal(unsigned.status, 401);
    const elsewhere = await confirm({ deliveryId: grant.deliveryId, status: 'done' }, { connection: '00000000-0000-4000-8000-000000000000' });
    assert.equal(elsewhere.status, 401, 'an unknown connection answers as a bad signature');
    assert.equal((await grantsOf(req.assignment.id))[0].state, 'pending', 'none of them acted');

    const ok = await confirm({ deliveryId: grant.deliveryId, status: 'done' });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body, { deliveryId: grant.deliveryId, acted: true, state: 'delivered' });
    req = await getRequest(t, requestId);
    assert.equal(req.state, 'delivered');
    const again = await confirm({ deliveryId: grant.deliveryId, status: 'failed', error: 'late and wrong' });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body, { deliveryId: grant.deliveryId, acted: false, state: 'delivered' }, 'a repeat does not act twice');
    assert.equal((await getRequest(t, requestId)).state, 'delivered');

    const bad = await confirm({ deliveryId: 'not-a-delivery', status: 'done' });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body.error.target, 'deliveryId');
  });

  it('confirmed failed → deliveryFailed with the receiver\'s reason', async () => {
    rx.answer = 202;
    const { requestId } = await fixture('Webhook refused');
    await t.drain();
    const req = await getRequest(t, requestId, '?$expand=assignment');
    const [grant] = await grantsOf(req.assignment.id);
    const r = await confirm({ deliveryId: grant.deliveryId, status: 'failed', error: 'CRM licence pool exhausted' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.state, 'failed');
    const after = await getRequest(t, requestId);
    assert.equal(after.state, 'deliveryFailed');
    assert.match(after.fulfillmentErrors[0].message, /CRM licence pool exhausted/);
  });

  it('never confirmed: the grant fails at its due time, saying so', async () => {
    rx.answer = 202;
    const { requestId } = await fixture('Webhook silent', { type: 'noExpiration' });
    await t.drain();
    t.clock.advance(3 * DAY - 60_000);
    await t.drain();
    assert.equal((await getRequest(t, requestId)).state, 'delivering', 'still within the window');
    t.clock.advance(2 * 60_000);
    await t.drain();
    const req = await getRequest(t, requestId);
    assert.equal(req.state, 'deliveryFailed');
    assert.match(req.fulfillmentErrors[0].message, /did not confirm the grant/);
  });

  it('a revoke answered 202: the removal completes once the receiver confirms it', async () => {
    rx.answer = 200;
    const { requestId } = await fixture('Webhook revoke later');
    await t.drain();
    const req = await getRequest(t, requestId, '?$expand=assignment');
    assert.equal(req.state, 'delivered');
    rx.answer = 202;
    t.clock.advance(8 * HOUR + 1000);
    await t.drain();
    const removalState = async () => (await t.store.db.selectFrom('assignmentRequests').select('state').where('assignmentId', '=', req.assignment.id).where('requestType', '=', 'systemRemove').executeTakeFirstOrThrow()).state;
    assert.equal(await removalState(), 'delivering', 'the removal waits for the receiver');
    const [grant] = await grantsOf(req.assignment.id);
    assert.equal(grant.state, 'revoking');
    assert.equal(grant.deliveryId, `${grant.id}:revoke`);
    const sentBefore = rx.messages.length;
    t.clock.advance(backoffMs(Infinity) + 1000);
    await t.drain();
    assert.equal(rx.messages.length, sentBefore, 'the revoke is not sent again while awaited');
    const r = await confirm({ deliveryId: grant.deliveryId, status: 'done' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.state, 'revoked');
    await t.drain();
    assert.equal(await removalState(), 'delivered');
  });

  it('removed while its grant awaits confirmation: the revoke goes out, and the late confirmation changes nothing', async () => {
    rx.answer = 202;
    const { requestId } = await fixture('Webhook removed early', { type: 'noExpiration' });
    await t.drain();
    const req = await getRequest(t, requestId, '?$expand=assignment');
    const [grant] = await grantsOf(req.assignment.id);
    assert.ok(grant.confirmationDueAt, 'awaiting');
    rx.answer = 200;
    const sent = rx.messages.length;
    const rm = await submit(t.admin, { requestType: 'adminRemove', assignment: { id: req.assignment.id } });
    assert.equal(rm.status, 201, rm.text);
    await t.drain();
    assert.deepEqual(rx.messages.slice(sent).map((m) => [m.type, m.data.deliveryId]), [['access.revoked', `${grant.id}:revoke`]], 'the revoke went out');
    assert.equal((await getRequest(t, rm.body.id)).state, 'delivered', 'the removal completed');
    const late = await confirm({ deliveryId: grant.deliveryId, status: 'done' });
    assert.equal(late.status, 200, late.text);
    assert.deepEqual(late.body, { deliveryId: grant.deliveryId, acted: false, state: 'revoked' });
    assert.equal((await grantsOf(req.assignment.id))[0].state, 'revoked');
  });

  it('reprocess re-applies a delivered grant with a new webhook-id, the same across its retries; the old delivery id no longer confirms', async () => {
    rx.answer = 202;
    const sent = rx.messages.length;
    const { requestId } = await fixture('Webhook again', { type: 'noExpiration' });
    await t.drain();
    const req = await getRequest(t, requestId, '?$expand=assignment');
    const [grant] = await grantsOf(req.assignment.id);
    const [first] = rx.messages.slice(sent);
    assert.equal(first.data.deliveryId, grant.deliveryId);
    assert.equal((await confirm({ deliveryId: grant.deliveryId, status: 'done' })).body.state, 'delivered');

    const reprocess = async () => {
      const r = await t.admin.post(`${EM}/assignments/${req.assignment.id}/reprocess`);
      assert.equal(r.status, 202, r.text);
      await t.drain();
    };
    const before = rx.messages.length;
    await reprocess();
    const [second] = rx.messages.slice(before);
    assert.equal(rx.messages.length, before + 1);
    assert.equal(second.type, 'access.granted');
    assert.notEqual(second.webhookId, first.webhookId, 'a new webhook-id: a receiver that deduplicates still applies it');
    assert.notEqual(second.data.deliveryId, first.data.deliveryId);
    assert.equal(second.data.idempotencyKey, second.webhookId);
    const [awaiting] = await grantsOf(req.assignment.id);
    assert.equal(awaiting.deliveryId, second.data.deliveryId, 'the confirmation awaited is the new delivery\'s');

    const old = await confirm({ deliveryId: first.data.deliveryId, status: 'failed', error: 'stale' });
    assert.equal(old.status, 200, old.text);
    assert.deepEqual(old.body, { deliveryId: first.data.deliveryId, acted: false, state: 'pending' }, 'the old delivery id does not act');
    const ok = await confirm({ deliveryId: second.data.deliveryId, status: 'done' });
    assert.deepEqual(ok.body, { deliveryId: second.data.deliveryId, acted: true, state: 'delivered' });
    assert.equal((await getRequest(t, requestId)).state, 'delivered');

    // the next re-application fails for a while: its retries carry one webhook-id, a new one again
    rx.answer = 503;
    const third = rx.messages.length;
    await reprocess();
    t.clock.advance(backoffMs(1) + 1000);
    await t.drain();
    rx.answer = 200;
    t.clock.advance(backoffMs(2) + 1000);
    await t.drain();
    const retries = rx.messages.slice(third);
    assert.ok(retries.length >= 3, `tried, retried, delivered (${retries.length})`);
    assert.deepEqual(new Set(retries.map((m) => m.webhookId)).size, 1, 'one webhook-id across the retries of one delivery');
    assert.ok(![first.webhookId, second.webhookId].includes(retries[0].webhookId));
    assert.equal((await grantsOf(req.assignment.id))[0].state, 'delivered');
  });

  it('the signing secret is in no log line and no audit record', async () => {
    assert.ok(log.lines.length > 0, 'the server logged');
    const key = SECRET.slice('whsec_'.length);
    assert.ok(!log.text().includes(key), 'not in the log');
    const audit = await t.store.db.selectFrom('auditEvents').selectAll().execute();
    assert.ok(!JSON.stringify(audit).includes(key), 'not in the audit records');
  });
});
