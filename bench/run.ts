import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { openStore, type StoreKind } from '../src/store/db.js';
import { httpCeiling, pgbenchCeilings, sqliteInsertCeiling, type Ceilings } from './ceilings.js';
import type { BenchContext } from './lib/context.js';
import { call } from './lib/load.js';
import { log, elapsed, sleep } from './lib/log.js';
import { cliCommand, startFloor, startServe, type ServeProc } from './lib/proc.js';
import { floorRow, limitRow, ratioRow, table, writeResults, type ResultRow, type RunResult } from './report.js';
import { floorApproval, floorExpiry, floorLifecycle, sameReadRows } from './floor/measure.js';
import { SCALES, seed, type Manifest } from './seed.js';
import { decideAll, submitPending } from './scenarios/approval.js';
import { exportCsv } from './scenarios/csv.js';
import { expireMany } from './scenarios/expiry.js';
import { submitAndDeliver, USER_SLICE } from './scenarios/lifecycle.js';
import { measureReads, READ_PATHS } from './scenarios/reads.js';
import { scaleOut } from './scenarios/scaleout.js';
import { CONNECTED_KINDS, CONNECTED_SECRET_KEY, connectedDelivery, type ConnectedKind } from './scenarios/connected.js';
import { leaverLatency } from './scenarios/leaver.js';
import { scimProvisioning } from './scenarios/scim.js';
import { growth } from './scenarios/growth.js';
import { EM } from './lib/context.js';

// npm run bench [-- --store sqlite|postgres] [--scale small|large] [--only lifecycle,approval,reads,csv,expiry,idle,scaleout,connected,leaver,scim]
//               [--connections 16] [--read-seconds 8] [--requests 3000] [--expiry-seconds 300] [--connected-requests 500] [--connected-kinds ldap,scim,postgresql]
//               [--leavers 200] [--scim-users 2000] [--reuse] [--server build|dist|src]
//               [--growth-assignments 1000000] [--growth-submits 1000] [--growth-query-stats <dir>]
// (connected, the lifecycle into OpenLDAP, SCIM and PostgreSQL, leaver, disabled people out of
// OpenLDAP, and growth, each dimension grown tenfold on a copy of its own base, run only when --only names them)
// Seeds its own database, measures the ceilings, starts the real server as separate processes, drives it
// over HTTP, prints a table and writes bench/results/latest.json (and <store>-<scale>.json). lifecycle, approval,
// reads and expiry are judged against their floor (bench/floor), measured in the same run right after each.

/** Assignments the expiry floor expires: its own batch, delivered by the floor for its users just before */
const FLOOR_EXPIRY = 2000;

/** --reuse after a full run: the seeded users already hold (or have requested) the packages these scenarios request */
const REUSED = `only part of the requests were accepted: with --reuse after a run the users already hold these packages, so this row is not valid; seed afresh`;

const SCENARIOS = ['idle', 'lifecycle', 'approval', 'reads', 'csv', 'expiry', 'scaleout', 'connected', 'leaver', 'scim', 'growth'] as const;

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    scale: { type: 'string', default: 'small' },
    only: { type: 'string' },
    connections: { type: 'string', default: '16' },
    'read-seconds': { type: 'string', default: '8' },
    requests: { type: 'string' },
    reuse: { type: 'boolean', default: false },
    server: { type: 'string', default: 'build' },
    'expiry-seconds': { type: 'string', default: '300' },
    'connected-requests': { type: 'string', default: '500' },
    'connected-kinds': { type: 'string', default: CONNECTED_KINDS.join(',') },
    leavers: { type: 'string', default: '200' },
    'scim-users': { type: 'string', default: '2000' },
    'growth-assignments': { type: 'string', default: '1000000' },
    'growth-submits': { type: 'string', default: '1000' },
    'growth-query-stats': { type: 'string' },
  },
});

