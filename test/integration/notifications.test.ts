import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { ManualClock } from '../../src/domain/clock.js';
import { createNotificationService } from '../../src/services/notifications.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { backoffMs } from '../../src/domain/backoff.js';
import { createMailer, createOutboxDelivery, redactSmtpUrl, type Mailer } from '../../src/worker/mailer.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { scratchDatabase, type ScratchDatabase } from '../support/stores.js';

const silent = pino({ level: 'silent' });
const OUTBOX = '/latchkey/v1/outbox';

interface Received { from: string; to: string[]; subject: string; body: string; raw: string }

/** Decodes a quoted-printable body (nodemailer uses it for long lines). */
function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseMessage(raw: string, envelope: { from: string; to: string[] }): Received {
  const split = raw.indexOf('\r\n\r\n');
  const headerText = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const l of headerText.split('\r\n')) {
    const i = l.indexOf(':');
    headers.set(l.slice(0, i).toLowerCase(), l.slice(i + 1).trim());
  }
  let body = raw.slice(split + 4);
  const cte = headers.get('content-transfer-encoding')?.toLowerCase();
  if (cte === 'quoted-printable') body = decodeQuotedPrintable(body);
  else if (cte === 'base64') body = Buffer.from(body, 'base64').toString('utf8');
  let subject = headers.get('subject') ?? '';
  // RFC 2047 encoded words (non-ASCII subjects)
  subject = subject.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s?/gi, (_m, enc: string, v: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(v, 'base64').toString('utf8') : decodeQuotedPrintable(v.replace(/_/g, ' ')));
  return { from: headers.get('from') ?? '', to: envelope.to, subject, body: body.replace(/\r\n/g, '\n'), raw };
}

