import BetterSqlite3 from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { parseDatabaseUrl } from '../../src/store/db.js';
import type { BenchContext } from '../lib/context.js';
import { log } from '../lib/log.js';
import type { ServeProc } from '../lib/proc.js';

// CSV export of every assignment of the biggest package through the streaming endpoint, against the same
// query read raw through the driver (psql \copy … to stdout csv on PostgreSQL, better-sqlite3 on SQLite).
// The server's resident memory is sampled while it streams.

const RAW_QUERY = (packageId: string) => `select a.id, u.display_name, u.user_principal_name, u.mail, p.display_name as package_name, pol.display_name as policy_name,
  a.state, a.status, a.start_at, a.end_at, a.expired_at
  from assignments a join users u on u.id = a.target_id join access_packages p on p.id = a.access_package_id
  left join assignment_policies pol on pol.id = a.policy_id
  where a.access_package_id = '${packageId}' order by a.id`;

export interface CsvRun {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  rawRows: number;
  rawRowsPerSecond: number;
  rssBeforeMb: number;
  rssPeakMb: number;
}

/**
 * Newlines in a chunk, found natively: a JavaScript loop over every byte ran inside the timed window and was
 * charged to the export, while the raw SQLite read counts its rows without touching their bytes.
 */
function countLines(b: Buffer): number {
  let n = 0;
  for (let at = b.indexOf(10); at !== -1; at = b.indexOf(10, at + 1)) n++;
  return n;
}

async function rawRate(ctx: BenchContext): Promise<{ rows: number; seconds: number }> {
  const q = RAW_QUERY(ctx.manifest.bigPackageId).replace(/\s+/g, ' ');
  const loc = parseDatabaseUrl(ctx.url);
  if (loc.kind === 'sqlite') {
    const db = new BetterSqlite3(loc.target, { readonly: true });
    const t0 = performance.now();
    let rows = 0;
    for (const _r of db.prepare(q).raw().iterate()) rows++;
    const seconds = (performance.now() - t0) / 1000;
    db.close();
    return { rows, seconds };
  }
  const t0 = performance.now();
  const rows = await new Promise<number>((resolve, reject) => {
    const p = spawn('psql', [ctx.url, '-qXc', `\\copy (${q}) to stdout csv`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let n = 0;
    let err = '';
    p.stdout.on('data', (d: Buffer) => (n += countLines(d)));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.once('exit', (code) => (code === 0 ? resolve(n) : reject(new Error(`psql: ${err}`))));
  });
  return { rows, seconds: (performance.now() - t0) / 1000 };
}

export async function exportCsv(ctx: BenchContext, server: ServeProc): Promise<CsvRun> {
  const filter = encodeURIComponent(`accessPackage/id eq '${ctx.manifest.bigPackageId}'`);
  // warm both paths once, so neither pays for a cold cache
  await rawRate(ctx);
  const warm = await fetch(`${server.url}/latchkey/v1/assignments.csv?$filter=${filter}`, { headers: { authorization: `Bearer ${ctx.manifest.adminToken}` } });
  await warm.text();
  await new Promise((r) => setTimeout(r, 1000));
  const rssBeforeMb = server.rssMb();
  let peak = rssBeforeMb;
  const sampler = setInterval(() => (peak = Math.max(peak, server.rssMb())), 20);
  const t0 = performance.now();
  const res = await fetch(`${server.url}/latchkey/v1/assignments.csv?$filter=${filter}`, { headers: { authorization: `Bearer ${ctx.manifest.adminToken}` } });
  if (res.status !== 200) throw new Error(`csv export: ${res.status} ${await res.text()}`);
  let lines = 0;
  for await (const chunk of res.body!) {
    const c = chunk as Uint8Array;
    lines += countLines(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, server.rssMb());
  const rows = lines - 1; // the header line
  const raw = await rawRate(ctx);
  log(`  csv: ${rows} rows in ${seconds.toFixed(2)} s (${(rows / seconds).toFixed(0)}/s); raw ${raw.rows} rows in ${raw.seconds.toFixed(2)} s; RSS ${rssBeforeMb.toFixed(0)} → peak ${peak.toFixed(0)} MB`);
  return { rows, seconds, rowsPerSecond: rows / seconds, rawRows: raw.rows, rawRowsPerSecond: raw.rows / raw.seconds, rssBeforeMb, rssPeakMb: peak };
}
