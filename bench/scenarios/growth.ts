import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openStore, parseDatabaseUrl, type Store } from '../../src/store/db.js';
import { transitiveGroupIds } from '../../src/store/membership.js';
import { EM, type BenchContext } from '../lib/context.js';
import type { BulkLoader, Cell } from '../lib/bulk.js';
import { drive, type LoadResult } from '../lib/load.js';
import { elapsed, log } from '../lib/log.js';
import { cpuSecondsOf, startServe, type ServeProc } from '../lib/proc.js';
import type { ResultRow } from '../report.js';
import {
  MEMBER, SCALES, insertAssignments, insertPackages, insertPolicies, insertUsers, openBulk, packagePolicy, resetDatabase, seedWorld, type Manifest, type World,
} from '../seed.js';
import { cpuPerRequest, readRequests } from './reads.js';

// Growth, one dimension at a time (issue 14): a base database (the small scale's seed, plus one package with
// 10k holders who are not load users), then, for each dimension, a copy of the base on which only that
// dimension grows tenfold (SQLite: a copy of the file; PostgreSQL: CREATE DATABASE … TEMPLATE), never
// cumulatively. On each copy a `serve` without its worker (so that its CPU is the operations' alone) is measured
// on the operations the dimension slows: server CPU per operation at both sizes and their ratio (target ≤ 1.5),
// p50/p95 as information. Rows are added with bench/lib/bulk.ts in the shapes of bench/seed.ts.
//
// npm run bench -- --only growth [--store postgres] [--server src] [--growth-assignments 1000000]
//                  [--growth-submits 1000] [--growth-query-stats <dir>] [--reuse]
// Runs only when --only names it: 28 min on SQLite on a loaded machine, longer on PostgreSQL, most of it seeding.
// --growth-assignments: the tenant's assignments in the grown copy (1M by default on both stores; 3,000,000 is
// the PostgreSQL size, 20+ minutes of seeding here). --reuse keeps the base database of an earlier
// growth run (it is never served: each measurement runs on a copy). --growth-query-stats: each server writes
// LATCHKEY_QUERY_STATS to <dir>/<copy>.jsonl, to see which statement grows.

export interface GrowthOptions {
  /** PostgreSQL: the bench's database name prefix (LATCHKEY_BENCH_PG_PREFIX) */
  pgPrefix: string;
  /** assignments in the tenant after growing that dimension */
  assignments: number;
  /** timed submits per measurement */
  submits: number;
  reuse: boolean;
  queryStatsDir?: string;
}

type Op = 'allowedRequestor' | 'myAssignments' | 'adminPagedList' | 'submit';
const OPS: Op[] = ['allowedRequestor', 'myAssignments', 'adminPagedList', 'submit'];

/** The base, as seeded: its world, its manifest, and the package whose holders grow. */
interface Base {
  url: string;
  manifest: Manifest;
  world: World;
  /** index of the package with HOLDERS holders (none of them a load user): every measured submit asks for it */
  holdersPackage: number;
  assignments: number;
}

interface Dimension {
  name: string;
  ops: Op[];
  /** grows the copy at `url`; what it did, for the rows' notes (and what the label says of both sizes) */
  grow(url: string, base: Base, opts: GrowthOptions): Promise<{ label: string; note: string }>;
}

const HOLDERS = 10_000;
/** assignments per person of the base (100k over 10k people), kept for the people the assignments dimension adds */
const PER_PERSON = 10;
const GROWTH = 10;
/** load users the timed submits and their warm-up come from (reads use all of them, before any submit) */
const WARM_UP_SUBMITS = 100;
const WARM_UP_READS = 200;
const WARM_UP_USER = 3_000;

const k = (n: number) => (n >= 1_000_000 ? `${+(n / 1_000_000).toFixed(1)}M` : n >= 1000 ? `${Math.round(n / 1000)}k` : String(n));

/** A copy of the base at `url`, grown by `grow` with a bulk loader (finished as the seeder finishes: checkpoint, or ANALYZE on PostgreSQL). */
async function withBulk<T>(url: string, grow: (bulk: BulkLoader) => Promise<T>): Promise<T> {
  const { bulk, finish } = await openBulk(url);
  try {
    return await grow(bulk);
  } finally {
    await finish();
  }
}