const kind = args.store as StoreKind;
if (kind !== 'sqlite' && kind !== 'postgres') throw new Error('--store is sqlite or postgres');
const scale = args.scale as 'small' | 'large';
if (!(scale in SCALES)) throw new Error('--scale is small or large');
// connected starts OpenLDAP, a SCIM service and uses the local PostgreSQL: only when asked for (--only connected)
// leaver starts OpenLDAP too, and disables load users: also only when asked for (--only leaver)
const only = new Set(args.only ? args.only.split(',').map((s) => s.trim()) : SCENARIOS.filter((s) => s !== 'connected' && s !== 'leaver' && s !== 'growth'));
for (const s of only) if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario '${s}': ${SCENARIOS.join(', ')}`);
if (kind === 'sqlite') only.delete('scaleout');
const connections = Number(args.connections);
const lifecycleRequests = Number(args.requests ?? 3000);
const approvalRequests = Math.min(1000, lifecycleRequests);
const connectedRequests = Number(args['connected-requests']);
const connectedKinds = args['connected-kinds'].split(',').map((k) => k.trim()) as ConnectedKind[];
for (const k of connectedKinds) if (!(CONNECTED_KINDS as readonly string[]).includes(k)) throw new Error(`unknown connected kind '${k}': ${CONNECTED_KINDS.join(', ')}`);
const leavers = Number(args.leavers);

/**
 * PostgreSQL server of the bench (its own databases latchkey_bench_<scale> and latchkey_bench_pgbench are
 * created there; LATCHKEY_BENCH_PG_PREFIX renames them, so that two checkouts can bench side by side)
 */
const PG_PREFIX = process.env.LATCHKEY_BENCH_PG_PREFIX ?? 'latchkey_bench';
function pgUrl(): string {
  const u = new URL(process.env.LATCHKEY_BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/postgres');
  u.pathname = `/${PG_PREFIX}_${scale}`;
  return u.toString();
}
const url = kind === 'sqlite' ? `sqlite:bench/.data/bench-${scale}.db` : pgUrl();
const manifestFile = `bench/.data/manifest-${kind}-${scale}.json`;

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  mkdirSync('bench/.data', { recursive: true });
  const cli = cliCommand(args.server as 'build' | 'dist' | 'src');
  log(`bench: ${kind}, ${scale} scale, ${connections} connections, scenarios ${[...only].join(', ')}; server from ${cli.kind}`);

  let manifest: Manifest;
  if (args.reuse && existsSync(manifestFile)) {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    log(`bench: reusing the ${scale} database seeded at ${manifest.seededAt}`);
  } else {
    manifest = await seed(url, scale, SCALES[scale]);
    writeFileSync(manifestFile, JSON.stringify(manifest));
  }

  const ceilings: Ceilings = {};
  const http = await httpCeiling(connections, 5000);
  ceilings.http = http.rps;
  ceilings.httpCpuMs = http.cpuMs;
  if (kind === 'postgres') Object.assign(ceilings, await (async () => { const c = await pgbenchCeilings(url, connections, 10); return { pgbenchTpcb: c.tpcb, pgbenchSelect: c.select }; })());
  else ceilings.sqliteInsert = sqliteInsertCeiling('bench/.data', 3000);

  const store = openStore(url, { poolSize: 4 });
  const rows: ResultRow[] = [];
  const details: Record<string, unknown> = {};
  const smallFile = `bench/results/${kind}-small.json`;
  let smallP95: Record<string, number> | undefined;
  if (scale === 'large' && existsSync(smallFile)) {
    const small = JSON.parse(readFileSync(smallFile, 'utf8')) as RunResult;
    smallP95 = (small.details.reads as Record<string, { p95: number }> | undefined)
      ? Object.fromEntries(Object.entries(small.details.reads as Record<string, { p95: number }>).map(([k, v]) => [k, v.p95])) : undefined;
  }
  const ctx: BenchContext = { kind, url, scale, manifest, cli: cli.args, connections, readMs: Number(args['read-seconds']) * 1000, store, ceilings, rows, details, smallP95 };
  const writeCeiling = kind === 'postgres'
    ? (ceilings.pgbenchTpcb ? { name: 'pgbench TPS', value: ceilings.pgbenchTpcb } : undefined)
    : (ceilings.http ? { name: 'HTTP ceiling', value: ceilings.http } : undefined);
  /** CPU ratio against the HTTP ceiling: its CPU per request over Latchkey's CPU per operation (serve and worker processes) */
  const cpuRatio = (cpuMsPerOp: number) => (ceilings.httpCpuMs && cpuMsPerOp > 0 ? ceilings.httpCpuMs / cpuMsPerOp : undefined);

  let server: ServeProc | null = null;
  // the floor (bench/floor): one process for the run, each floor measured right after Latchkey's scenario
  let floor: ServeProc | null = null;
  if (['lifecycle', 'approval', 'reads', 'expiry'].some((s) => only.has(s))) {
    floor = await startFloor(url);
    process.once('exit', () => floor?.child.kill('SIGTERM'));
  }
  const needsServer = ['idle', 'lifecycle', 'approval', 'reads', 'csv', 'connected', 'leaver', 'scim'].some((s) => only.has(s));
  try {
    if (needsServer) {
      // the key the connected scenario seals its connections' secrets with
      server = await startServe(cli.args, url, { worker: true, env: { LATCHKEY_SECRET_KEY: CONNECTED_SECRET_KEY } });
      // warm-up: a few of each kind of call, then let the process settle
      for (let i = 0; i < 50; i++) {
        await call(server.url, { path: `${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')`, token: manifest.loadUsers[i].token });
        await call(server.url, { path: `${EM}/assignments/filterByCurrentUser(on='target')`, token: manifest.loadUsers[i].token });
        await call(server.url, { path: `${EM}/catalogs`, token: manifest.adminToken });
      }
      await sleep(2000);
      const rss = server.rssMb();
      details.idle = { rssMb: rss, server: cli.kind };
      if (only.has('idle')) rows.push({ ...limitRow('idle', `resident memory of serve after start and warm-up (${cli.kind})`, rss, 'MB', 150), target: '≤ 150 MB', holds: rss <= 150 });
      log(`idle: ${rss.toFixed(0)} MB resident`);
    }

    if (only.has('lifecycle')) {
      log(`lifecycle: ${lifecycleRequests} userAdd requests, no approval`);
      const cpu0 = server!.cpu();
      const r = await submitAndDeliver(ctx, [server!.url], lifecycleRequests, 0);
      const cpuMs = ((server!.cpu() - cpu0) * 1000) / Math.max(1, r.delivered);
      details.lifecycle = { ...r, requestIds: undefined, cpuMsPerDelivery: cpuMs };
      log(`floor lifecycle: ${lifecycleRequests} userAdd requests`);
      const f = await floorLifecycle(ctx, floor!, lifecycleRequests);
      details.floorLifecycle = { ...f, requestIds: undefined };
      rows.push({
        ...floorRow('lifecycle', 'requests delivered/s', r.rate, '/s', { latchkey: cpuMs, floor: f.cpuMs }, writeCeiling,
          `${r.delivered}/${r.accepted} delivered${r.accepted < lifecycleRequests ? `; ${REUSED}` : ''}; floor ${f.delivered}/${f.accepted} delivered at ${f.rate.toFixed(0)}/s, p99 ${f.p99.toFixed(0)} ms`),
        cpuRatio: kind === 'sqlite' ? cpuRatio(cpuMs) : undefined,
      });
      rows.push(limitRow('lifecycle', 'submit→delivered p99', r.p99, 'ms', 1000, `p50 ${r.p50.toFixed(0)}, p95 ${r.p95.toFixed(0)}`));
    }

    if (only.has('connected')) {
      // the load users after the lifecycle, approval and scale-out slices; each kind its own package
      for (const k of connectedKinds) {
        log(`connected: ${connectedRequests} userAdd requests, the role in ${k}`);
        const r = await connectedDelivery(ctx, server!.url, k, connectedRequests, 3 * USER_SLICE);
        details[`connected-${k}`] = r;
        if (r.skipped) {
          rows.push({ scenario: `lifecycle into ${k}`, metric: 'submit→delivered p99', measured: 0, unit: 'ms', target: '≤ 1000 ms', holds: null, note: `not run: ${r.skipped}` });
          continue;
        }
        rows.push({ scenario: `lifecycle into ${k}`, metric: "target's own first grants/s (floor)", measured: r.floorRps, unit: '/s', target: 'recorded', holds: null,
          note: 'the calls a first grant makes, straight to the target, 8 at once' });
        rows.push({ scenario: `lifecycle into ${k}`, metric: 'burst: requests delivered/s', measured: r.rate, unit: '/s', target: 'recorded', holds: null,
          note: `${(r.rate / Math.max(r.floorRps, 0.001)).toFixed(2)} × floor; ${r.delivered}/${r.accepted} delivered in ${r.seconds.toFixed(1)} s; submitted at ${r.submitRps.toFixed(0)}/s; p50 ${r.p50.toFixed(0)}, p95 ${r.p95.toFixed(0)}, p99 ${r.p99.toFixed(0)} ms` });
        rows.push(limitRow(`lifecycle into ${k}`, `paced at ${r.paced.rps.toFixed(0)}/s: submit→delivered p99`, r.paced.p99, 'ms', 1000,
          `p50 ${r.paced.p50.toFixed(0)}, p95 ${r.paced.p95.toFixed(0)}; ${r.paced.delivered}/${r.paced.accepted} delivered`));
      }
    }

    if (only.has('leaver')) {
      // people of their own, provisioned through SCIM: the leavers are deactivated for good
      log(`leaver: ${leavers} people provisioned through SCIM, then deactivated one by one, their role in OpenLDAP`);
      const r = await leaverLatency(ctx, server!.url, leavers);
      details.leaver = r;
      if (r.skipped) rows.push({ scenario: 'leaver', metric: 'SCIM deactivation→out of LDAP p99', measured: 0, unit: 'ms', target: '≤ 2000 ms', holds: null, note: `not run: ${r.skipped}` });
      else rows.push(limitRow('leaver', 'SCIM deactivation→out of LDAP p99', r.p99, 'ms', 2000, `${r.removed}/${r.leavers} removed; p50 ${r.p50.toFixed(0)}, p95 ${r.p95.toFixed(0)}, max ${r.max.toFixed(0)}`));
    }

    if (only.has('scim')) {
      const n = Number(args['scim-users']);
      log(`scim: ${n} POST /Users, then ${n} PATCH /Users/{id}`);
      const r = await scimProvisioning(ctx, server!, n);
      details.scim = r;
      for (const [metric, m] of [['POST /Users/s', r.creates], ['PATCH /Users/s', r.patches]] as const) {
        rows.push({
          scenario: 'scim', metric, measured: m.rps, unit: '/s', ceiling: ceilings.http ? { name: 'HTTP ceiling', value: ceilings.http } : undefined,
          ratio: ceilings.http ? m.rps / ceilings.http : undefined, cpuRatio: cpuRatio(m.cpuMs), target: 'recorded', holds: null,
          note: `${m.statuses['201'] ?? m.statuses['200'] ?? 0}/${m.requests} ok; p50 ${m.p50.toFixed(1)} ms, p95 ${m.p95.toFixed(1)} ms; ${m.cpuMs.toFixed(2)} ms server CPU each`,
        });
      }
    }

    let pending: Awaited<ReturnType<typeof submitPending>> | null = null;
    if (only.has('approval') || only.has('reads')) {
      log(`approval: setting up ${approvalRequests} pending requests`);
      pending = await submitPending(ctx, server!.url, approvalRequests, USER_SLICE);
    }

    if (only.has('reads')) {
      log('reads');
      const r = await measureReads(ctx, server!);
      details.reads = r;
      log('floor reads: the same rows as Latchkey?');
      const same = await sameReadRows(ctx, server!.url, floor!.url);
      const f = await measureReads(ctx, floor!);
      details.floorReads = { ...f, sameRows: same };
      for (const p of READ_PATHS) {
        const m = r[p.name];
        const row = floorRow('read paths', `${p.name} req/s`, m.rps, '/s', { latchkey: m.cpuMs, floor: f[p.name].cpuMs }, ceilings.http ? { name: 'HTTP ceiling', value: ceilings.http } : undefined,
          `p50 ${m.p50.toFixed(1)} ms, p95 ${m.p95.toFixed(1)} ms; floor ${f[p.name].rps.toFixed(0)} req/s${same[p.name] ? '' : '; the floor answered other rows than Latchkey, so its ratio is not judged'}`);
        rows.push({ ...row, holds: same[p.name] ? row.holds : null, cpuRatio: kind === 'sqlite' ? cpuRatio(m.cpuMs) : undefined });
        if (scale !== 'small') {
          const small = ctx.smallP95?.[p.name];
          rows.push({
            scenario: 'read paths', metric: `${p.name} p95`, measured: m.p95, unit: 'ms', target: '≤ 2 × p95 at small scale',
            ratio: small ? m.p95 / small : undefined, holds: small ? m.p95 <= 2 * small : null,
            note: small ? `small p95 ${small.toFixed(1)} ms; ${m.rps.toFixed(0)} req/s` : 'no small-scale result to compare with',
          });
        }
      }
    }

    if (only.has('approval') && pending) {
      log('approval: deciding');
      const cpu0 = server!.cpu();
      const r = await decideAll(ctx, server!.url, pending);
      const cpuMs = ((server!.cpu() - cpu0) * 1000) / Math.max(1, r.decided);
      details.approval = { ...r, cpuMsPerDecision: cpuMs };
      const f = await floorApproval(ctx, server!.url, floor!, approvalRequests);
      details.floorApproval = f;
      rows.push({
        ...floorRow('approval', 'decisions/s', r.http.rps, '/s', { latchkey: cpuMs, floor: f.cpuMs }, writeCeiling,
          `${r.decided} decided, ${r.delivered} delivered, delivery included${r.decided < approvalRequests ? `; ${REUSED}` : ''}; floor ${f.decided} decided, ${f.delivered} delivered, p99 ${f.p99.toFixed(0)} ms`),
        cpuRatio: kind === 'sqlite' ? cpuRatio(cpuMs) : undefined,
      });
      rows.push(limitRow('approval', 'approve→delivered p99', r.p99, 'ms', 1000, `p50 ${r.p50.toFixed(0)}, p95 ${r.p95.toFixed(0)}`));
    }

    if (only.has('csv')) {
      log('csv export');
      const r = await exportCsv(ctx, server!);
      details.csv = r;
      rows.push(ratioRow('csv export', 'rows/s', r.rowsPerSecond, '/s', { name: 'raw driver rows/s', value: r.rawRowsPerSecond }, 0.5, `${r.rows} rows`));
      const growth = r.rssPeakMb - r.rssBeforeMb;
      rows.push({ scenario: 'csv export', metric: 'server memory growth', measured: growth, unit: 'MB', target: '≤ 64 MB', holds: growth <= 64, note: `${r.rssBeforeMb.toFixed(0)} → ${r.rssPeakMb.toFixed(0)} MB` });
    }
  } finally {
    await server?.stop();
  }

  // scale-out before expiry: expiry stops at its time limit with assignments still due, which workers started later would pick up
  if (only.has('scaleout')) {
    log(`scale-out: 2 serve + 2 worker, ${lifecycleRequests} requests`);
    const r = await scaleOut(ctx, lifecycleRequests, 2 * USER_SLICE);
    details.scaleout = { ...r, run: { ...r.run, requestIds: undefined } };
    const clean = r.duplicateGrants === 0 && r.duplicateAssignments === 0 && r.lost === 0 && r.stuckJobs === 0;
    rows.push({ scenario: 'scale-out', metric: 'duplicates / lost / stuck', measured: r.duplicateGrants + r.duplicateAssignments + r.lost + r.stuckJobs, unit: '', target: '0', holds: clean,
      note: `dup grants ${r.duplicateGrants}, dup assignments ${r.duplicateAssignments}, lost ${r.lost}, stuck jobs ${r.stuckJobs}` });
    const single = (details.lifecycle as { rate?: number } | undefined)?.rate;
    rows.push({
      scenario: 'scale-out', metric: 'requests delivered/s', measured: r.run.rate, unit: '/s', target: '≥ single-process run',
      ceiling: single ? { name: 'single process', value: single } : undefined, ratio: single ? r.run.rate / single : undefined, holds: single ? r.run.rate >= single : null,
      note: `p99 submit→delivered ${r.run.p99.toFixed(0)} ms`,
    });
  }

  if (only.has('expiry')) {
    const count = Math.min(100_000, manifest.spec.assignments);
    log(`expiry: ${count} assignments due at once`);
    const r = await expireMany(ctx, count, Number(args['expiry-seconds']) * 1000);
    details.expiry = r;
    const ceiling = kind === 'postgres'
      ? (ceilings.pgbenchTpcb ? { name: 'pgbench TPS', value: ceilings.pgbenchTpcb } : undefined)
      : (ceilings.sqliteInsert ? { name: 'SQLite insert tx/s', value: ceilings.sqliteInsert } : undefined);
    const f = await floorExpiry(ctx, floor!, Math.min(FLOOR_EXPIRY, count));
    details.floorExpiry = f;
    rows.push(floorRow('expiry', 'expired and revoked/s', r.rate, '/s', { latchkey: r.cpuMs, floor: f.cpuMs }, ceiling,
      `${r.revoked}/${r.count} in ${r.seconds.toFixed(0)} s (worker CPU); floor ${f.revoked}/${f.count} of its own batch at ${f.rate.toFixed(0)}/s`));
  }
  await floor?.stop();

  if (only.has('growth')) {
    log(`growth: one dimension at a time, each on a copy of the base`);
    await growth(ctx, {
      pgPrefix: PG_PREFIX, assignments: Number(args['growth-assignments']), submits: Number(args['growth-submits']), reuse: !!args.reuse,
      queryStatsDir: args['growth-query-stats'],
    });
  }

  await store.close();
  const result: RunResult = {
    startedAt, finishedAt: new Date().toISOString(), store: kind, scale, server: cli.kind, connections,
    machine: { cpus: cpus().length, node: process.version },
    seed: { ...manifest.spec, seedSeconds: manifest.seedSeconds, reused: !!args.reuse },
    ceilings: { ...ceilings }, rows, details,
  };
  const files = ['bench/results/latest.json'];
  if (!args.only) files.push(`bench/results/${kind}-${scale}.json`);
  writeResults(result, files);
  process.stdout.write(`\n${table(rows)}\n\n`);
  log(`bench: done in ${elapsed(t0)}; wrote ${files.join(', ')}`);
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
