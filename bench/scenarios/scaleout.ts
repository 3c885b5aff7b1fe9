import { sql } from 'kysely';
import type { BenchContext } from '../lib/context.js';
import { log, sleep } from '../lib/log.js';
import { startServe, startWorker, type Proc } from '../lib/proc.js';
import { submitAndDeliver, type DeliveryRun } from './lifecycle.js';

// Scale-out: the lifecycle load spread over two `serve --no-worker` processes, delivered by two `worker`
// processes, all on one PostgreSQL. Afterwards the database is checked: no grant twice, no request lost,
// no job left behind.

export interface ScaleOutRun {
  run: DeliveryRun;
  duplicateGrants: number;
  duplicateAssignments: number;
  lost: number;
  stuckJobs: number;
}

export async function scaleOut(ctx: BenchContext, total: number, userOffset: number): Promise<ScaleOutRun> {
  const procs: Proc[] = [];
  try {
    const servers = await Promise.all([startServe(ctx.cli, ctx.url, { worker: false }), startServe(ctx.cli, ctx.url, { worker: false })]);
    procs.push(...servers);
    procs.push(await startWorker(ctx.cli, ctx.url), await startWorker(ctx.cli, ctx.url));
    const run = await submitAndDeliver(ctx, servers.map((s) => s.url), total, userOffset);
    // let retries and stragglers settle before judging
    await sleep(2000);
    const db = ctx.store.db;
    const one = async (q: ReturnType<typeof sql<{ n: number }>>) => Number((await q.execute(db)).rows[0].n);
    const duplicateGrants = await one(sql<{ n: number }>`select count(*) as n from (select assignment_id, resource_role_id, resource_scope_id from grants group by 1, 2, 3 having count(*) > 1) d`);
    const duplicateAssignments = await one(sql<{ n: number }>`select count(*) as n from (select target_id, access_package_id from assignments where state in ('delivering', 'delivered', 'partiallyDelivered', 'deliveryFailed') group by 1, 2 having count(*) > 1) d`);
    const stuckJobs = await one(sql<{ n: number }>`select count(*) as n from jobs where done_at is null and run_at <= ${new Date(Date.now() - 1000).toISOString()}`);
    const lost = run.accepted - run.delivered;
    log(`  scale-out checks: duplicate grants ${duplicateGrants}, duplicate assignments ${duplicateAssignments}, lost requests ${lost}, stuck jobs ${stuckJobs}`);
    return { run, duplicateGrants, duplicateAssignments, lost, stuckJobs };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}
