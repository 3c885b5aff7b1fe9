import { randomUUID } from 'node:crypto';
import { marks, rowMarks, type Sql } from './db.js';

// The rows every lifecycle change writes besides its own: audit events (multi-row inserts, as
// src/store/audit.ts writes a batch), outbox mail (the text written here as a short fixed form: Latchkey
// renders its templates, the floor only has to store a subject and a body), and jobs.

export interface Audit {
  activity: string;
  targetType: 'accessPackageAssignmentRequest' | 'accessPackageAssignment';
  targetId: string;
  targetDisplayName?: string | null;
  modifiedProperties?: { displayName: string; oldValue: unknown; newValue: unknown }[];
  /** the person who acted; none for the system */
  actor?: { id: string; displayName: string };
}

/** Rows per multi-row insert: SQLite's default limit is 32,766 parameters and PostgreSQL's 65,535. */
const ROWS = 500;

async function insertRows(q: Sql, head: string, width: number, rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS) {
    const chunk = rows.slice(i, i + ROWS);
    await q.run(`${head} values ${rowMarks(chunk.length, width)}`, chunk.flat());
  }
}

export async function audit(q: Sql, at: string, entries: Audit[]): Promise<void> {
  await insertRows(q, 'insert into audit_events (id, occurred_at, category, activity, actor_id, actor_display_name, target_type, target_id, target_display_name, modified_properties, correlation_id, result)', 12,
    entries.map((e) => [randomUUID(), at, 'EntitlementManagement', e.activity, e.actor?.id ?? null, e.actor?.displayName ?? 'Latchkey', e.targetType, e.targetId,
      e.targetDisplayName ?? null, JSON.stringify(e.modifiedProperties ?? []), null, 'success']));
}

export interface Mail {
  to: string;
  template: string;
  packageName: string;
  name: string;
}

export async function mail(q: Sql, at: string, mails: Mail[]): Promise<void> {
  await insertRows(q, 'insert into outbox_emails (id, recipient, subject, body, template, created_at, sent_at, attempts, last_error, next_attempt_at)', 10,
    mails.map((m) => [randomUUID(), m.to, `${m.template}: ${m.packageName}`, `Hello ${m.name},\n\n${m.template} for the access package ${m.packageName}.\n`, m.template, at, null, 0, null, at]));
}

/** Who the floor's jobs are leased to: the floor runs its jobs itself, so a Latchkey worker on the same database never claims them. */
export const FLOOR_WORKER = 'floor';

/** Inserts jobs already claimed by the floor (a worker's claim, folded into the insert); `done` marks them finished. */
export async function insertJobs(q: Sql, at: string, kind: string, payloads: unknown[]): Promise<string[]> {
  const ids = payloads.map(() => randomUUID());
  const lease = new Date(Date.parse(at) + 300_000).toISOString();
  await insertRows(q, 'insert into jobs (id, kind, payload, run_at, attempts, lease_owner, lease_expires_at, last_error, dedupe_key, created_at, done_at)', 11,
    payloads.map((p, i) => [ids[i], kind, JSON.stringify(p), at, 1, FLOOR_WORKER, lease, null, null, at, null]));
  return ids;
}

export async function jobsDone(q: Sql, at: string, ids: string[]): Promise<void> {
  await q.run(`update jobs set done_at = ?, lease_owner = null, lease_expires_at = null where id in (${marks(ids.length)})`, [at, ...ids]);
}
