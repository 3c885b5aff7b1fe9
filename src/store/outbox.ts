import { chunks, ROWS_PER_INSERT } from './chunks.js';
import type { Db, Tx } from './db.js';
import type { OutboxEmailsTable } from './schema.js';

// The outbox of emails: rows inserted in the transaction of their cause (services/notifications.ts), sent
// by the worker (worker/mailer.ts), which claims each row with a conditional update used as a lease.

export type OutboxRow = OutboxEmailsTable;

/** Inserts rendered emails in as few statements as the parameter limits allow. */
export async function insertOutboxEmails(tx: Tx | Db, rows: readonly OutboxRow[]): Promise<void> {
  for (const chunk of chunks(rows, ROWS_PER_INSERT)) await tx.insertInto('outboxEmails').values(chunk).execute();
}

/** One email, if it exists. */
export async function findOutboxEmail(db: Db | Tx, id: string): Promise<OutboxRow | undefined> {
  return db.selectFrom('outboxEmails').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Unsent emails due by `now` with attempts left, oldest due first. */
export async function listDueOutboxEmails(db: Db, now: string, maxAttempts: number, limit: number): Promise<Pick<OutboxRow, 'id' | 'nextAttemptAt'>[]> {
  return db
    .selectFrom('outboxEmails')
    .select(['id', 'nextAttemptAt'])
    .where('sentAt', 'is', null)
    .where('nextAttemptAt', 'is not', null)
    .where('nextAttemptAt', '<=', now)
    .where('attempts', '<', maxAttempts)
    .orderBy('nextAttemptAt')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Takes an email if it still has the due time we read, moving that time to `leaseUntil` and counting an
 * attempt. Exactly one concurrent claimer gets true.
 */
export async function claimOutboxEmail(db: Db, id: string, seenNextAttemptAt: string, leaseUntil: string): Promise<boolean> {
  const r = await db
    .updateTable('outboxEmails')
    .set((eb) => ({ nextAttemptAt: leaseUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('sentAt', 'is', null)
    .where('nextAttemptAt', '=', seenNextAttemptAt)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Marks an email sent. */
export async function markOutboxEmailSent(db: Db, id: string, at: string): Promise<void> {
  await db.updateTable('outboxEmails').set({ sentAt: at, nextAttemptAt: null, lastError: null }).where('id', '=', id).where('sentAt', 'is', null).execute();
}

/** Records a failed send, only while the lease `leaseUntil` is still ours: retry at `retryAt`, or give up (null). */
export async function markOutboxEmailFailed(db: Db, id: string, leaseUntil: string, retryAt: string | null, error: string): Promise<void> {
  await db
    .updateTable('outboxEmails')
    .set({ nextAttemptAt: retryAt, lastError: error })
    .where('id', '=', id)
    .where('sentAt', 'is', null)
    .where('nextAttemptAt', '=', leaseUntil)
    .execute();
}
