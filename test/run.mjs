#!/usr/bin/env node
// Runs the suite: independent test files in parallel (each has its own SQLite file or PostgreSQL
// database), and beside them the suites that start several latchkey processes of their own, one at a
// time, since they time leases and wake-ups across processes and would fight each other for the cores.
//
//   node test/run.mjs                      unit, web and integration tests
//   node test/run.mjs test/e2e             another folder (browser tests run one file at a time)
//   TEST_CONCURRENCY=1 node test/run.mjs   everything one after another
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import process from 'node:process';

const folders = process.argv.length > 2 ? process.argv.slice(2) : ['test/unit', 'test/web', 'test/integration'];
const files = folders.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(d, f)));

// suites that start latchkey serve/worker child processes and wait on them
const ALONE = new Set(['scale-out.test.ts', 'worker-processes.test.ts', 'lifecycle-races.test.ts', 'auth-cli.test.ts', 'question-patterns.test.ts']);
const alone = files.filter((f) => ALONE.has(f.split('/').pop()) || f.startsWith('test/e2e'));
const together = files.filter((f) => !alone.includes(f));
// the files spend much of their time waiting on the database and on HTTP round trips, so a few more
// than the cores keeps both busy
const concurrency = Number(process.env.TEST_CONCURRENCY ?? Math.max(2, availableParallelism() + 1));

/** Runs the files; with `buffered`, their report is kept and handed back instead of printed as it comes. */
function run(list, n, buffered = false) {
  if (list.length === 0) return Promise.resolve({ code: 0, output: '' });
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${n}`, ...list], { stdio: ['ignore', buffered ? 'pipe' : 'inherit', 'inherit'] });
  const chunks = [];
  child.stdout?.on('data', (c) => chunks.push(c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString() })));
}

// The process-starting suites mostly wait on their children, so they run beside the others, one at a
// time; their report is printed after the others' so that the two never interleave.
const [main, apart] = await Promise.all([run(together, concurrency), run(alone, 1, together.length > 0)]);
process.stdout.write(apart.output);
process.exit(main.code || apart.code);
