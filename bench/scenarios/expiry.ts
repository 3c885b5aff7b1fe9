import { sql } from 'kysely';
import type { BenchContext } from '../lib/context.js';
import { log, sleep } from '../lib/log.js';
import { startWorker } from '../lib/proc.js';

// Expiry: `count` delivered assignments come due at the same instant (their end date is set in the past
// while no worker runs — the same as moving the clock forward), then one `latchkey worker` process starts
// and is timed until every one of them is expired (a systemRemove request each) and its grant revoked
// (or until the time limit, when the rate so far is reported).

export interface ExpiryRun {
  count: number;
  expired: number;
  revoked: number;
  seconds: number;
  rate: number;
  /** CPU of the worker process per revoked assignment, ms */
  cpuMs: number;
}

export async function expireMany(ctx: BenchContext, count: number, timeoutMs: number): Promise<ExpiryRun> {
  const db = ctx.store.db;
  const mark = new Date(Date.now() - 1000).toISOString();
  await sql`update assignments set end_at = ${mark} where id in (select id from assignments where state = 'delivered' order by id limit ${count})`.execute(db);
  const marked = Number((await sql<{ n: number }>`select count(*) as n from assignments where end_at = ${mark}`.execute(db)).rows[0].n);
  log(`  ${marked} assignments due at ${mark}; starting a worker`);
  const worker = await startWorker(ctx.cli, ctx.url);
  // from "database ready": the start-up (loading the code, migrations check) is not expiry's
  const cpu0 = worker.cpu();
  const t0 = Date.now();
  let expired: number;
  let revoked: number;
  let cpuMs: number;
  try {
    for (;;) {
      expired = Number((await sql<{ n: number }>`select count(*) as n from assignments where end_at = ${mark} and state = 'expired'`.execute(db)).rows[0].n);
      revoked = Number((await sql<{ n: number }>`select count(*) as n from grants g join assignments a on a.id = g.assignment_id where a.end_at = ${mark} and g.state = 'revoked'`.execute(db)).rows[0].n);
      if (revoked >= marked || Date.now() - t0 > timeoutMs) break;
      if (Math.floor((Date.now() - t0) / 30_000) !== Math.floor((Date.now() - t0 - 1000) / 30_000)) log(`  … ${expired} expired, ${revoked} revoked`);
      await sleep(1000);
    }
    // before the stop: the worker's own work, not its shutdown
    cpuMs = ((worker.cpu() - cpu0) * 1000) / Math.max(1, revoked);
  } finally {
    await worker.stop();
  }
  const seconds = (Date.now() - t0) / 1000;
  if (revoked < marked) log(`  gave up after ${seconds.toFixed(0)} s: ${expired} expired, ${revoked} revoked of ${marked}`);
  log(`  expiry: ${marked} in ${seconds.toFixed(1)} s (${(revoked / seconds).toFixed(0)}/s)`);
  return { count: marked, expired, revoked, seconds, rate: revoked / seconds, cpuMs };
}
