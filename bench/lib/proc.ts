import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { log } from './log.js';

// The real `latchkey` processes under test, started the way an operator would: `serve` (with or without
// its in-process worker) and `worker`, as separate OS processes on the bench database.

export interface Proc {
  pid: number;
  child: ChildProcess;
  output(): string;
  /** resident set size now, MB (Linux /proc) */
  rssMb(): number;
  /** CPU seconds used so far */
  cpu(): number;
  stop(): Promise<void>;
}

export interface ServeProc extends Proc {
  url: string;
}

/** Env for every process under test: quiet logs (a log line per request would measure the terminal) and no per-caller rate limit (the load comes from few callers). */
const BENCH_ENV = { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' };

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (p !== join('src', 'web')) out.push(...sources(p));
    } else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/**
 * How the processes under test run. `build` (default): the current sources transpiled by esbuild into
 * node_modules/.cache/latchkey-bench/build and run by plain node, like the built CLI of `npm start` but always current and
 * without type-checking or the web build; `dist`: the existing dist/ from `npm run build`; `src`: the
 * sources through tsx (its loader adds tens of MB of memory and slower start-up).
 */
export function cliCommand(how: 'build' | 'dist' | 'src'): { args: string[]; kind: string } {
  if (how === 'src') return { args: ['--import', 'tsx', 'src/cli/main.ts'], kind: 'src (tsx)' };
  if (how === 'dist') {
    if (!existsSync('dist/cli/main.js')) throw new Error('dist/ is not built: run npm run build, or use --server build');
    return { args: ['dist/cli/main.js'], kind: 'dist' };
  }
  // under node_modules so that linters and editors leave the generated files alone
  const out = 'node_modules/.cache/latchkey-bench/build';
  rmSync(out, { recursive: true, force: true });
  execFileSync('node_modules/.bin/esbuild', [...sources('src'), `--outdir=${out}`, '--outbase=src', '--format=esm', '--platform=node', '--target=node20', '--log-level=warning']);
  return { args: [`${out}/cli/main.js`], kind: 'build (esbuild of src)' };
}

/** CPU time (user + system) the process has used so far, seconds (Linux /proc; clock ticks of 1/100 s). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] and [12] are utime and stime (the 14th and 15th of the whole line)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

export function rssMbOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function launch(cli: string[], args: string[], env: Record<string, string>): Proc & { waitFor(re: RegExp, ms: number): Promise<RegExpExecArray> } {
  // BENCH_CPU_PROF=1: every process under test writes a V8 CPU profile on exit (bench/.data/profiles; summarise with bench/profile.ts)
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=bench/.data/profiles'] : [];
  const child = spawn(process.execPath, [...prof, ...cli, ...args], { env: { ...process.env, ...BENCH_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    if (out.length > 1_000_000) out = out.slice(-200_000);
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid!,
    child,
    output: () => out,
    rssMb: () => rssMbOf(child.pid!),
    cpu: () => cpuSecondsOf(child.pid!),
    waitFor(re, ms) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`process ${args[0]} did not print ${re} within ${ms} ms; output:\n${out.slice(-4000)}`));
        }, ms);
        waiters.add(check);
        void exited.then((code) => {
          if (waiters.has(check)) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`process ${args[0]} exited (${code}) before printing ${re}; output:\n${out.slice(-4000)}`));
          }
        });
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

export async function startServe(cli: string[], dbUrl: string, opts: { worker: boolean; env?: Record<string, string> }): Promise<ServeProc> {
  const p = launch(cli, ['serve', '--db', dbUrl, '--port', '0', ...(opts.worker ? [] : ['--no-worker'])], opts.env ?? {});
  const m = await p.waitFor(/listening on (https?:\/\/[^\s]+)/, 120_000);
  log(`serve pid ${p.pid} at ${m[1]}${opts.worker ? ' (with worker)' : ' (no worker)'}`);
  return { ...p, url: m[1] };
}

/** The floor (bench/floor/server.ts) on the bench database, run through tsx and measured as serve is. */
export async function startFloor(dbUrl: string): Promise<ServeProc> {
  const p = launch(['--import', 'tsx', 'bench/floor/server.ts'], ['--db', dbUrl], {});
  const m = await p.waitFor(/listening on (https?:\/\/[^\s]+)/, 60_000);
  log(`floor pid ${p.pid} at ${m[1]}`);
  return { ...p, url: m[1] };
}

export async function startWorker(cli: string[], dbUrl: string, env: Record<string, string> = {}): Promise<Proc> {
  // the worker says "database ready" at info level once migrations are done; nothing else is logged at info per job
  const p = launch(cli, ['worker', '--db', dbUrl], { ...env, LOG_LEVEL: 'info' });
  await p.waitFor(/database ready/, 120_000);
  log(`worker pid ${p.pid}`);
  return p;
}
