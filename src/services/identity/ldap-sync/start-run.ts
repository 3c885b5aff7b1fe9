import { isoNow } from '../../../domain/clock.js';
import { NotFoundError, ValidationError } from '../../../domain/errors.js';
import { newId } from '../../../domain/ids.js';
import type { SyncMode } from '../../../domain/identity-sync.js';
import type { Tx } from '../../../store/db.js';
import { findIdentitySource } from '../../../store/identity-sources.js';
import { findRunningSync, insertSyncRun, syncJobKey, updateSyncRun, type SyncRunRow } from '../../../store/identity-sync.js';
import { lockRow } from '../../../store/locks.js';
import { JOB_IDENTITY_SYNC, type IdentitySyncDeps } from './deps.js';

// Starting a sync of a source: on demand (the API) and on schedule (start-due.ts). A run is an
// identity_sync_runs row in state running and one durable job that does it (run-sync.ts). A source has
// at most one run at a time: the start locks the source's row and, finding a run still going, answers
// that one instead of starting another. A run whose job ended without finishing it is marked failed
// then, so that it cannot block the source for ever.

export interface StartedSync {
  run: SyncRunRow;
  /** false: a run was already going, and this is it */
  started: boolean;
}

export function emptyRun(sourceId: string, mode: SyncMode, dryRun: boolean, trigger: 'demand' | 'schedule', at: string): SyncRunRow {
  return {
    id: newId(), sourceId, mode, dryRun: dryRun ? 1 : 0, trigger, state: 'running', startedAt: at, finishedAt: null,
    entriesRead: 0, entriesWritten: 0, usersCreated: 0, usersUpdated: 0, usersDisabled: 0, groupsCreated: 0, groupsUpdated: 0, groupsDeleted: 0,
    membersAdded: 0, membersRemoved: 0, errors: '[]', sample: '[]', error: null,
  };
}

/** Starts a run of the source inside the caller's transaction, or answers the one already running. */
export async function startSyncIn(tx: Tx, deps: Pick<IdentitySyncDeps, 'clock' | 'events'>, sourceId: string, mode: SyncMode, dryRun: boolean, trigger: 'demand' | 'schedule'): Promise<StartedSync> {
  if (!(await lockRow(tx, 'identitySources', sourceId))) throw new NotFoundError('IdentitySource', sourceId);
  const source = await findIdentitySource(tx, sourceId);
  if (source?.kind !== 'ldap') throw new ValidationError(`Identity source '${source?.displayName}' is provisioned through SCIM; only LDAP sources are synced.`, 'id');
  const at = isoNow(deps.clock);
  const running = await findRunningSync(tx, sourceId);
  if (running && !running.jobEnded) {
    const { jobEnded: _ended, ...run } = running;
    return { run, started: false };
  }
  if (running) await updateSyncRun(tx, running.id, { state: 'failed', finishedAt: at, error: 'The run was abandoned: its job ended before the run finished.' });
  const run = emptyRun(sourceId, mode, dryRun, trigger, at);
  await insertSyncRun(tx, run);
  await deps.events.enqueue(tx, JOB_IDENTITY_SYNC, { runId: run.id }, { dedupeKey: syncJobKey(run.id) });
  return { run, started: true };
}

/** On demand: starts a run (or finds the one running) in its own transaction. */
export function startSync(deps: Pick<IdentitySyncDeps, 'clock' | 'events'>, sourceId: string, mode: SyncMode, dryRun: boolean): Promise<StartedSync> {
  return deps.events.transaction((tx) => startSyncIn(tx, deps, sourceId, mode, dryRun, 'demand'));
}
