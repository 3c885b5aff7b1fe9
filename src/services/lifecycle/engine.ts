import type { Tx } from '../../store/db.js';
import type { Caller } from '../deps.js';
import { fulfilAssignments, onRoleScopeChange } from '../fulfilment/fulfil.js';
import { JOB_FULFIL, JOB_REVOKE, jobAssignmentIds } from '../fulfilment/jobs.js';
import { revokeJob } from '../fulfilment/revoke.js';
import { confirmDelivery, verifyConfirmation, type Confirmation } from '../fulfilment/confirm.js';
import { failOverdueConfirmations } from '../fulfilment/confirmation-timeouts.js';
import type { SignatureHeaders } from '../../connectors/webhook/index.js';
import type { SecretBox } from '../../store/secret-box.js';
import type { WorkerTasks } from '../worker-tasks.js';
import { timeOutStages } from './approval-timeouts.js';
import { cancel } from './cancel.js';
import type { LifecycleDeps } from './common.js';
import { decideStage, type DecisionInput } from './decide-stage.js';
import { deleteBlockedGuests } from './delete-blocked-guests.js';
import { deleteRequest } from './delete-request.js';
import { escalateStages } from './escalate-approvals.js';
import { expireDue } from './expire-due.js';
import { remindExpiring } from './remind-expiring.js';
import { reprocessAssignment, reprocessRequest } from './reprocess.js';
import type { SubmitInput } from './requests.js';
import { startScheduled } from './start-scheduled.js';
import { bulkRemove } from './submit-remove.js';
import { submit, validate } from './submit.js';

export type { SubmitInput } from './requests.js';

// The lifecycle engine: every change to access goes through a request (the only door), whose checks
// run before anything is stored; approvals, delivery, expiry and extension follow from it. Each use case
// is its own module taking only the dependencies it uses; this binds them to one set of deps, the object
// the API routes and the worker (through workerTasks) call.

export function createLifecycleEngine(deps: LifecycleDeps & { secretBox: SecretBox }) {
  return {
    /** isValidationOnly: every check of a real submission runs, then the transaction is rolled back. */
    validate: (caller: Caller, input: SubmitInput) => validate(deps, caller, input),
    /** Validates and stores a request, then carries it as far as it can go at once (approval, delivery, removal). */
    submit: (caller: Caller, input: SubmitInput) => submit(deps, caller, input),
    decide: (caller: Caller, requestId: string, stageId: string, input: DecisionInput) => decideStage(deps, caller, requestId, stageId, input),
    cancel: (caller: Caller, requestId: string) => cancel(deps, caller, requestId),
    reprocessRequest: (caller: Caller, requestId: string) => reprocessRequest(deps, caller, requestId),
    reprocessAssignment: (caller: Caller, assignmentId: string) => reprocessAssignment(deps, caller, assignmentId),
    deleteRequest: (caller: Caller, requestId: string) => deleteRequest(deps, caller, requestId),
    bulkRemove: (caller: Caller, assignmentIds: string[], justification: string | null) => bulkRemove(deps, caller, assignmentIds, justification),
    /** A webhook receiver's signed confirmation of a delivery it accepted for later (401 unless the signature verifies). */
    async confirmDelivery(connectionId: string, signed: { rawBody: string; headers: SignatureHeaders }, body: Confirmation) {
      await verifyConfirmation(deps, connectionId, signed.rawBody, signed.headers);
      return confirmDelivery(deps, connectionId, body);
    },
    onRoleScopeChange: (tx: Tx, change: { kind: 'added' | 'removed'; accessPackageId: string; roleId: string; scopeId: string }) => onRoleScopeChange(tx, deps, change),

    /** What the worker runs: delivery and revocation jobs, and scans of due times. */
    workerTasks(): WorkerTasks {
      return {
        handlers: {
          [JOB_FULFIL]: (job) => fulfilAssignments(deps, jobAssignmentIds(job.payload)),
          [JOB_REVOKE]: (job) => revokeJob(deps, jobAssignmentIds(job.payload)),
        },
        batchHandlers: {
          // the fulfil jobs of one round as one delivery batch (fulfil.ts says why)
          [JOB_FULFIL]: (jobs) => fulfilAssignments(deps, jobs.flatMap((job) => jobAssignmentIds(job.payload))),
        },
        periodic: [
          { name: 'startScheduled', run: () => startScheduled(deps) },
          { name: 'expireDue', run: () => expireDue(deps) },
          { name: 'timeOutApprovals', run: () => timeOutStages(deps) },
          { name: 'escalateApprovals', run: () => escalateStages(deps) },
          { name: 'remindExpiring', run: () => remindExpiring(deps) },
          { name: 'deleteBlockedGuests', run: () => deleteBlockedGuests(deps) },
          { name: 'failOverdueConfirmations', run: () => failOverdueConfirmations(deps) },
        ],
      };
    },
  };
}

export type LifecycleEngine = ReturnType<typeof createLifecycleEngine>;
