import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { generateSigningSecret } from '../../src/connectors/webhook/index.js';
import { addConnectedRole, makeCatalogAndPackage, makeConnection } from '../support/connections.js';
import { adminAdd, directPolicy, getRequest } from '../support/lifecycle.js';
import { reconcileNow } from '../support/reconcile-fixture.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Reconciliation of a webhook connection with a holdersUrl, end to end. The receiver in the test keeps
// who holds what: it applies the access.granted and access.revoked messages whose Standard Webhooks
// signature verifies, and answers the signed GET holdersUrl?resource=&role= (its signature verified
// too) from what it holds. Access is granted through a request; a holder removed behind Latchkey's back
// is granted again; a holder nobody granted is reported, and removed once the resource is exclusive.
// A repair the receiver answers 202 awaits its confirmation: confirmed done it stays delivered, failed
// the grant records the receiver's error, and a repeated confirmation acts once only.

const V1 = '/latchkey/v1';
const SECRET = generateSigningSecret();

interface Message {
  type: string;
  data: { deliveryId?: string; idempotencyKey: string; resource: { id: string }; role: { id: string }; account: { id: string; display: string } };
}

function holdingReceiver() {
  const verifier = new Webhook(SECRET);
  /** "resource/role" → account id → display */
  const holds = new Map<string, Map<string, string>>();
  const messages: Message[] = [];
  const reads: string[] = [];
  let refused = 0;
  let answer = 200;
  let server: http.Server | undefined;
  let port = 0;
  const slot = (resource: string, role: string) => {
    const key = `${resource}/${role}`;
    if (!holds.has(key)) holds.set(key, new Map());
    return holds.get(key)!;
  };
  const apply = (m: Message) => {
    if (m.type === 'access.granted') slot(m.data.resource.id, m.data.role.id).set(m.data.account.id, m.data.account.display);
    if (m.type === 'access.revoked') slot(m.data.resource.id, m.data.role.id).delete(m.data.account.id);
  };
  return {
    messages,
    reads,
    get refused() {
      return refused;
    },
    set answer(status: number) {
      answer = status;
    },
    get base() {
      return `http://127.0.0.1:${port}`;
    },
    holders: (resource: string, role: string) => [...slot(resource, role).keys()].sort(),
    hold: (resource: string, role: string, id: string, display = id) => slot(resource, role).set(id, display),
    drop: (resource: string, role: string, id: string) => slot(resource, role).delete(id),
    /** what a person does later for a message the receiver answered 202 */
    apply,
    async start() {
      server = http.createServer((req, res) => {
        let raw = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (raw += c));
        req.on('end', () => {
          let body: unknown;
          try {
            const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
            body = verifier.verify(raw, headers);
          } catch {
            refused++;
            res.writeHead(401).end('signature does not verify');
            return;
          }
          const url = new URL(req.url ?? '/', 'http://receiver');
          if (req.method === 'GET' && url.pathname === '/holders') {
            reads.push(url.search);
            const held = slot(url.searchParams.get('resource') ?? '', url.searchParams.get('role') ?? '');
            const holders = [...held].map(([id, display]) => ({ id, display }));
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ holders }));
            return;
          }
          const m = body as Message;
          messages.push(m);
          if (answer === 200) apply(m);
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

describe('reconciliation of a webhook with holdersUrl', () => {
  const rx = holdingReceiver();
  let t: TestServer;
  let connectionId = '';
  let resourceId = '';
  let ada = { id: '', upn: '' };
  let assignmentId = '';
  let grantId = '';
  const held = () => rx.holders('wiki', 'editor');

  const reconcile = () => reconcileNow(t, connectionId);
  const view = async () => {
    const r = await t.admin.get(`${V1}/resources/${resourceId}/reconciliation`);
    assert.equal(r.status, 200, r.text);
    return r.body as { exclusive: boolean; unmanaged: { accountId: string; display: string; removedDateTime: string | null }[] };
  };
  const audits = async (activity: string) => {
    const rows = await t.store.db.selectFrom('auditEvents').select(['activity', 'modifiedProperties']).where('targetId', '=', resourceId).where('activity', '=', activity).orderBy('occurredAt').orderBy('id').execute();
    return rows.map((r) => Object.fromEntries((JSON.parse(r.modifiedProperties) as { displayName: string; newValue: unknown }[]).map((p) => [p.displayName, p.newValue])));
  };
  const confirm = async (body: Record<string, unknown>) => {
    const raw = JSON.stringify(body);
    const id = `msg_confirm_${Math.random().toString(36).slice(2)}`;
    const now = new Date();
    const res = await fetch(`${t.url}${V1}/connections/${connectionId}/confirmations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(SECRET).sign(id, now, raw) },
      body: raw,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  };
  const deliveries = async () => {
    const r = await t.admin.get(`${V1}/assignments/${assignmentId}/resourceRoles`);
    assert.equal(r.status, 200, r.text);
    return r.body.value as { id: string; state: string; lastError: string | null }[];
  };

  before(async () => {
    await rx.start();
    t = await startTestServer();
    connectionId = await makeConnection(t, {
      kind: 'webhook',
      displayName: 'Wiki desk',
      settings: {
        url: `${rx.base}/hooks`, holdersUrl: `${rx.base}/holders`,
        roles: [{ id: 'editor', displayName: 'Editor' }], resources: [{ id: 'wiki', displayName: 'Wiki' }],
      },
      secrets: { signingSecret: SECRET },
    });
    const { catalogId, packageId } = await makeCatalogAndPackage(t, 'Wiki editors');
    resourceId = (await addConnectedRole(t, { connectionId, catalogId, packageId, originId: 'wiki', roleOriginId: 'editor' })).resourceId;
    const policyId = await directPolicy(t, packageId, { expiration: { type: 'noExpiration' } });
    ada = await t.user({ displayName: 'Ada' });
    const r = await adminAdd(t, packageId, policyId, { targetId: ada.id });
    assert.equal(r.status, 201, r.text);
    await t.drain();
    const req = await getRequest(t, r.body.id, '?$expand=assignment');
    assert.equal(req.state, 'delivered', JSON.stringify(req.fulfillmentErrors));
    assignmentId = req.assignment.id;
    grantId = (await deliveries())[0].id;
    assert.deepEqual(held(), [ada.id], 'the receiver applied the grant');
  });
  after(async () => {
    await t?.close();
    await rx.stop();
  });

  it('finds the receiver holding what was granted, asking with a signed GET', async () => {
    const run = await reconcile();
    assert.deepEqual([run.rolesChecked, run.holdersChecked, run.repaired, run.unmanaged, run.removed], [1, 1, 0, 0, 0]);
    assert.deepEqual(rx.reads, ['?resource=wiki&role=editor']);
    assert.equal(rx.refused, 0, 'every message and read verified');
  });

  it('grants again a holder the receiver lost behind Latchkey\'s back', async () => {
    rx.drop('wiki', 'editor', ada.id);
    const sent = rx.messages.length;
    const run = await reconcile();
    assert.equal(run.repaired, 1);
    assert.deepEqual(held(), [ada.id], 'the receiver holds it again');
    const repair = rx.messages.slice(sent);
    assert.deepEqual(repair.map((m) => [m.type, m.data.account.id, m.data.deliveryId]), [['access.granted', ada.id, `${grantId}:repair:${run.id}`]]);
    const [event] = await audits('Reconciliation repaired missing access');
    assert.equal(event.grantId, grantId);
    assert.equal(event.accountId, ada.id);
    assert.equal(event.reconciliationId, run.id);
    assert.equal(event.awaitingConfirmation, false, 'the receiver did it at once');
  });

  it('reports a holder nobody granted; once the resource is exclusive, removes it', async () => {
    rx.hold('wiki', 'editor', 'mallory', 'Mallory');
    const run = await reconcile();
    assert.deepEqual([run.unmanaged, run.removed], [1, 0]);
    assert.deepEqual((await view()).unmanaged.map((u) => [u.accountId, u.display, u.removedDateTime]), [['mallory', 'Mallory', null]]);
    assert.deepEqual(held(), [ada.id, 'mallory'].sort(), 'reported only');

    const r = await t.admin.patch(`${V1}/resources/${resourceId}`, { exclusive: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.exclusive, true);
    const sent = rx.messages.length;
    const removing = await reconcile();
    assert.equal(removing.removed, 1);
    assert.deepEqual(held(), [ada.id], 'the receiver no longer holds it');
    assert.deepEqual(rx.messages.slice(sent).map((m) => [m.type, m.data.account.id]), [['access.revoked', 'mallory']]);
    const after = await view();
    assert.equal(after.exclusive, true);
    assert.equal(after.unmanaged.length, 1);
    assert.ok(after.unmanaged[0].removedDateTime, 'kept, with when it was removed');
    assert.equal((await audits('Reconciliation removed unmanaged access')).length, 1);
    assert.equal(rx.refused, 0);
  });

  it('a repair answered 202 awaits its confirmation (not sent again meanwhile); confirmed done it acts once', async () => {
    rx.drop('wiki', 'editor', ada.id);
    rx.answer = 202;
    const sent = rx.messages.length;
    const run = await reconcile();
    assert.equal(run.repaired, 1, 'counted as repaired');
    const [message] = rx.messages.slice(sent);
    assert.equal(message.data.deliveryId, `${grantId}:repair:${run.id}`);
    const event = (await audits('Reconciliation repaired missing access')).at(-1)!;
    assert.equal(event.reconciliationId, run.id);
    assert.equal(event.awaitingConfirmation, true, 'the audit says the receiver has still to confirm it');

    // the next run sees the repair on its way and neither sends it again nor counts it
    const waiting = await reconcile();
    assert.equal(waiting.repaired, 0);
    assert.equal(rx.messages.length, sent + 1, 'not sent again while awaited');

    rx.apply(message);
    const done = await confirm({ deliveryId: message.data.deliveryId, status: 'done' });
    assert.equal(done.status, 200, done.text);
    assert.deepEqual(done.body, { deliveryId: message.data.deliveryId, acted: true, state: 'delivered' });
    const again = await confirm({ deliveryId: message.data.deliveryId, status: 'failed', error: 'late and wrong' });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body, { deliveryId: message.data.deliveryId, acted: false, state: 'delivered' }, 'a repeat does not act twice');
    const [grant] = await deliveries();
    assert.deepEqual([grant.state, grant.lastError], ['delivered', null]);
    assert.equal((await audits('Reconciliation repair confirmed')).length, 1);
    assert.equal((await audits('Reconciliation repair failed')).length, 0);
    assert.deepEqual(held(), [ada.id]);
    assert.equal((await reconcile()).repaired, 0, 'nothing left to repair');
  });

  it('a repair confirmed failed: the grant stays delivered with the receiver\'s error, audited; the next run tries again', async () => {
    rx.drop('wiki', 'editor', ada.id);
    rx.answer = 202;
    const sent = rx.messages.length;
    const run = await reconcile();
    const [message] = rx.messages.slice(sent);
    assert.equal(message.data.deliveryId, `${grantId}:repair:${run.id}`);
    const failed = await confirm({ deliveryId: message.data.deliveryId, status: 'failed', error: 'the wiki is read-only today' });
    assert.equal(failed.status, 200, failed.text);
    assert.deepEqual(failed.body, { deliveryId: message.data.deliveryId, acted: true, state: 'delivered' });
    const again = await confirm({ deliveryId: message.data.deliveryId, status: 'failed', error: 'the wiki is read-only today' });
    assert.deepEqual(again.body, { deliveryId: message.data.deliveryId, acted: false, state: 'delivered' });
    const [grant] = await deliveries();
    assert.equal(grant.state, 'delivered', 'the grant keeps its state');
    assert.match(grant.lastError ?? '', /repair failed: the wiki is read-only today/);
    const failures = await audits('Reconciliation repair failed');
    assert.equal(failures.length, 1, 'audited once');
    assert.equal(failures[0].grantId, grantId);
    assert.equal(failures[0].reconciliationId, run.id);
    assert.match(String(failures[0].error), /read-only today/);
    assert.equal((await getRequest(t, (await t.store.db.selectFrom('assignments').select('requestId').where('id', '=', assignmentId).executeTakeFirstOrThrow()).requestId!)).state, 'delivered');

    rx.answer = 200;
    const retry = await reconcile();
    assert.equal(retry.repaired, 1, 'still missing: granted again');
    assert.deepEqual(held(), [ada.id]);
    const [after] = await deliveries();
    assert.deepEqual([after.state, after.lastError], ['delivered', null], 'the repair done, the error goes');
  });
});
