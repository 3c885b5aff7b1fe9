#!/usr/bin/env node
// Runs the suite: independent test files in parallel (each has its own SQLite file or PostgreSQL
// database; the shorter integration files a few to a process, see GROUP), and beside them the suites
// whose latchkey processes time leases and wake-ups across processes, one at a time (see ALONE).
//
// The sources are compiled once by esbuild into .test-build/ (same layout, inline source maps) and the
// compiled files run on plain Node: loading the TypeScript through tsx costs ~1.1 s of CPU in every test
// process and every CLI child a test starts, a third of the suite's CPU on a 2-core machine.
//
//   node test/run.mjs                      unit, web and integration tests
//   node test/run.mjs test/e2e             another folder (browser tests run one file at a time), or files
//   TEST_CONCURRENCY=1 node test/run.mjs   everything one after another
//   node test/run.mjs --durations [...]    then each file's wall time and CPU, slowest first
//   node test/run.mjs --isolate [...]      every test file in a process of its own (see GROUP below)
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { build } from 'esbuild';

const BUILD = '.test-build';
const started = Date.now();

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

rmSync(BUILD, { recursive: true, force: true });
const common = { outdir: BUILD, outbase: '.', format: 'esm', platform: 'node', target: 'node20', sourcemap: 'inline', jsx: 'automatic', logLevel: 'warning' };
const webTests = walk('test/web');
await Promise.all([
  build({ ...common, entryPoints: [...walk('src'), ...walk('test').filter((f) => !webTests.includes(f))] }),
  // the web app imports without file extensions (Vite resolves them), so its tests are bundled, libraries left outside
  build({ ...common, entryPoints: webTests, bundle: true, packages: 'external' }),
]);
// src/api/web.ts finds the built web app at ../../dist/web from its own file
mkdirSync(BUILD, { recursive: true });
symlinkSync(resolve('dist'), join(BUILD, 'dist'));

const args = process.argv.slice(2);
const durations = args.includes('--durations') ? join(tmpdir(), `latchkey-test-durations-${process.pid}.jsonl`) : undefined;
const isolate = args.includes('--isolate');
const named = args.filter((a) => a !== '--durations' && a !== '--isolate');
const folders = named.length > 0 ? named : ['test/unit', 'test/web', 'test/integration'];
// each argument is a folder of *.test.ts files or one such file
const files = folders.flatMap((d) => (d.endsWith('.test.ts') ? [d] : readdirSync(d).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(d, f))));
const compiled = (f) => join(BUILD, relative('.', f)).replace(/\.ts$/, '.js');

// suites whose children time leases and wake-ups across processes: one at a time, beside the others.
// The other suites that start latchkey processes (auth-cli, lifecycle-races, question-patterns, cli,
// worker) assert nothing about timing across processes and run with the rest.
const ALONE = new Set(['scale-out.test.ts', 'worker-processes.test.ts']);
// the longest files (from --durations), started first in their lane so that the run does not end on one
// of them while the other slots sit idle; most of them wait on timers or on child processes
const LONGEST = ['authorization-matrix', 'worker-processes', 'cli', 'auth-cli', 'lifecycle-races', 'scale-out', 'worker', 'fuzz']
  .map((name) => `${name}.test.ts`);
const rank = (f) => {
  const i = LONGEST.indexOf(f.split('/').pop());
  return i < 0 ? LONGEST.length : i;
};
const byLength = (list) => list.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map((x) => x.f);
const alone = byLength(files.filter((f) => ALONE.has(f.split('/').pop()) || f.startsWith('test/e2e')));
const together = byLength(files.filter((f) => !alone.includes(f)));

