import { configureSqlite } from '../src/store/db.js';
import BetterSqlite3 from 'better-sqlite3';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { drive } from './lib/load.js';
import { log } from './lib/log.js';
import { cpuSecondsOf } from './lib/proc.js';

// Ceilings measured in the same run on the same machine, so that results are read as ratios: shared
// 2-core machines make absolute numbers noise, but a server that does N% of what its framework or its
// database can do on this box does roughly N% anywhere.

const run = promisify(execFile);

export interface Ceilings {
  /** requests/s of a trivial JSON route in a bare Fastify server, same load generator and concurrency */
  http?: number;
  /** CPU the bare server spent per request, ms: the machine is shared, so ratios are also given per CPU time */
  httpCpuMs?: number;
  /** pgbench TPS, built-in tpcb-like script and -S (select-only), same client count */
  pgbenchTpcb?: number;
  pgbenchSelect?: number;
  /** single-row insert transactions/s through better-sqlite3, same disk and pragmas as src/store/db.ts */
  sqliteInsert?: number;
}

export async function httpCeiling(connections: number, durationMs: number): Promise<{ rps: number; cpuMs: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/bare-server.ts'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`bare server exited (${code}): ${out}`)));
  });
  try {
    await drive({ url, connections, durationMs: 1000, next: () => ({ path: '/ping' }) });
    const cpu0 = cpuSecondsOf(child.pid!);
    const r = await drive({ url, connections, durationMs, next: () => ({ path: '/ping' }) });
    const cpuMs = ((cpuSecondsOf(child.pid!) - cpu0) * 1000) / r.requests;
    log(`ceiling: HTTP ${r.rps.toFixed(0)} req/s (p50 ${r.p50.toFixed(2)} ms), ${cpuMs.toFixed(3)} ms CPU per request`);
    return { rps: r.rps, cpuMs };
  } finally {
    child.kill('SIGTERM');
  }
}

function pgbenchBinary(): string {
  return 'pgbench';
}

/** pgbench on its own scratch database next to the bench database (same server). */
export async function pgbenchCeilings(benchUrl: string, clients: number, seconds: number): Promise<{ tpcb: number; select: number }> {
  const u = new URL(benchUrl);
  u.pathname = `/${process.env.LATCHKEY_BENCH_PG_PREFIX ?? 'latchkey_bench'}_pgbench`;
  const scratch = u.toString();
  const admin = new URL(benchUrl);
  admin.pathname = '/postgres';
  await run('psql', [admin.toString(), '-qc', `drop database if exists ${u.pathname.slice(1)}`]);
  await run('psql', [admin.toString(), '-qc', `create database ${u.pathname.slice(1)}`]);
  await run(pgbenchBinary(), ['-i', '-q', '-s', '10', scratch]);
  const tps = async (args: string[]) => {
    const { stdout } = await run(pgbenchBinary(), ['-n', '-c', String(clients), '-j', '2', '-T', String(seconds), ...args, scratch], { maxBuffer: 10_000_000 });
    const m = /tps = ([\d.]+)/.exec(stdout);
    if (!m) throw new Error(`no tps in pgbench output: ${stdout}`);
    return Number(m[1]);
  };
  const tpcb = await tps([]);
  const select = await tps(['-S']);
  await run('psql', [admin.toString(), '-qc', `drop database if exists ${u.pathname.slice(1)}`]);
  log(`ceiling: pgbench tpcb-like ${tpcb.toFixed(0)} TPS, -S ${select.toFixed(0)} TPS (${clients} clients)`);
  return { tpcb, select };
}

export function sqliteInsertCeiling(dir: string, durationMs: number): number {
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/ceiling.db`;
  for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
  const db = configureSqlite(new BetterSqlite3(file));
  db.exec('create table t (id text primary key, v text not null, at text not null)');
  const begin = db.prepare('begin immediate');
  const insert = db.prepare('insert into t (id, v, at) values (?, ?, ?)');
  const commit = db.prepare('commit');
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < durationMs) {
    begin.run();
    insert.run(crypto.randomUUID(), 'x'.repeat(100), new Date().toISOString());
    commit.run();
    n++;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  db.close();
  for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
  log(`ceiling: SQLite ${rate.toFixed(0)} single-row insert transactions/s`);
  return rate;
}