const DIMENSIONS: Dimension[] = [
  {
    // packages visible to a person: 9k more in new catalogs, with the base's mix of who may request them
    name: 'packages', ops: ['allowedRequestor'],
    async grow(url, base) {
      const w = structuredClone(base.world);
      const before = w.packageIds.length;
      await withBulk(url, (bulk) => insertPackages(bulk, w, before * (GROWTH - 1)));
      return { label: `packages ${k(before)}→${k(w.packageIds.length)}`, note: '3/4 open to all members, 1/4 to a top-level group, as in the base' };
    },
  },
  {
    // groups a person belongs to through nesting: each load user joins more leaf groups until they are in
    // ten times as many groups (with the leaves' ancestors) as in the base
    name: 'groups', ops: ['myAssignments'],
    async grow(url, base) {
      const w = base.world;
      const store = openStore(url, { poolSize: 4 });
      const parents = new Map<string, string[]>();
      const closures: Set<string>[] = [];
      try {
        const edges = await sql<{ groupId: string; memberId: string }>`select group_id, member_id from group_members where member_type = 'group'`.execute(store.db);
        for (const e of edges.rows) parents.set(e.memberId, [...(parents.get(e.memberId) ?? []), e.groupId]);
        for (const u of base.manifest.loadUsers) closures.push(new Set(await transitiveGroupIds(store.db, u.id)));
      } finally {
        await store.close();
      }
      const before = closures.reduce((s, c) => s + c.size, 0) / closures.length;
      const leaves = w.levels[3];
      const rows: Cell[][] = [];
      closures.forEach((closure, u) => {
        const target = closure.size * GROWTH;
        // 389 is prime to the number of leaves at both scales (1,068 and 10,668): j runs over every leaf
        for (let j = 0; j < leaves && closure.size < target; j++) {
          const leaf = w.groupIds[w.levelStart[3] + ((u * 977 + j * 389) % leaves)];
          if (closure.has(leaf)) continue;
          rows.push([leaf, base.manifest.loadUsers[u].id, 'user', w.at]);
          const todo = [leaf];
          for (let g = todo.pop(); g !== undefined; g = todo.pop()) {
            if (closure.has(g)) continue;
            closure.add(g);
            todo.push(...(parents.get(g) ?? []));
          }
        }
      });
      const after = closures.reduce((s, c) => s + c.size, 0) / closures.length;
      await withBulk(url, (bulk) => bulk.insert(MEMBER, rows));
      return { label: `groups per person ≈${before.toFixed(0)}→≈${after.toFixed(0)}`, note: `${rows.length} leaf memberships added for the ${closures.length} load users` };
    },
  },
  {
    // holders of one package: 90k more people, each holding it
    name: 'holders', ops: ['submit'],
    async grow(url, base) {
      const w = base.world;
      const more = HOLDERS * (GROWTH - 1);
      await withBulk(url, async (bulk) => {
        const ids = await insertUsers(bulk, w.at, 'More holder', more);
        await insertAssignments(bulk, w, more, (n) => ({ userId: ids[n], p: base.holdersPackage }), 'holders');
      });
      return { label: `holders of one package ${k(HOLDERS)}→${k(HOLDERS + more)}`, note: `+${k(more)} people, each holding it` };
    },
  },
  {
    // assignments in the tenant: more people with the base's assignments per person, on the regular packages
    // (the big package and the holders' package keep their holders, each load user their assignments)
    name: 'assignments', ops: ['myAssignments', 'adminPagedList', 'submit'],
    async grow(url, base, opts) {
      const w = base.world;
      const people = Math.max(0, Math.ceil((opts.assignments - base.assignments) / PER_PERSON));
      const R = w.regularIdx.length;
      await withBulk(url, async (bulk) => {
        const ids = await insertUsers(bulk, w.at, 'Filler', people);
        await insertAssignments(bulk, w, people * PER_PERSON, (n) => {
          const u = Math.floor(n / PER_PERSON);
          return { userId: ids[u], p: w.regularIdx[(u * 31 + (n % PER_PERSON)) % R] };
        }, 'more assignments');
      });
      return {
        label: `assignments ${k(base.assignments)}→${k(base.assignments + people * PER_PERSON)}`,
        note: `+${k(people)} people with ${PER_PERSON} regular packages each`,
      };
    },
  },
  {
    // policies in scope of a person: nine more per package, each like the package's own (the same people may
    // use it: all members, or a top-level group's), so each person has ten to choose from where they had one
    name: 'policies', ops: ['allowedRequestor', 'submit'],
    async grow(url, base) {
      const w = base.world;
      const policies = w.packageIds.flatMap((_id, p) => Array.from({ length: GROWTH - 1 }, (_x, e) => {
        const policy = packagePolicy(w, p, randomUUID());
        return { ...policy, displayName: `${policy.displayName} ${e + 2}` };
      }));
      await withBulk(url, async (bulk) => {
        for (let i = 0; i < policies.length; i += 5_000) await insertPolicies(bulk, policies.slice(i, i + 5_000));
      });
      return { label: `policies per package 1→${GROWTH}`, note: `+${k(policies.length)} policies, each scoped like its package's first` };
    },
  },
];

