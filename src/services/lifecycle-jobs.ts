import type { Job } from '../worker/queue.js';

/** Work the lifecycle engine gives the worker: handlers per job kind, and periodic scans of due times. */
export interface WorkerTasks {
  handlers: Record<string, (job: Job) => Promise<void>>;
  /** each returns how many items it processed, so the worker knows whether to run again at once */
  periodic: { name: string; run: () => Promise<number> }[];
}
