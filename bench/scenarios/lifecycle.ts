import { sql } from 'kysely';
import { drive, type LoadResult } from '../lib/load.js';
import { EM, type BenchContext } from '../lib/context.js';
import { log, percentile, sleep } from '../lib/log.js';

// userAdd requests on packages whose policy needs no approval (one group role each), many users at once.
// Delivery is timed from the rows the server wrote: the request's createdDateTime (inside the submit
// transaction) to its completedDateTime (when the worker recorded the delivered grant).

export interface DeliveryRun {
  http: LoadResult;
  accepted: number;
  delivered: number;
  /** delivered requests per second, first submit to last delivery */
  rate: number;
  p50: number;
  p95: number;
  p99: number;
  seconds: number;
  requestIds: string[];
}

/** Users per scenario: lifecycle, approval and scale-out each take their own slice of the load users. */
export const USER_SLICE = 1000;

/**
 * The i-th (user, package) pair of a run: every pair is new (so no request is refused as a duplicate), and
 * consecutive requests come from different users for different packages (so they do not queue on one
 * package's row lock).
 */
export function spreadPair<P>(users: { token: string }[], userOffset: number, packages: P[], i: number): { token: string; pkg: P } {
  const u = i % USER_SLICE;
  const round = Math.floor(i / USER_SLICE);
  return { token: users[(userOffset + u) % users.length].token, pkg: packages[(u + round) % packages.length] };
}

export function lifecyclePair(ctx: BenchContext, userOffset: number, i: number, users = ctx.manifest.loadUsers): { token: string; packageId: string } {
  const p = spreadPair(users, userOffset, ctx.manifest.lifecyclePackageIds, i);
  return { token: p.token, packageId: p.pkg };
}

export async function waitForRequests(ctx: BenchContext, ids: string[], timeoutMs: number, done = ['delivered', 'deliveryFailed', 'partiallyDelivered', 'denied', 'canceled']): Promise<{ created: string; completed: string | null; state: string; id: string }[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows: { created: string; completed: string | null; state: string; id: string }[] = [];
    for (let i = 0; i < ids.length; i += 5000) {
      const r = await sql<{ id: string; created: string; completed: string | null; state: string }>`
        select id, created_at as created, completed_at as completed, state from assignment_requests where id in (${sql.join(ids.slice(i, i + 5000))})`.execute(ctx.store.db);
      rows.push(...r.rows);
    }
    const finished = rows.filter((r) => done.includes(r.state)).length;
    if (finished >= ids.length || Date.now() > deadline) {
      if (finished < ids.length) log(`  gave up waiting: ${finished}/${ids.length} requests finished`);
      return rows;
    }
    await sleep(200);
  }
}

/** `users`: the load users by default; the floor's runs bring their own (Manifest.floorUsers). */
export async function submitAndDeliver(ctx: BenchContext, servers: string[], total: number, userOffset: number, users = ctx.manifest.loadUsers): Promise<DeliveryRun> {
  const ids: string[] = [];
  const per = Math.ceil(total / servers.length);
  const conns = Math.max(1, Math.floor(ctx.connections / servers.length));
  const t0 = Date.now();
  const runs = await Promise.all(servers.map((url, s) => drive({
    url, connections: conns, total: per,
    next: (i) => {
      const n = s * per + i;
      if (n >= total) return null;
      const pair = lifecyclePair(ctx, userOffset, n, users);
      return { method: 'POST', path: `${EM}/assignmentRequests`, token: pair.token, body: { requestType: 'userAdd', assignment: { accessPackageId: pair.packageId } } };
    },
    onResponse: (_i, status, body) => {
      if (status === 201) ids.push((JSON.parse(body) as { id: string }).id);
    },
  })));
  const http: LoadResult = runs.reduce((a, b) => ({
    requests: a.requests + b.requests, seconds: Math.max(a.seconds, b.seconds), rps: a.rps + b.rps, p50: Math.max(a.p50, b.p50), p95: Math.max(a.p95, b.p95),
    p99: Math.max(a.p99, b.p99), statuses: Object.fromEntries([...new Set([...Object.keys(a.statuses), ...Object.keys(b.statuses)])].map((k) => [k, (a.statuses[k] ?? 0) + (b.statuses[k] ?? 0)])),
    errors: [...a.errors, ...b.errors],
  }));
  log(`  submitted ${http.requests} in ${http.seconds.toFixed(1)} s (${http.rps.toFixed(0)}/s, p99 ${http.p99.toFixed(0)} ms), statuses ${JSON.stringify(http.statuses)}`);
  for (const e of http.errors) log(`  ! ${e}`);
  const rows = await waitForRequests(ctx, ids, 300_000);
  const delivered = rows.filter((r) => r.state === 'delivered' && r.completed);
  const lat = delivered.map((r) => new Date(r.completed!).getTime() - new Date(r.created).getTime());
  const first = Math.min(...rows.map((r) => new Date(r.created).getTime()));
  const last = Math.max(...delivered.map((r) => new Date(r.completed!).getTime()));
  const seconds = (last - first) / 1000;
  log(`  delivered ${delivered.length}/${ids.length} in ${((Date.now() - t0) / 1000).toFixed(1)} s wall`);
  return {
    http, accepted: ids.length, delivered: delivered.length, rate: delivered.length / Math.max(seconds, 0.001),
    p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), seconds, requestIds: ids,
  };
}
