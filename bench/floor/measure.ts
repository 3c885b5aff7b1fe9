import { sql } from 'kysely';
import type { BenchContext } from '../lib/context.js';
import { call, drive } from '../lib/load.js';
import { log } from '../lib/log.js';
import type { ServeProc } from '../lib/proc.js';
import { decideAll, submitPending, type ApprovalRun } from '../scenarios/approval.js';
import { submitAndDeliver, USER_SLICE, type DeliveryRun } from '../scenarios/lifecycle.js';
import { READ_PATHS, readRequests } from '../scenarios/reads.js';

// The floor's runs, each right after Latchkey's run of the same scenario, by the same load generator at the
// same concurrency, its CPU per operation taken from the floor process as Latchkey's is from serve. The write
// floors use users of their own (Manifest.floorUsers: lifecycle the first slice, approval the second, the
// expiry batch the third), so that the packages they deliver are none that a later scenario requests for the
// load users, and their approvals are decided before anything else reads an approver's inbox.

type Floor = Pick<ServeProc, 'url' | 'cpu'>;

function floorUsers(ctx: BenchContext): { id: string; token: string }[] {
  if (!ctx.manifest.floorUsers?.length) throw new Error('the seeded database has no floor users (seeded before bench/floor): seed afresh, without --reuse');
  return ctx.manifest.floorUsers;
}

/** What an answer's rows are: the ids of its objects (an approval's with its stages and their status). */
function rowsOf(body: string): string {
  try {
    const value = (JSON.parse(body) as { value?: { id: string; stages?: { id: string; status: string }[] }[] }).value ?? [];
    return value.map((v) => `${v.id}${v.stages ? `[${v.stages.map((s) => `${s.id}:${s.status}`).join(',')}]` : ''}`).join(' ');
  } catch {
    return body;
  }
}

/**
 * Whether the floor answers each read path with the same rows as Latchkey, asked the same few requests (a
 * floor that read less would not be one): per path, true when every answer matched.
 */
export async function sameReadRows(ctx: BenchContext, latchkeyUrl: string, floorUrl: string): Promise<Record<string, boolean>> {
  const requests = readRequests(ctx.manifest);
  const out: Record<string, boolean> = {};
  for (const p of READ_PATHS) {
    out[p.name] = true;
    for (const i of [0, 1, 2, 3, 5, 8]) {
      const r = requests[p.name](i);
      const [a, b] = [await call(latchkeyUrl, r), await call(floorUrl, r)];
      if (a.status !== b.status || rowsOf(a.body) !== rowsOf(b.body)) {
        out[p.name] = false;
        log(`  ! floor ${p.name} #${i}: Latchkey ${a.status} ${rowsOf(a.body).slice(0, 200)} — floor ${b.status} ${rowsOf(b.body).slice(0, 200)}`);
      }
    }
  }
  return out;
}

/** CPU ms of `floor` per operation while `run` runs. */
async function cpuPerOp<T>(floor: Floor, run: () => Promise<T>, ops: (r: T) => number): Promise<T & { cpuMs: number }> {
  const cpu0 = floor.cpu();
  const r = await run();
  return { ...r, cpuMs: ((floor.cpu() - cpu0) * 1000) / Math.max(1, ops(r)) };
}

/** userAdd submit → delivered, the floor's lifecycle run. */
export function floorLifecycle(ctx: BenchContext, floor: Floor, total: number): Promise<DeliveryRun & { cpuMs: number }> {
  return cpuPerOp(floor, () => submitAndDeliver(ctx, [floor.url], total, 0, floorUsers(ctx)), (r) => r.delivered);
}

/** Requests set up waiting for approval through Latchkey (not timed), then decided by the floor and delivered. */
export async function floorApproval(ctx: BenchContext, latchkeyUrl: string, floor: Floor, total: number): Promise<ApprovalRun & { cpuMs: number }> {
  log(`floor approval: setting up ${total} pending requests (through Latchkey)`);
  const pending = await submitPending(ctx, latchkeyUrl, total, USER_SLICE, floorUsers(ctx));
  return cpuPerOp(floor, () => decideAll(ctx, floor.url, pending), (r) => r.decided);
}

export interface FloorExpiryRun {
  count: number;
  revoked: number;
  seconds: number;
  rate: number;
  cpuMs: number;
}

/**
 * The floor's expiry: `count` assignments delivered by the floor for its own users (not timed), made due at
 * one instant, then expired and revoked batch by batch, one call at a time (Latchkey's worker runs one expiry
 * scan at a time too), until a call finds none left.
 */
export async function floorExpiry(ctx: BenchContext, floor: Floor, count: number): Promise<FloorExpiryRun> {
  log(`floor expiry: delivering ${count} assignments to expire`);
  const made = await submitAndDeliver(ctx, [floor.url], count, 2 * USER_SLICE, floorUsers(ctx));
  const dueAt = new Date(Date.now() - 1000).toISOString();
  const db = ctx.store.db;
  const assignmentIds: string[] = [];
  for (let i = 0; i < made.requestIds.length; i += 5000) {
    const ids = made.requestIds.slice(i, i + 5000);
    await sql`update assignments set end_at = ${dueAt} where id in (select assignment_id from assignment_requests where id in (${sql.join(ids)}))`.execute(db);
    const r = await sql<{ assignmentId: string }>`select assignment_id from assignment_requests where id in (${sql.join(ids)})`.execute(db);
    assignmentIds.push(...r.rows.map((x) => x.assignmentId));
  }
  let done = false;
  const r = await cpuPerOp(floor, async () => {
    let expired = 0;
    const http = await drive({
      url: floor.url, connections: 1,
      next: () => (done ? null : { method: 'POST', path: '/floor/expiry', body: { dueAt } }),
      onResponse: (_i, status, body) => {
        const n = status === 200 ? (JSON.parse(body) as { expired: number }).expired : 0;
        expired += n;
        if (n === 0) done = true;
      },
    });
    for (const e of http.errors) log(`  ! ${e}`);
    return { http, expired };
  }, (x) => x.expired);
  let revoked = 0;
  for (let i = 0; i < assignmentIds.length; i += 5000) {
    const q = await sql<{ n: number | string }>`select count(*) as n from grants where state = 'revoked' and assignment_id in (${sql.join(assignmentIds.slice(i, i + 5000))})`.execute(db);
    revoked += Number(q.rows[0].n);
  }
  log(`  floor expiry: ${r.expired} expired, ${revoked} grants revoked in ${r.http.seconds.toFixed(1)} s, ${r.cpuMs.toFixed(2)} ms CPU each`);
  return { count: assignmentIds.length, revoked, seconds: r.http.seconds, rate: revoked / r.http.seconds, cpuMs: r.cpuMs };
}