function databaseUrl(ctx: BenchContext, opts: GrowthOptions, name: string): string {
  if (ctx.kind === 'sqlite') return `sqlite:bench/.data/growth-${name}.db`;
  const u = new URL(parseDatabaseUrl(ctx.url).target);
  u.pathname = `/${opts.pgPrefix}_growth_${name}`;
  return u.toString();
}

/** The base: the small scale's seed, then 10k more people holding one lifecycle package (seeded or reused). */
async function baseDatabase(ctx: BenchContext, opts: GrowthOptions): Promise<Base> {
  const url = databaseUrl(ctx, opts, 'base');
  const file = `bench/.data/growth-base-${ctx.kind}.json`;
  const present = ctx.kind === 'postgres' || existsSync(parseDatabaseUrl(url).target);
  if (opts.reuse && existsSync(file) && present) {
    log('growth: reusing the base database');
    return JSON.parse(readFileSync(file, 'utf8')) as Base;
  }
  const t0 = Date.now();
  const { manifest, world } = await seedWorld(url, 'growth', SCALES.small);
  // a lifecycle package: no seeded holder, no approval, open to all members
  const holdersPackage = world.lifecycleIdx[0];
  await withBulk(url, async (bulk) => {
    const ids = await insertUsers(bulk, world.at, 'Holder', HOLDERS);
    await insertAssignments(bulk, world, HOLDERS, (n) => ({ userId: ids[n], p: holdersPackage }), 'holders');
  });
  const base: Base = { url, manifest, world, holdersPackage, assignments: Math.max(SCALES.small.assignments, SCALES.small.users) + HOLDERS };
  mkdirSync('bench/.data', { recursive: true });
  writeFileSync(file, JSON.stringify(base));
  log(`growth: base seeded in ${elapsed(t0)}`);
  return base;
}

/**
 * PostgreSQL: CPU seconds of the serve process and of the database's backends serving it (the statements run
 * there, not in serve: a plan that grows shows only in them). A backend that has ended keeps the last figure
 * read of it.
 */
