import type { FastifyBaseLogger } from 'fastify';
import nodemailer from 'nodemailer';
import type { Clock } from '../domain/clock.js';
import type { Db } from '../store/db.js';
import { backoffMs } from '../domain/backoff.js';
import { claimOutboxEmail, findOutboxEmail, listDueOutboxEmails, markOutboxEmailFailed, markOutboxEmailSent } from '../store/outbox.js';

// Sending the outbox. The deliverOutbox task claims due, unsent emails one by one with a conditional
// UPDATE that moves next_attempt_at forward as a lease: the UPDATE only matches while the row still
// has the due time this worker read, so of two workers reading the same row exactly one wins, on
// SQLite and PostgreSQL alike, and the other skips it. A worker that dies holding a lease leaves the
// row due again when the lease runs out. Delivery is therefore at-least-once: a crash between the
// SMTP server accepting a message and the row being marked sent can send that one message twice,
// which beats losing it.

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** where mail goes, without credentials, for logs */
  description: string;
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

/** smtp://user:secret@host → smtp://user:***@host; query parameters that may carry secrets are hidden too. */
export function redactSmtpUrl(url: string): string {
  let out = url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  out = out.replace(/([?&](?:pass|password|auth\.pass|accessToken|clientSecret)=)[^&]*/gi, '$1***');
  return out;
}

export interface MailerOptions {
  smtpUrl: string;
  mailFrom: string;
  /** connection, greeting and socket timeouts, ms (a hung server must not hold the worker for minutes) */
  timeoutMs?: number;
}

export function createMailer(opts: MailerOptions): Mailer {
  const timeout = opts.timeoutMs ?? 30_000;
  // nodemailer reads host, port, credentials and TLS mode (smtps:// = implicit TLS) from the URL;
  // its defaults wait minutes for a hung server, which would hold up every other periodic task
  const transport = nodemailer.createTransport({
    url: opts.smtpUrl,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout * 2,
  });
  return {
    description: redactSmtpUrl(opts.smtpUrl),
    async send(email) {
      await transport.sendMail({ from: opts.mailFrom, to: email.to, subject: email.subject, text: email.text });
    },
    close() {
      transport.close();
    },
  };
}

export const MAX_DELIVERY_ATTEMPTS = 30;

export interface OutboxDeliveryOptions {
  db: Db;
  clock: Clock;
  mailer: Mailer;
  log: FastifyBaseLogger;
  /** emails per run */
  batch?: number;
  /** how long a claimed email is reserved for the sending worker, ms */
  leaseMs?: number;
  /** attempts before giving up (the row stays, shown as failed) */
  maxAttempts?: number;
}

/** Error text to store: the server's reply when there is one, never more than a line or two. */
function errorText(e: unknown): string {
  const err = e as { message?: string; response?: string; responseCode?: number; code?: string };
  const parts = [err.responseCode ? String(err.responseCode) : err.code, err.response ?? err.message ?? String(e)].filter(Boolean);
  return redactSmtpUrl(parts.join(' ')).replace(/\s+/g, ' ').slice(0, 1000);
}

/** The periodic task that sends due outbox emails; returns how many it tried. */
export function createOutboxDelivery(opts: OutboxDeliveryOptions): { name: string; run: () => Promise<number> } {
  const { db, clock, mailer, log } = opts;
  const batch = opts.batch ?? 20;
  const leaseMs = opts.leaseMs ?? 5 * 60_000;
  const maxAttempts = opts.maxAttempts ?? MAX_DELIVERY_ATTEMPTS;

  async function run(): Promise<number> {
    const now = clock.now();
    const nowIso = now.toISOString();
    const due = await listDueOutboxEmails(db, nowIso, maxAttempts, batch);
    let tried = 0;
    for (const candidate of due) {
      const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
      if (!(await claimOutboxEmail(db, candidate.id, candidate.nextAttemptAt!, leaseUntil))) continue; // another worker has it
      const email = await findOutboxEmail(db, candidate.id);
      if (!email) continue;
      tried++;
      try {
        await mailer.send({ to: email.recipient, subject: email.subject, text: email.body });
        await markOutboxEmailSent(db, email.id, clock.now().toISOString());
        log.info({ emailId: email.id, template: email.template, attempts: email.attempts }, 'email sent');
      } catch (e) {
        const error = errorText(e);
        const giveUp = email.attempts >= maxAttempts;
        const retryAt = giveUp ? null : new Date(clock.now().getTime() + backoffMs(email.attempts)).toISOString();
        // only while we still hold the lease: a worker that took over after it ran out owns the row now
        await markOutboxEmailFailed(db, email.id, leaseUntil, retryAt, error);
        if (giveUp) log.error({ emailId: email.id, template: email.template, attempts: email.attempts, error }, 'email delivery failed; giving up');
        else log.warn({ emailId: email.id, template: email.template, attempts: email.attempts, retryAt, error }, 'email delivery failed; will retry');
      }
    }
    return tried;
  }

  return { name: 'deliverOutbox', run };
}
