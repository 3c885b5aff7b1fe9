import { NotFoundError } from '../../domain/errors.js';
import { findConnectionById } from '../../store/connections.js';
import { findLatestReconciliation, listReconciliations, listUnmanagedOfResource, type ReconciliationRow, type UnmanagedAccessRow } from '../../store/reconciliations.js';
import type { ResourcesTable } from '../../store/schema.js';
import type { Caller } from '../deps.js';
import type { WorkerTasks } from '../worker-tasks.js';
import { JOB_RECONCILE, jobReconciliationId } from './jobs.js';
import { runReconciliation, type ReconcileDeps } from './reconcile.js';
import { findResourceRow, setExclusive } from './reconcile-exclusive.js';
import { startDueReconciliations, startReconciliation } from './reconcile-start.js';

// Reconciliation bound to one set of dependencies: what the API calls (start a run, list runs, a
// resource's view, exclusive governance) and what the worker runs (the run's job, the schedule).

/** Runs listed per connection, newest first. */
const RUNS_LISTED = 50;

export interface ResourceReconciliationView {
  resource: ResourcesTable;
  lastRun: ReconciliationRow | null;
  unmanaged: (UnmanagedAccessRow & { roleName: string })[];
}

export function createReconciliationService(deps: ReconcileDeps) {
  const connectionExists = async (id: string) => {
    if (!(await findConnectionById(deps.db, id))) throw new NotFoundError('Connection', id);
  };
  return {
    /** Starts a run of the connection (202), or answers the one still running. */
    start: (connectionId: string) => startReconciliation(deps, connectionId),
    async list(connectionId: string): Promise<ReconciliationRow[]> {
      await connectionExists(connectionId);
      return listReconciliations(deps.db, connectionId, RUNS_LISTED);
    },
    /** The catalog the resource is in (the permission check of the resource routes). */
    catalogOfResource: async (resourceId: string) => (await findResourceRow(deps.db, resourceId)).catalogId,
    async resourceView(resourceId: string): Promise<ResourceReconciliationView> {
      const resource = await findResourceRow(deps.db, resourceId);
      return {
        resource,
        lastRun: resource.connectionId ? (await findLatestReconciliation(deps.db, resource.connectionId)) ?? null : null,
        unmanaged: await listUnmanagedOfResource(deps.db, resource.id),
      };
    },
    setExclusive: (caller: Caller, resourceId: string, exclusive: boolean) => setExclusive(deps, caller, resourceId, exclusive),
    workerTasks(): WorkerTasks {
      return {
        handlers: {
          [JOB_RECONCILE]: async (job) => {
            const id = jobReconciliationId(job.payload);
            if (id) await runReconciliation(deps, id);
          },
        },
        periodic: [{ name: 'startDueReconciliations', run: () => startDueReconciliations(deps) }],
      };
    },
  };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;