function withBackends(store: Store, server: ServeProc, dbName: string): () => Promise<number> {
  const last = new Map<number, number>();
  return async () => {
    const r = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = ${dbName}`.execute(store.db);
    for (const { pid } of r.rows) {
      const c = cpuSecondsOf(pid);
      if (!Number.isNaN(c)) last.set(pid, c);
    }
    return server.cpu() + [...last.values()].reduce((a, b) => a + b, 0);
  };
}

type Measured = Partial<Record<Op, LoadResult & { cpuMs: number }>>;

/** Serves the database at `url` (no worker) and measures `ops` on it: reads for ctx.readMs each, then the submits. */
async function measure(ctx: BenchContext, opts: GrowthOptions, base: Base, url: string, name: string, ops: Op[]): Promise<Measured> {
  const env: Record<string, string> = opts.queryStatsDir ? { LATCHKEY_QUERY_STATS: `${opts.queryStatsDir}/${name}.jsonl` } : {};
  if (opts.queryStatsDir) mkdirSync(opts.queryStatsDir, { recursive: true });
  const server = await startServe(ctx.cli, url, { worker: false, env });
  const cpu = ctx.kind === 'postgres' ? withBackends(ctx.store, server, new URL(parseDatabaseUrl(url).target).pathname.slice(1)) : undefined;
  const out: Measured = {};
  try {
    const reads = readRequests(base.manifest);
    // one package for all submits: its holders are what grows; the policy named, since the policies dimension gives it ten
    const users = base.manifest.loadUsers;
    const body = { requestType: 'userAdd', assignment: { accessPackageId: base.world.packageIds[base.holdersPackage], assignmentPolicyId: base.world.policyIds[base.holdersPackage] } };
    const submit = (first: number) => (i: number) => ({ method: 'POST' as const, path: `${EM}/assignmentRequests`, token: users[first + i].token, body });
    // every server warms up on every operation alike, whichever it measures, so that the same code is as hot in all of them
    for (const op of OPS.filter((o) => o !== 'submit')) await drive({ url: server.url, connections: ctx.connections, total: WARM_UP_READS, next: reads[op] });
    await drive({ url: server.url, connections: ctx.connections, total: WARM_UP_SUBMITS, next: submit(WARM_UP_USER) });
    for (const op of ops.filter((o) => o !== 'submit')) {
      const run = { connections: ctx.connections, next: reads[op] };
      out[op] = await cpuPerRequest(server, `${name} ${op}`, { ...run, durationMs: 1500 }, { ...run, durationMs: ctx.readMs }, cpu);
    }
    if (ops.includes('submit')) {
      const run = { connections: ctx.connections, next: submit(0) };
      out.submit = await cpuPerRequest(server, `${name} submit`, { ...run, total: 0 }, { ...run, total: Math.min(opts.submits, WARM_UP_USER) }, cpu);
    }
  } finally {
    await server.stop();
  }
  return out;
}

type Run = LoadResult & { cpuMs: number };

/**
 * The row of one operation of one dimension. The base is measured twice, before the dimensions and after them,
 * and the ratio is to the mean of the two: on a busy machine CPU per operation drifts as the load around it
 * changes, and the two base figures show by how much.
 */
function row(label: string, op: Op, bases: [Run, Run], after: Run, note: string, cpuOf: string): ResultRow {
  const baseCpu = (bases[0].cpuMs + bases[1].cpuMs) / 2;
  const ratio = after.cpuMs / baseCpu;
  const failed = [...bases, after].map((m) => m.requests - Object.entries(m.statuses).filter(([s]) => s.startsWith('2')).reduce((n, [, c]) => n + c, 0));
  const failures = failed.some((f) => f > 0) ? `; NOT VALID: ${failed.join(' / ')} requests failed` : '';
  const [b0, b1] = bases;
  return {
    scenario: 'growth', metric: `${label}: ${op} CPU/op`, measured: ratio, unit: '×', target: '≤ 1.5 × base', holds: failures ? false : ratio <= 1.5,
    note: `${baseCpu.toFixed(2)} (base before ${b0.cpuMs.toFixed(2)}, after ${b1.cpuMs.toFixed(2)}) → ${after.cpuMs.toFixed(2)} ms CPU of ${cpuOf}; `
      + `p50 ${b0.p50.toFixed(1)}/${b1.p50.toFixed(1)} → ${after.p50.toFixed(1)} ms, p95 ${b0.p95.toFixed(1)}/${b1.p95.toFixed(1)} → ${after.p95.toFixed(1)} ms; ${note}${failures}`,
  };
}

export async function growth(ctx: BenchContext, opts: GrowthOptions): Promise<void> {
  const t0 = Date.now();
  const base = await baseDatabase(ctx, opts);
  const copy = databaseUrl(ctx, opts, 'copy');
  const measureBase = async (name: string) => {
    await resetDatabase(copy, { template: base.url });
    log(`growth: ${name}`);
    return measure(ctx, opts, base, copy, name, OPS);
  };
  const before = await measureBase('base');
  const grown: { d: Dimension; label: string; note: string; after: Measured }[] = [];
  for (const d of DIMENSIONS) {
    const t = Date.now();
    await resetDatabase(copy, { template: base.url });
    const g = await d.grow(copy, base, opts);
    log(`growth: ${g.label} (${g.note}), grown in ${elapsed(t)}`);
    grown.push({ d, ...g, after: await measure(ctx, opts, base, copy, d.name, d.ops) });
  }
  const again = await measureBase('base-again');
  await resetDatabase(copy, { drop: true });
  const cpuOf = ctx.kind === 'postgres' ? 'serve and its PostgreSQL backends' : 'serve';
  for (const g of grown) for (const op of g.d.ops) ctx.rows.push(row(g.label, op, [before[op]!, again[op]!], g.after[op]!, g.note, cpuOf));
  ctx.details.growth = { base: before, baseAgain: again, ...Object.fromEntries(grown.map((g) => [g.d.name, { label: g.label, note: g.note, ...g.after }])) };
  log(`growth: done in ${elapsed(t0)}`);
}
