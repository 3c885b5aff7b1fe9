import { NotFoundError, ValidationError } from '../../domain/errors.js';
import { SYNC_MODES, type SyncMode } from '../../domain/identity-sync.js';
import { parseJsonOr } from '../../domain/json.js';
import { findIdentitySource, listIdentitySources } from '../../store/identity-sources.js';
import { findSyncRun, listSyncRuns, type SyncRunRow } from '../../store/identity-sync.js';
import type { Caller } from '../deps.js';
import type { WorkerTasks } from '../worker-tasks.js';
import { JOB_IDENTITY_SYNC, type IdentitySyncDeps } from './ldap-sync/deps.js';
import { runSync } from './ldap-sync/run-sync.js';
import { startDueSyncs } from './ldap-sync/start-due.js';
import { startSync, type StartedSync } from './ldap-sync/start-run.js';
import { createIdentitySource, type CreateSourceInput } from './sources/create.js';
import { deleteIdentitySourceUseCase } from './sources/delete.js';
import { updateIdentitySourceUseCase, type UpdateSourceInput } from './sources/update.js';
import { identitySourceView, type IdentitySourceView } from './sources/view.js';

// Identity sources (where people and groups come from) and LDAP directory sync, bound to one set of
// dependencies: what the API calls and what the worker runs (each run's job, and the schedule).

/** Runs listed per source, newest first. */
const RUNS_LISTED = 50;

export function createIdentitySourceService(deps: IdentitySyncDeps) {
  const load = async (id: string) => {
    const row = await findIdentitySource(deps.db, id.toLowerCase());
    if (!row) throw new NotFoundError('IdentitySource', id);
    return row;
  };
  return {
    async list(): Promise<IdentitySourceView[]> {
      return Promise.all((await listIdentitySources(deps.db)).map((s) => identitySourceView(deps.db, s)));
    },
    get: async (id: string): Promise<IdentitySourceView> => identitySourceView(deps.db, await load(id)),
    async create(caller: Caller, input: CreateSourceInput): Promise<IdentitySourceView> {
      return identitySourceView(deps.db, await load(await createIdentitySource(deps, caller, input)));
    },
    async update(caller: Caller, id: string, input: UpdateSourceInput): Promise<IdentitySourceView> {
      await updateIdentitySourceUseCase(deps, caller, (await load(id)).id, input);
      return identitySourceView(deps.db, await load(id));
    },
    delete: async (caller: Caller, id: string) => deleteIdentitySourceUseCase(deps, caller, (await load(id)).id),
    /** Starts a run (202), or answers the one still running. */
    async sync(id: string, input: { mode?: string; dryRun?: boolean }): Promise<StartedSync> {
      const mode = input.mode ?? 'incremental';
      if (!(SYNC_MODES as readonly string[]).includes(mode)) throw new ValidationError(`mode: '${mode}' is not one of ${SYNC_MODES.join(', ')}.`, 'mode');
      return startSync(deps, (await load(id)).id, mode as SyncMode, input.dryRun ?? false);
    },
    async runs(id: string): Promise<SyncRunRow[]> {
      return listSyncRuns(deps.db, (await load(id)).id, RUNS_LISTED);
    },
    async run(id: string, runId: string): Promise<SyncRunRow> {
      const source = await load(id);
      const run = await findSyncRun(deps.db, runId.toLowerCase());
      if (!run || run.sourceId !== source.id) throw new NotFoundError('IdentitySyncRun', runId);
      return run;
    },
    workerTasks(): WorkerTasks {
      return {
        handlers: {
          [JOB_IDENTITY_SYNC]: async (job) => {
            const { runId } = parseJsonOr<{ runId?: unknown }>(job.payload, {});
            if (typeof runId === 'string') await runSync(deps, runId);
          },
        },
        periodic: [{ name: 'startDueIdentitySyncs', run: () => startDueSyncs(deps) }],
      };
    },
  };
}

export type IdentitySourceService = ReturnType<typeof createIdentitySourceService>;