// An integration file spends about 1.2 s of CPU before its first test: 0.6 s loading the app's modules
// and 0.6 s building its server. The shorter integration files therefore share a process, GROUP to a
// process, so that the modules load once for the group; each file still starts its own server on its
// own database, and its tests run one after another as they do alone. The longest files keep a
// process of their own, and so does any file with --isolate.
const GROUP = 5;
/** The entries given to node --test: the compiled files, and for the grouped ones a file importing each of its group. */
function entries(list) {
  const candidates = list.filter((f) => f.startsWith('test/integration/') && rank(f) === LONGEST.length);
  // one file alone gains nothing from a group
  const shared = isolate || candidates.length < 2 ? [] : candidates;
  const groups = [];
  for (let i = 0; i < shared.length; i += GROUP) groups.push(shared.slice(i, i + GROUP));
  const grouped = groups.map((g, i) => {
    const entry = join(BUILD, 'test', 'groups', `group-${String(i + 1).padStart(2, '0')}.test.js`);
    mkdirSync(dirname(entry), { recursive: true });
    writeFileSync(entry, `// ${g.join(', ')}\n${g.map((f) => `import './${relative(dirname(entry), compiled(f))}';`).join('\n')}\n`);
    groupOf.set(relative(BUILD, entry), g);
    return entry;
  });
  const own = list.filter((f) => !shared.includes(f));
  // the long files first, then the groups (each several files long), then the short ones
  const long = own.filter((f) => rank(f) < LONGEST.length);
  return [...long.map(compiled), ...grouped, ...own.filter((f) => !long.includes(f)).map(compiled)];
}
/** group entry (relative to the build) → the test files it runs, for the --durations report */
const groupOf = new Map();

// the files spend much of their time waiting on the database and on HTTP round trips, so a few more
// than the cores keeps both busy
const concurrency = Number(process.env.TEST_CONCURRENCY ?? Math.max(2, availableParallelism() + 1));

/** Runs the files; with `buffered`, their report is kept and handed back instead of printed as it comes. */
function run(list, n, buffered = false) {
  if (list.length === 0) return Promise.resolve({ code: 0, output: '' });
  const report = durations ? ['--import', resolve('test/support/durations.mjs')] : [];
  const child = spawn(process.execPath, ['--enable-source-maps', ...report, '--test', `--test-concurrency=${n}`, ...entries(list)], {
    // test/support/processes.ts starts CLI children from the compiled tree too
    env: { ...process.env, LATCHKEY_TEST_BUILD: resolve(BUILD), ...(durations ? { LATCHKEY_TEST_DURATIONS: durations } : {}) },
    stdio: ['ignore', buffered ? 'pipe' : 'inherit', 'inherit'],
  });
  const chunks = [];
  child.stdout?.on('data', (c) => chunks.push(c));
  return new Promise((done) => child.on('close', (code) => done({ code: code ?? 1, output: Buffer.concat(chunks).toString() })));
}

// The ALONE suites mostly wait on their children, so they run beside the others, one at a time; their
// report is printed after the others' so that the two never interleave.
const [main, apart] = await Promise.all([run(together, concurrency), run(alone, 1, together.length > 0)]);
process.stdout.write(apart.output);
if (durations) printDurations(durations);
process.exit(main.code || apart.code);

/** The --durations report: one line a file (wall time, CPU of the test process itself), slowest first. */
function printDurations(path) {
  let rows = [];
  try {
    rows = readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    // no file: no test process got as far as exiting
  }
  rmSync(path, { force: true });
  rows.sort((a, b) => b.wallMs - a.wallMs);
  const s = (ms) => `${(ms / 1000).toFixed(1)}s`.padStart(7);
  const lines = rows.map((r) => {
    const name = relative(resolve(BUILD), r.file);
    const note = groupOf.has(name) ? `  (${groupOf.get(name).map((f) => f.split('/').pop()).join(', ')})` : ALONE.has(name.split('/').pop().replace(/\.js$/, '.ts')) ? '  (alone)' : '';
    return `${s(r.wallMs)} ${s(r.cpuMs)}  ${name}${note}`;
  });
  const cpu = rows.reduce((n, r) => n + r.cpuMs, 0);
  process.stdout.write(`\n   wall     cpu  file\n${lines.join('\n')}\n${s(Date.now() - started)} ${s(cpu)}  total (wall of the run; CPU of the test processes)\n`);
}
