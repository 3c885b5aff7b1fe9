import type { WorkerTasks } from '../worker-tasks.js';
import type { LifecycleDeps } from '../lifecycle/common.js';
import { evaluateAll, evaluateMembers, evaluateUser, runNightlyEvaluation } from './evaluate.js';
import { JOB_EVALUATE_ALL, JOB_EVALUATE_MEMBERS, JOB_EVALUATE_USER, JOB_LEAVER, jobPayload } from './jobs.js';
import { runLeaver } from './leaver.js';
import { removeOutOfScope } from './mover.js';

export { identitySubscriber } from './subscriber.js';

// Joiners, movers and leavers: access that follows the people. The directory events' subscriber
// (subscriber.ts) enqueues the work; these are the worker's handlers for it and its scans of due times.

export function identityWorkerTasks(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>): WorkerTasks {
  return {
    handlers: {
      [JOB_LEAVER]: async (job) => {
        const p = jobPayload(job.payload);
        if (p.userId) await runLeaver(deps, p.userId, p.cause ?? 'the user left');
      },
      [JOB_EVALUATE_USER]: async (job) => {
        const p = jobPayload(job.payload);
        if (p.userId) await evaluateUser(deps, p.userId);
      },
      [JOB_EVALUATE_MEMBERS]: async (job) => {
        const p = jobPayload(job.payload);
        if (p.groupId) await evaluateMembers(deps, p.groupId);
      },
      [JOB_EVALUATE_ALL]: (job) => evaluateAll(deps, jobPayload(job.payload).policyId),
    },
    periodic: [
      { name: 'removeOutOfScope', run: () => removeOutOfScope(deps) },
      { name: 'nightlyEvaluation', run: () => runNightlyEvaluation(deps) },
    ],
  };
}
