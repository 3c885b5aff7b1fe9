import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/domain/clock.js';
import { createServices } from '../../src/services/index.js';
import { openStore } from '../../src/store/db.js';
import type { Job } from '../../src/store/jobs.js';
import { createAppWorker } from '../../src/worker/index.js';

// A `latchkey worker` whose jobs of the kinds in HOLD_JOB_KINDS never finish: the handler prints
// {"msg":"holding job","jobId":…} and then waits for ever, like a worker stuck mid-job. The test kills
// it with SIGKILL while it holds the job, to show that another worker takes the job over. Everything
// else (configuration from the environment, leases, their renewal, the other job kinds) is the real
// worker's.

const config = loadConfig(process.env);
const log = pino({ level: config.logLevel });
const store = openStore(config.databaseUrl);
const services = createServices({ db: store.db, clock: systemClock, log, publicUrl: config.publicUrl });
const hold = new Set((process.env.HOLD_JOB_KINDS ?? '').split(',').filter(Boolean));
const handlers = Object.fromEntries(Object.entries(services.workerTasks.handlers).map(([kind, real]) => [
  kind,
  hold.has(kind)
    ? async (job: Job) => {
      process.stdout.write(`${JSON.stringify({ msg: 'holding job', jobId: job.id, kind })}\n`);
      await new Promise(() => {});
    }
    : real,
]));
// a held kind's batches are held too: its batch handler goes, so the worker runs its jobs one by one through the handler above
const batchHandlers = Object.fromEntries(Object.entries(services.workerTasks.batchHandlers ?? {}).filter(([kind]) => !hold.has(kind)));
const worker = createAppWorker({ store, clock: systemClock, log, services: { workerTasks: { ...services.workerTasks, handlers, batchHandlers } }, config });
// the held handler waits on nothing that keeps the process alive
setInterval(() => {}, 1 << 30);
worker.start();
