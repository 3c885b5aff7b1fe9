import type { Job } from '../store/jobs.js';

// What the services and the worker say to each other. The services define the work (the worker runs
// whatever tasks it is given and knows nothing of the lifecycle); the worker is above the services and
// imports this, never the reverse. Metrics (api/metrics.ts) implement the observer.

/** Work the services give the worker: handlers per job kind, and periodic scans of due times. */
export interface WorkerTasks {
  handlers: Record<string, (job: Job) => Promise<void>>;
  /**
   * Kinds whose claimed jobs of one round are better run together (one read, one transaction for all):
   * the worker hands them over in one call. A kind listed here also has its handler, which the worker
   * falls back to, job by job, when the batch fails, so that one bad job cannot hold back the others.
   */
  batchHandlers?: Record<string, (jobs: readonly Job[]) => Promise<void>>;
  /** each returns how many items it processed, so the worker knows whether to run again at once */
  periodic: { name: string; run: () => Promise<number> }[];
}

/** What a worker reports as it goes, for metrics. */
export interface WorkerObserver {
  /** jobs just claimed; `at` is the claim time, so at - runAt is how late each one started */
  claimed?(jobs: readonly Job[], at: Date): void;
  /** how a claimed job ended: done, given back for a retry, failed for good, or finished after its lease ran out */
  finished?(job: Job, outcome: 'completed' | 'retry' | 'failed' | 'lost', seconds: number): void;
}
