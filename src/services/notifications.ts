import { isoNow } from '../domain/clock.js';
import { NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { cleanLine, isTemplateName, render, type TemplateData, type TemplateName } from '../notifications/templates.js';
import type { Db, Tx } from '../store/db.js';
import { findOutboxEmail, insertOutboxEmails, type OutboxRow } from '../store/outbox.js';
import type { ServiceDeps } from './deps.js';

// The outbox: emails are rendered and inserted in the transaction of the change that causes them,
// so mail exists exactly when its cause does (a rolled-back approval sends nothing). The worker's
// deliverOutbox task (src/worker/mailer.ts) sends them later; a failing mail server delays mail
// but loses none. Without SMTP configuration messages simply stay here, readable via the API.

export type { OutboxRow } from '../store/outbox.js';

export interface QueuedEmail {
  /** one recipient address; empty = nothing to send (e.g. an approver without a mail address) */
  to: string | null | undefined;
  template: TemplateName;
  data: TemplateData;
}

/** pending: waiting to be sent (or retried); sent; failed: delivery gave up after the maximum number of attempts. */
export type OutboxStatus = 'pending' | 'sent' | 'failed';

export function outboxStatus(r: Pick<OutboxRow, 'sentAt' | 'nextAttemptAt'>): OutboxStatus {
  if (r.sentAt) return 'sent';
  return r.nextAttemptAt ? 'pending' : 'failed';
}

/**
 * Deps: the base URL of links comes from config PUBLIC_URL. ServiceDeps does not carry it yet; when
 * it is absent the templates' default (http://127.0.0.1:8080) is used.
 */
export function createNotificationService(deps: Pick<ServiceDeps, 'db' | 'clock'> & { publicUrl?: string }) {
  const { db, clock } = deps;

  /** The outbox row of one email, or null when `to` is empty or not a single plain address. */
  function outboxRow(email: QueuedEmail, now: string): OutboxRow | null {
    // an address is one line without spaces; anything else could smuggle headers or extra recipients
    const to = cleanLine(email.to ?? '');
    if (!isSingleAddress(to)) return null;
    // a wrong template name is a programming error, not bad input
    if (!isTemplateName(email.template)) throw new Error(`Unknown email template '${String(email.template)}'`);
    const { subject, text } = render(email.template, email.data, { publicUrl: deps.publicUrl });
    return { id: newId(), recipient: to, subject, body: text, template: email.template, createdAt: now, sentAt: null, attempts: 0, lastError: null, nextAttemptAt: now };
  }

  const service = {
    /**
     * Queues one email in the outbox inside the caller's transaction (so mail exists exactly when its cause does).
     * No-op (returns false) when `to` is empty or not a single plain address: a person's odd mail
     * attribute must not make the approval or expiry that mentions them fail.
     */
    async queue(tx: Tx | Db, email: QueuedEmail): Promise<boolean> {
      return (await service.queueMany(tx, [email])) === 1;
    },

    /** Queues many emails (a batch of expiries) in as few statements as the parameter limits allow; returns how many were queued. */
    async queueMany(tx: Tx | Db, emails: readonly QueuedEmail[]): Promise<number> {
      const now = isoNow(clock);
      const rows = emails.map((e) => outboxRow(e, now)).filter((r): r is OutboxRow => r !== null);
      await insertOutboxEmails(tx, rows);
      return rows.length;
    },

    async get(id: string): Promise<OutboxRow> {
      const row = await findOutboxEmail(db, id);
      if (!row) throw new NotFoundError('Outbox email', id);
      return row;
    },
  };
  return service;
}

export function isSingleAddress(to: string): boolean {
  return /^[^\s@,;<>"()]+@[^\s@,;<>"()]+$/.test(to) && to.length <= 320;
}

export type NotificationService = ReturnType<typeof createNotificationService>;
