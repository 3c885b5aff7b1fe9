import { sql } from 'kysely';
import type { Db } from './db.js';

// The scrape-time gauges of api/metrics.ts: counts of the shared state, each one indexed query
// (jobs_due_idx, outbox_emails_pending_idx, grants_pending_idx), so a scrape stays cheap at millions of
// assignments.

/** Unfinished jobs by kind and state at `now`: claimed (lease running), due, or scheduled (due later). */
export async function countUnfinishedJobs(db: Db, now: string): Promise<{ kind: string; state: string; n: number }[]> {
  const r = await sql<{ kind: string; state: string; n: number | string }>`
    select kind,
      case when lease_expires_at is not null and lease_expires_at >= ${now} then 'claimed' when run_at <= ${now} then 'due' else 'scheduled' end as state,
      count(*) as n
    from jobs where done_at is null group by 1, 2`.execute(db);
  return r.rows.map((x) => ({ kind: x.kind, state: x.state, n: Number(x.n) }));
}

/** The due time of the oldest due job no worker holds at `now`, or undefined when none waits. */
export async function oldestDueUnclaimedJob(db: Db, now: string): Promise<string | undefined> {
  const r = await db.selectFrom('jobs').select((eb) => eb.fn.min('runAt').as('oldest')).where('doneAt', 'is', null).where('runAt', '<=', now)
    .where((eb) => eb.or([eb('leaseExpiresAt', 'is', null), eb('leaseExpiresAt', '<', now)])).executeTakeFirst();
  return r?.oldest ? String(r.oldest) : undefined;
}

/** Unsent emails: pending (a next attempt is due) and failed (given up). */
export async function countUnsentEmails(db: Db): Promise<{ pending: number; failed: number }> {
  const r = await db.selectFrom('outboxEmails')
    .select((eb) => [eb.fn.countAll().as('all'), eb.fn.count('nextAttemptAt').as('pending')])
    .where('sentAt', 'is', null).executeTakeFirstOrThrow();
  const all = Number(r.all);
  const pending = Number(r.pending);
  return { pending, failed: all - pending };
}

/** Grants pending delivery and grants that failed. */
export async function countUndeliveredGrants(db: Db): Promise<{ pending: number; failed: number }> {
  const r = await db.selectFrom('grants').select((eb) => ['state', eb.fn.countAll().as('n')]).where('state', 'in', ['pending', 'failed']).groupBy('state').execute();
  const by = new Map(r.map((x) => [x.state, Number(x.n)]));
  return { pending: by.get('pending') ?? 0, failed: by.get('failed') ?? 0 };
}
