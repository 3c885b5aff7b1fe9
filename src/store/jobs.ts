import { sql } from 'kysely';
import { isoNow, type Clock } from '../domain/clock.js';
import { newId } from '../domain/ids.js';
import type { Db, StoreKind, Tx } from './db.js';
import type { JobsTable } from './schema.js';

// Durable work in the `jobs` table. Jobs are enqueued inside the transaction of the change that
// needs them (so a job exists exactly when its cause does) and claimed with a short lease that the
// worker renews while it holds the job (renew): a worker that dies mid-job stops renewing, its lease
// runs out within the lease time and another worker picks the job up again. Handlers must therefore be
// idempotent. On PostgreSQL claims use FOR UPDATE SKIP LOCKED so that many workers never block on or
// double-claim the same rows; SQLite has a single writer, which gives the same guarantee.

export type Job = JobsTable;

export interface EnqueueOptions {
  runAt?: string;
  /** a job with the same key is enqueued once; later attempts are ignored (timers use this) */
  dedupeKey?: string;
}

export async function enqueue(tx: Tx | Db, clock: Clock, kind: string, payload: unknown, opts: EnqueueOptions = {}): Promise<string> {
  const id = newId();
  const now = isoNow(clock);
  await tx
    .insertInto('jobs')
    .values({
      id, kind, payload: JSON.stringify(payload ?? {}), runAt: opts.runAt ?? now, attempts: 0, leaseOwner: null, leaseExpiresAt: null,
      lastError: null, dedupeKey: opts.dedupeKey ?? null, createdAt: now, doneAt: null,
    })
    .onConflict((oc) => oc.column('dedupeKey').doNothing())
    .execute();
  return id;
}

export interface ClaimOptions {
  owner: string;
  limit: number;
  leaseMs: number;
  kinds?: string[];
}

/** Claims up to `limit` due jobs for `owner`. Each claim counts as an attempt. */
export async function claim(db: Db, kind: StoreKind, clock: Clock, opts: ClaimOptions): Promise<Job[]> {
  const now = clock.now();
  const nowIso = now.toISOString();
  const until = new Date(now.getTime() + opts.leaseMs).toISOString();
  const kinds = opts.kinds && opts.kinds.length > 0 ? sql`and kind in (${sql.join(opts.kinds)})` : sql``;
  const lock = kind === 'postgres' ? sql`for update skip locked` : sql``;
  const r = await sql<Job>`
    update jobs set lease_owner = ${opts.owner}, lease_expires_at = ${until}, attempts = attempts + 1
    where id in (
      select id from jobs
      where done_at is null and run_at <= ${nowIso} and (lease_expires_at is null or lease_expires_at < ${nowIso}) ${kinds}
      order by run_at, id
      limit ${opts.limit}
      ${lock}
    )
    returning *`.execute(db);
  return r.rows;
}

/**
 * Extends the leases `owner` still holds on `ids` by `leaseMs` from now (the heartbeat of a running
 * worker). Returns the ids renewed; a job missing from it was lost: its lease ran out and another
 * worker claimed it, or it is no longer open.
 */
export async function renew(db: Db, clock: Clock, ids: readonly string[], owner: string, leaseMs: number): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const until = new Date(clock.now().getTime() + leaseMs).toISOString();
  const rows = await db
    .updateTable('jobs')
    .set({ leaseExpiresAt: until })
    .where('id', 'in', [...ids])
    .where('leaseOwner', '=', owner)
    .where('doneAt', 'is', null)
    .returning('id')
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Marks claimed jobs done in one statement: the ids of those this owner still held (a lost lease: another worker took the job over). */
export async function completeMany(db: Db | Tx, clock: Clock, ids: readonly string[], owner: string): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .updateTable('jobs')
    .set({ doneAt: isoNow(clock), leaseOwner: null, leaseExpiresAt: null, lastError: null })
    .where('id', 'in', [...ids])
    .where('leaseOwner', '=', owner)
    .where('doneAt', 'is', null)
    .returning('id')
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Marks a claimed job done. Returns false when the lease was lost (another worker took the job over). */
export async function complete(db: Db | Tx, clock: Clock, job: Pick<Job, 'id'>, owner: string): Promise<boolean> {
  return (await completeMany(db, clock, [job.id], owner)).has(job.id);
}

/** Gives a failed job back for another try at `retryAt`, or ends it when `retryAt` is null. */
export async function fail(db: Db | Tx, clock: Clock, job: Pick<Job, 'id'>, owner: string, error: string, retryAt: string | null): Promise<void> {
  const now = isoNow(clock);
  await db
    .updateTable('jobs')
    .set(retryAt ? { runAt: retryAt, leaseOwner: null, leaseExpiresAt: null, lastError: error } : { doneAt: now, leaseOwner: null, leaseExpiresAt: null, lastError: error })
    .where('id', '=', job.id)
    .where('leaseOwner', '=', owner)
    .execute();
}
