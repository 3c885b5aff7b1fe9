import { isoNow } from '../../../domain/clock.js';
import { nextSchedule, scheduledMode } from '../../../domain/identity-sync.js';
import { parseJsonOr } from '../../../domain/json.js';
import { findIdentitySource } from '../../../store/identity-sources.js';
import { claimScheduledSync, listSourcesDueForSync } from '../../../store/identity-sync.js';
import { lockRow } from '../../../store/locks.js';
import type { IdentitySyncDeps } from './deps.js';
import { readLdapSourceSettings, scheduleOf } from './settings.js';
import { startSyncIn } from './start-run.js';

// The worker's periodic task: starts a run of every LDAP source whose next_sync_at is due (full when
// no full run has succeeded yet or the full one is due, incremental otherwise) and moves the schedule on.
// Claiming the due time is a conditional update under the row lock, so of two workers scanning at once
// one starts the run and the other skips the source.

const DUE_PER_SCAN = 20;

export async function startDueSyncs(deps: Pick<IdentitySyncDeps, 'db' | 'clock' | 'events'>): Promise<number> {
  const at = isoNow(deps.clock);
  let started = 0;
  for (const { id } of await listSourcesDueForSync(deps.db, at, DUE_PER_SCAN)) {
    const claimed = await deps.events.transaction(async (tx) => {
      if (!(await lockRow(tx, 'identitySources', id))) return false;
      const source = await findIdentitySource(tx, id);
      if (!source?.nextSyncAt || source.nextSyncAt > at) return false;
      const mode = scheduledMode(source, at);
      // the base DNs do not matter to the schedule: only the durations are read here
      const schedule = scheduleOf(readLdapSourceSettings(parseJsonOr(source.settings, {})));
      if (!(await claimScheduledSync(tx, id, source.nextSyncAt, nextSchedule(schedule, at, mode === 'full', source.nextFullAt)))) return false;
      await startSyncIn(tx, deps, id, mode, false, 'schedule');
      return true;
    });
    if (claimed) started++;
  }
  return started;
}