/** A real SMTP server on a free port that records what arrives, and can refuse mail on demand. */
async function startSmtp() {
  const received: Received[] = [];
  const state = { reject: null as null | { code: number; message: string } };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(_address, _session, cb) {
      if (state.reject) {
        const err = new Error(state.reject.message) as Error & { responseCode: number };
        err.responseCode = state.reject.code;
        cb(err);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push(parseMessage(Buffer.concat(chunks).toString('utf8'), {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        }));
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port on which nothing listens. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('outbox delivery through SMTP', () => {
  let scratch: ScratchDatabase;
  let store: Store;
  let other: Store;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const clock = new ManualClock('2026-04-01T08:00:00.000Z');
  const mailers: Mailer[] = [];
  const mailer = (url: string) => {
    const m = createMailer({ smtpUrl: url, mailFrom: 'Latchkey <noreply@contoso.test>', timeoutMs: 5000 });
    mailers.push(m);
    return m;
  };

  before(async () => {
    scratch = await scratchDatabase();
    store = openStore(scratch.url);
    other = openStore(scratch.url);
    await migrateToLatest(store.db);
    smtp = await startSmtp();
  });
  after(async () => {
    for (const m of mailers) m.close();
    await smtp.close();
    await store.close();
    await other.close();
    await scratch.drop();
  });
  beforeEach(async () => {
    await store.db.deleteFrom('outboxEmails').execute();
    smtp.received.length = 0;
    smtp.state.reject = null;
  });

  const notifications = () => createNotificationService({ db: store.db, clock, publicUrl: 'https://access.contoso.test' });
  const rows = () => store.db.selectFrom('outboxEmails').selectAll().orderBy('createdAt').orderBy('id').execute();

  it('queues rendered mail in the caller transaction, and nothing when the transaction fails or there is no address', async () => {
    const n = notifications();
    await store.db.transaction().execute(async (tx) => {
      assert.equal(await n.queue(tx, { to: 'adele@contoso.test', template: 'requestDenied', data: { packageName: 'Sales', approverJustification: 'No', requestId: 'r1' } }), true);
    });
    await assert.rejects(store.db.transaction().execute(async (tx) => {
      await n.queue(tx, { to: 'alex@contoso.test', template: 'requestApproved', data: { packageName: 'Sales' } });
      throw new Error('the approval failed');
    }), /the approval failed/);
    assert.equal(await n.queue(store.db, { to: '', template: 'requestApproved', data: {} }), false);
    assert.equal(await n.queue(store.db, { to: null, template: 'requestApproved', data: {} }), false);
    assert.equal(await n.queue(store.db, { to: 'a@x.test\r\nBcc: b@x.test', template: 'requestApproved', data: {} }), false);
    assert.equal(await n.queue(store.db, { to: 'a@x.test, b@x.test', template: 'requestApproved', data: {} }), false);

    const all = await rows();
    assert.equal(all.length, 1);
    const [r] = all;
    assert.equal(r.recipient, 'adele@contoso.test');
    assert.equal(r.template, 'requestDenied');
    assert.equal(r.subject, 'Request denied to Sales');
    assert.ok(r.body.includes('Approver justification: No'), 'expected: r.body.includes(\'Approver justification: No\')');
    assert.ok(r.body.includes('https://access.contoso.test/myaccess/requests/r1'), 'expected: r.body.includes(\'https://access.contoso.test/myaccess/requests/r1\')');
    assert.equal(r.attempts, 0);
    assert.equal(r.sentAt, null);
    assert.equal(r.nextAttemptAt, '2026-04-01T08:00:00.000Z');
  });

  it('sends due mail through a real SMTP server and marks it sent', async () => {
    const n = notifications();
    await n.queue(store.db, { to: 'adele@contoso.test', template: 'approvalRequired', data: {
      packageName: 'Sales', requestorName: 'Alex Wilber', justification: 'Quarterly forecast work', deadline: '2026-04-15T08:00:00.000Z',
      answers: [{ question: 'Region?', answer: 'EMEA' }], approvalId: 'ap-1',
    } });
    const delivery = createOutboxDelivery({ db: store.db, clock, mailer: mailer(smtp.url), log: silent });
    assert.equal(await delivery.run(), 1);
    assert.equal(smtp.received.length, 1);
    const m = smtp.received[0];
    assert.deepEqual(m.to, ['adele@contoso.test']);
    assert.equal(m.from, 'Latchkey <noreply@contoso.test>');
    assert.equal(m.subject, 'Action required: Approve or deny request for Sales by 2026-04-15 08:00 UTC');
    for (const s of ['Alex Wilber', 'Quarterly forecast work', 'Region?', 'EMEA', 'https://access.contoso.test/myaccess/approvals/ap-1']) {
      assert.ok(m.body.includes(s), `arrived body has ${s}:\n${m.body}`);
    }
    const [r] = await rows();
    assert.equal(r.sentAt, '2026-04-01T08:00:00.000Z');
    assert.equal(r.attempts, 1);
    assert.equal(r.nextAttemptAt, null);
    assert.equal(await delivery.run(), 0, 'nothing is sent twice');
    assert.equal(smtp.received.length, 1);
  });

  it('a refusing server delays mail without losing it: attempts and error kept, sent after the backoff', async () => {
    const n = notifications();
    await n.queue(store.db, { to: 'megan@contoso.test', template: 'accessDelivered', data: { packageName: 'Finance' } });
    const delivery = createOutboxDelivery({ db: store.db, clock, mailer: mailer(smtp.url), log: silent });
    smtp.state.reject = { code: 451, message: 'Try again later' };
    assert.equal(await delivery.run(), 1);
    let [r] = await rows();
    assert.equal(r.sentAt, null);
    assert.equal(r.attempts, 1);
    assert.match(r.lastError ?? '', /451/);
    assert.match(r.lastError ?? '', /Try again later/);
    assert.equal(r.nextAttemptAt, new Date(clock.now().getTime() + backoffMs(1)).toISOString());

    // a permanent-looking refusal is retried too: the outbox never drops mail on its own before the limit
    clock.advance(backoffMs(1));
    smtp.state.reject = { code: 550, message: 'Mailbox unavailable' };
    assert.equal(await delivery.run(), 1);
    [r] = await rows();
    assert.equal(r.attempts, 2);
    assert.match(r.lastError ?? '', /550/);

    smtp.state.reject = null;
    assert.equal(await delivery.run(), 0, 'not due before its backoff');
    assert.equal(smtp.received.length, 0);
    clock.advance(backoffMs(2));
    assert.equal(await delivery.run(), 1);
    assert.equal(smtp.received.length, 1);
    assert.equal(smtp.received[0].subject, 'You now have access to Finance');
    [r] = await rows();
    assert.ok(r.sentAt, 'expected: r.sentAt');
    assert.equal(r.attempts, 3);
    assert.equal(r.lastError, null);
  });

  it('a closed port delays mail; it arrives once a server answers', async () => {
    const n = notifications();
    await n.queue(store.db, { to: 'lee@contoso.test', template: 'accessEnded', data: { packageName: 'Legal' } });
    const down = createOutboxDelivery({ db: store.db, clock, mailer: mailer(`smtp://127.0.0.1:${await closedPort()}`), log: silent });
    assert.equal(await down.run(), 1);
    const [r] = await rows();
    assert.equal(r.sentAt, null);
    assert.match(r.lastError ?? '', /ECONNREFUSED/);
    clock.advance(backoffMs(1));
    const up = createOutboxDelivery({ db: store.db, clock, mailer: mailer(smtp.url), log: silent });
    assert.equal(await up.run(), 1);
    assert.deepEqual(smtp.received.map((m) => m.subject), ['Access has ended for Legal']);
  });

  it('gives up after the maximum number of attempts and keeps the row as failed', async () => {
    const n = notifications();
    await n.queue(store.db, { to: 'nestor@contoso.test', template: 'requestTimedOut', data: { packageName: 'Ops' } });
    smtp.state.reject = { code: 554, message: 'Rejected' };
    const delivery = createOutboxDelivery({ db: store.db, clock, mailer: mailer(smtp.url), log: silent, maxAttempts: 2 });
    await delivery.run();
    clock.advance(backoffMs(1));
    await delivery.run();
    let [r] = await rows();
    assert.equal(r.attempts, 2);
    assert.equal(r.nextAttemptAt, null, 'no further attempt planned');
    assert.equal(r.sentAt, null);
    smtp.state.reject = null;
    clock.advance(24 * 3600_000);
    assert.equal(await delivery.run(), 0);
    [r] = await rows();
    assert.equal(r.attempts, 2);
    assert.match(r.lastError ?? '', /554/);
  });

  it('two delivery runs at once on two connections never send a message twice', async () => {
    const n = notifications();
    for (let i = 0; i < 30; i++) await n.queue(store.db, { to: `user${i}@contoso.test`, template: 'accessDelivered', data: { packageName: `Package ${i}` } });
    const a = createOutboxDelivery({ db: store.db, clock, mailer: mailer(smtp.url), log: silent, batch: 30 });
    const b = createOutboxDelivery({ db: other.db, clock, mailer: mailer(smtp.url), log: silent, batch: 30 });
    const [sa, sb] = await Promise.all([a.run(), b.run()]);
    // whatever the split, each message went out exactly once
    assert.equal(sa + sb, 30);
    const subjects = smtp.received.map((m) => m.subject).sort();
    assert.equal(subjects.length, 30);
    assert.equal(new Set(subjects).size, 30);
    const all = await rows();
    assert.ok(all.every((r) => r.sentAt !== null && r.attempts === 1), 'expected: all.every((r) => r.sentAt !== null && r.attempts === 1)');
    assert.equal(await a.run() + await b.run(), 0);
  });

  it('never shows SMTP passwords', () => {
    assert.equal(redactSmtpUrl('smtps://mailer:s3cr3t@smtp.contoso.test:465'), 'smtps://mailer:***@smtp.contoso.test:465');
    assert.equal(redactSmtpUrl('smtp://smtp.contoso.test:587?pass=s3cr3t&x=1'), 'smtp://smtp.contoso.test:587?pass=***&x=1');
    assert.ok(!createMailer({ smtpUrl: 'smtp://u:hunter2@127.0.0.1:1', mailFrom: 'x@y' }).description.includes('hunter2'), 'expected: !createMailer({ smtpUrl: \'smtp://u:hunter2@127.0.0.1:1\', mailFrom: \'x@y\' }).description.includes(\'hu');
  });
});

describe('outbox API', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    const n = t.app.services.notifications;
    const at = (iso: string) => t.clock.set(iso);
    at('2026-05-01T10:00:00.000Z');
    await n.queue(t.store.db, { to: 'adele@contoso.test', template: 'approvalRequired', data: { packageName: 'Sales' } });
    at('2026-05-01T11:00:00.000Z');
    await n.queue(t.store.db, { to: 'alex@contoso.test', template: 'requestApproved', data: { packageName: 'Sales' } });
    at('2026-05-01T12:00:00.000Z');
    await n.queue(t.store.db, { to: 'adele@contoso.test', template: 'accessDelivered', data: { packageName: 'Sales' } });
    // one sent, one failed for good
    await t.store.db.updateTable('outboxEmails').set({ sentAt: '2026-05-01T11:30:00.000Z', nextAttemptAt: null, attempts: 1 }).where('template', '=', 'requestApproved').execute();
    await t.store.db.updateTable('outboxEmails').set({ nextAttemptAt: null, attempts: 30, lastError: '550 no such user' }).where('template', '=', 'approvalRequired').execute();
  });
  after(async () => { await t.close(); });

  it('lists mail newest first with status, and pages', async () => {
    const r = await t.admin.get(`${OUTBOX}?$count=true`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body['@odata.count'], 3);
    assert.deepEqual(r.body.value.map((e: { template: string }) => e.template), ['accessDelivered', 'requestApproved', 'approvalRequired']);
    assert.deepEqual(r.body.value.map((e: { status: string }) => e.status), ['pending', 'sent', 'failed']);
    const first = r.body.value[0];
    assert.equal(first.recipient, 'adele@contoso.test');
    assert.equal(first.subject, 'You now have access to Sales');
    assert.match(first.body, /You now have access to Sales/);
    assert.equal(first.createdDateTime, '2026-05-01T12:00:00.000Z');
    assert.equal(first.sentDateTime, null);
    assert.equal(r.body.value[2].lastError, '550 no such user');

    const page = await t.admin.get(`${OUTBOX}?$top=2`);
    assert.equal(page.body.value.length, 2);
    assert.ok(page.body['@odata.nextLink'], 'expected: page.body[\'@odata.nextLink\']');
    const next = await t.admin.get(new URL(page.body['@odata.nextLink']).pathname + new URL(page.body['@odata.nextLink']).search);
    assert.deepEqual(next.body.value.map((e: { template: string }) => e.template), ['approvalRequired']);
  });

  it('filters on recipient, template and unsent mail', async () => {
    const byRecipient = await t.admin.get(`${OUTBOX}?$filter=${encodeURIComponent("recipient eq 'adele@contoso.test'")}`);
    assert.deepEqual(byRecipient.body.value.map((e: { template: string }) => e.template), ['accessDelivered', 'approvalRequired']);
    const byTemplate = await t.admin.get(`${OUTBOX}?$filter=${encodeURIComponent("template eq 'RequestApproved'")}`);
    assert.deepEqual(byTemplate.body.value.map((e: { recipient: string }) => e.recipient), ['alex@contoso.test']);
    const unsent = await t.admin.get(`${OUTBOX}?$filter=${encodeURIComponent('sentDateTime eq null')}&$select=template`);
    assert.deepEqual(unsent.body.value, [{ id: unsent.body.value[0].id, template: 'accessDelivered' }, { id: unsent.body.value[1].id, template: 'approvalRequired' }]);
    const failed = await t.admin.get(`${OUTBOX}?$filter=${encodeURIComponent('sentDateTime eq null and nextAttemptDateTime eq null')}`);
    assert.deepEqual(failed.body.value.map((e: { template: string }) => e.template), ['approvalRequired']);
    const bad = await t.admin.get(`${OUTBOX}?$filter=${encodeURIComponent("template eq 'nope'")}`);
    assert.equal(bad.status, 400);
    const unknownField = await t.admin.get(`${OUTBOX}?$filter=${encodeURIComponent("password eq 'x'")}`);
    assert.equal(unknownField.status, 400);
  });

  it('gets one email; 404 for an unknown id', async () => {
    const list = await t.admin.get(OUTBOX);
    const id = list.body.value[1].id as string;
    const one = await t.admin.get(`${OUTBOX}/${id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.id, id);
    assert.equal(one.body.status, 'sent');
    assert.equal(one.body.sentDateTime, '2026-05-01T11:30:00.000Z');
    const missing = await t.admin.get(`${OUTBOX}/00000000-0000-0000-0000-000000000000`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'ResourceNotFound');
  });

  it('is for administrators only: plain users and catalog owners get 403, anonymous 401', async () => {
    const plain = await t.user();
    assert.equal((await plain.client.get(OUTBOX)).status, 403);
    const list = await t.admin.get(OUTBOX);
    assert.equal((await plain.client.get(`${OUTBOX}/${list.body.value[0].id as string}`)).status, 403);
    const owner = await t.user();
    const cat = await t.admin.post('/v1.0/identityGovernance/entitlementManagement/catalogs', { displayName: `Cat ${Date.now()}` });
    assert.equal(cat.status, 201);
    await t.grantRole(owner.id, RoleDefinitionIds.catalogOwner, cat.body.id);
    assert.equal((await owner.client.get(OUTBOX)).status, 403);
    assert.equal((await t.anonymous.get(OUTBOX)).status, 401);
  });
});
