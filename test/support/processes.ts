import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { sql } from 'kysely';
import type { Store } from '../../src/store/db.js';
import { startTestServer, type TestServer } from './server.js';

// Helpers for tests that run the real CLI in other processes against the test's own database
// (races between servers, worker crash safety).

/** Resolves when `p` does; fails (instead of hanging the test) if that never happens. */
export async function within<T>(p: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), ms); });
  try {
    return await Promise.race([p, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls an (async) condition until it holds; fails after `ms`. The wait bounds the test, it is never asserted. */
export async function until(cond: () => Promise<boolean> | boolean, what: string, ms = 60_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The URL another process opens to reach the same database as `store` (the scratch database of a test server). */
export async function databaseUrlOf(store: Store): Promise<string> {
  if (store.kind === 'postgres') {
    const r = await sql<{ name: string }>`select current_database() as name`.execute(store.db);
    const u = new URL(process.env.LATCHKEY_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test');
    u.pathname = `/${r.rows[0].name}`;
    return u.toString();
  }
  const r = await sql<{ name: string; file: string }>`pragma database_list`.execute(store.db);
  const main = r.rows.find((x) => x.name === 'main');
  if (!main?.file) throw new Error('the SQLite store is not a file: another process cannot open it');
  return `sqlite:${main.file}`;
}

export interface CliProcess {
  child: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<number | null>;
  waitFor(re: RegExp, what: string, ms?: number): Promise<RegExpExecArray>;
}

/** Runs the real `latchkey` CLI from source in a child process; output (stdout and stderr) is collected for waitFor and failure messages. */
export function latchkey(args: string[], env: Record<string, string> = {}): CliProcess {
  return runTs('src/cli/main.ts', args, env);
}

/** Runs a TypeScript entry point (the CLI, or a test's own program such as support/holding-worker.ts) in a child process. */
/**
 * Node's arguments to run a TypeScript entry point of the repository. Under test/run.mjs the sources are
 * compiled already (LATCHKEY_TEST_BUILD): the compiled entry runs on plain Node, which saves each child the
 * second of CPU that tsx spends loading the TypeScript.
 */
export function nodeArgs(entry: string): string[] {
  const built = process.env.LATCHKEY_TEST_BUILD;
  return built ? ['--enable-source-maps', join(built, entry.replace(/\.tsx?$/, '.js'))] : ['--import', 'tsx', entry];
}

export function runTs(entry: string, args: string[] = [], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [...nodeArgs(entry), ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    pid: child.pid!,
    output: () => out,
    exited,
    waitFor(re, what, ms = 60_000) {
      let check: () => void = () => {};
      return within(new Promise<RegExpExecArray>((resolve, reject) => {
        check = () => {
          const m = re.exec(out);
          if (m) resolve(m);
        };
        listeners.add(check);
        void exited.then((code) => reject(new Error(`exited with ${code} before ${what}:\n${out}`)));
        check();
      }), `${what}; output so far:\n${out}`, ms).finally(() => listeners.delete(check));
    },
  };
}

/** Stops a child for good and waits for it to be gone (SIGKILL: nothing of it runs afterwards). */
export async function killHard(p: CliProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGKILL');
  await within(p.exited, `process ${p.pid} to die`, 10_000);
}

/** The latchkey processes a suite starts; every one is SIGKILLed (and waited for) in the suite's `after` hook. */
export interface ChildProcesses {
  /** runs a `latchkey` command (see latchkey()), to be killed after the suite */
  start(args: string[], env?: Record<string, string>): CliProcess;
  /** a process started otherwise (e.g. runTs), to be killed after the suite */
  track(p: CliProcess): CliProcess;
  /** starts `latchkey serve --no-worker` on a free port on the database `dbUrl` and resolves to its URL once it listens */
  serve(dbUrl: string, env?: Record<string, string>, args?: string[]): Promise<{ url: string; p: CliProcess }>;
  /** starts `latchkey worker` on the database `dbUrl` (logging at info) and resolves once it has started */
  worker(dbUrl: string, env?: Record<string, string>): Promise<CliProcess>;
}

/** How long a child may take to start: the suites that start them run while others load both cores. */
const START_MS = 120_000;

/**
 * Registers, in the describe block that calls it, an `after` hook that kills every process started
 * through the returned object; `after` hooks registered later in the block run after it.
 */
export function childProcesses(): ChildProcesses {
  const procs: CliProcess[] = [];
  after(async () => {
    for (const p of procs) await killHard(p).catch(() => undefined);
  });
  const track = (p: CliProcess): CliProcess => {
    procs.push(p);
    return p;
  };
  return {
    start: (args, env = {}) => track(latchkey(args, env)),
    track,
    async serve(dbUrl, env = {}, args = []) {
      const p = track(latchkey(['serve', '--no-worker', '--port', '0', '--db', dbUrl, ...args], { RATE_LIMIT_PER_MINUTE: '0', ...env }));
      const m = await p.waitFor(/Latchkey is listening on (http:\/\/\S+)/, `server ${p.pid} to listen`, START_MS);
      return { url: m[1], p };
    },
    async worker(dbUrl, env = {}) {
      const w = track(latchkey(['worker', '--db', dbUrl], { LOG_LEVEL: 'info', ...env }));
      await w.waitFor(/"msg":"worker started"/, `worker ${w.pid} to start`, START_MS);
      return w;
    },
  };
}

/** A test server in this process, and the latchkey processes a suite starts on its database. */
export interface ProcessSuite extends ChildProcesses {
  /** the in-process test server (set in `before`) */
  readonly t: TestServer;
  /** the URL another process opens to reach its database */
  readonly url: string;
}

/**
 * For a describe block whose tests start latchkey processes on the database of a test server:
 * `before`, the test server starts; `after`, every process started through the suite is killed,
 * then the server is closed (its database dropped). Hooks the block registers later run after these.
 */
export function processSuite(): ProcessSuite {
  let server: TestServer | undefined;
  let url = '';
  before(async () => {
    server = await startTestServer();
    url = await databaseUrlOf(server.store);
  });
  const children = childProcesses();
  after(async () => {
    await server?.close();
  });
  return {
    ...children,
    get t() {
      if (!server) throw new Error('the test server starts in the before hook');
      return server;
    },
    get url() {
      return url;
    },
  };
}
