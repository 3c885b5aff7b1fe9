// Preloaded (node --import) into every test process when test/run.mjs is given --durations: on exit it
// appends the file's wall time and the CPU its own process used (not its children's) to the report file.
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { performance } from 'node:perf_hooks';

const out = process.env.LATCHKEY_TEST_DURATIONS;
const file = process.argv[1] ?? '';
if (out && /\.test\.js$/.test(file)) {
  process.on('exit', () => {
    const u = process.cpuUsage();
    appendFileSync(out, `${JSON.stringify({ file, wallMs: Math.round(performance.now()), cpuMs: Math.round((u.user + u.system) / 1000) })}\n`);
  });
}
