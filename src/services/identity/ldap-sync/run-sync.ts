import { isoNow } from '../../../domain/clock.js';
import { newId } from '../../../domain/ids.js';
import { nextSchedule, planCounts, planSync, sampleOf, type HeldGroup, type HeldUser, type SyncMode } from '../../../domain/identity-sync.js';
import { parseJsonOr } from '../../../domain/json.js';
import { findIdentitySource, updateIdentitySource } from '../../../store/identity-sources.js';
import {
  findSyncRun, listDirectMembersOf, listGroupsOfSource, listUsersByUpnOutside, listUsersOfSource, namesOf, updateSyncRun, type HeldUserRow,
} from '../../../store/identity-sync.js';
import { refreshStatistics } from '../../../store/statistics.js';
import { applyPlan } from './apply-plan.js';
import type { IdentitySyncDeps } from './deps.js';
import { openSourceDirectory } from './directory.js';
import { readDirectory } from './read-directory.js';
import { readLdapSourceSettings, resolveSourceSettings } from './settings.js';

// One run of a source (a job's work): read the directory as the mode says (read-directory.ts), load
// what the source owns, plan (domain/identity-sync.ts planSync) and, unless it is a dry run, write the
// plan (apply-plan.ts). Progress is recorded as it goes (entries read after each page, changes written
// after each batch); the outcome at the end: the counts, the errors of single entries, and for a dry run
// a sample of what would change. A failure of the directory as a whole fails the run, saying why; what
// earlier batches wrote stays (it was true), and the next run carries on from there.
//
// An incremental run of a source that never had a full one runs as a full one: there is nothing to
// start from, and its row says so. A successful real run moves the cursor (the newest modification read) and, for a full
// run, starts or moves the schedule on (the schedule starts with the first real full run, so that a
// dry run can come first).

/** Errors of single entries kept per run. */
const ERRORS_KEPT = 200;
/** Changes a dry run shows. */
const SAMPLE_SIZE = 50;
/** Changes of one run after which the planner's statistics are refreshed at once. */
const BULK_SYNC_CHANGES = 1000;

const held = (u: HeldUserRow): HeldUser => ({
  id: u.id, sourceId: u.sourceId, sourceKey: u.sourceKey, dn: u.externalId, enabled: !!u.accountEnabled, managerId: u.managerId,
  fields: {
    userPrincipalName: u.userPrincipalName, displayName: u.displayName, mail: u.mail, mailNickname: u.mailNickname, givenName: u.givenName, surname: u.surname,
    jobTitle: u.jobTitle, department: u.department, employeeId: u.employeeId, costCenter: u.costCenter, division: u.division, organization: u.organization,
  },
});

export async function runSync(deps: IdentitySyncDeps, runId: string): Promise<void> {
  const run = await findSyncRun(deps.db, runId);
  if (!run || run.state !== 'running') return;
  const begun = deps.clock.now().getTime();
  const finish = async (outcome: 'succeeded' | 'failed', patch: Parameters<typeof updateSyncRun>[2]) => {
    await updateSyncRun(deps.db, run.id, { ...patch, state: outcome, finishedAt: isoNow(deps.clock) });
    deps.observer?.({ mode: run.mode, outcome, seconds: (deps.clock.now().getTime() - begun) / 1000 });
  };
  const source = await findIdentitySource(deps.db, run.sourceId);
  if (!source || !source.connectionId) {
    await finish('failed', { error: 'The identity source was deleted, or has no connection.' });
    return;
  }
  try {
    const stored = readLdapSourceSettings(parseJsonOr(source.settings, {}));
    const mode: SyncMode = run.mode === 'incremental' && !source.syncCursor ? 'full' : (run.mode as SyncMode);
    // the run says what it does: an incremental one with nothing to start from is a full one
    if (mode !== run.mode) await updateSyncRun(deps.db, run.id, { mode });
    const { settings: connection, directory } = await openSourceDirectory(deps, source.connectionId);
    const s = resolveSourceSettings(stored, connection);
    let read;
    try {
      read = await readDirectory(directory, s, mode, source.syncCursor, (n) => updateSyncRun(deps.db, run.id, { entriesRead: n }));
    } finally {
      await directory.close();
    }

    const heldUsers = (await listUsersOfSource(deps.db, source.id)).map(held);
    const heldGroups: HeldGroup[] = (await listGroupsOfSource(deps.db, source.id))
      .map((g) => ({ id: g.id, sourceKey: g.sourceKey, dn: g.externalId, displayName: g.displayName, description: g.description }));
    const heldUpns = new Set(heldUsers.map((u) => u.fields.userPrincipalName.toLowerCase()));
    const newUpns = read.users.map((u) => u.fields.userPrincipalName.toLowerCase()).filter((k) => !heldUpns.has(k));
    const othersByUpn = new Map((await listUsersByUpnOutside(deps.db, source.id, newUpns)).map((u) => [u.userPrincipalName.toLowerCase(), held(u)]));
    const groupIdByKey = new Map(heldGroups.map((g) => [g.sourceKey, g.id]));
    const readGroupIds = read.groups.map((g) => groupIdByKey.get(g.key)).filter((id): id is string => !!id);
    const heldMembers = new Map<string, Map<string, 'user' | 'group'>>();
    for (const m of await listDirectMembersOf(deps.db, readGroupIds)) {
      const list = heldMembers.get(m.groupId) ?? new Map<string, 'user' | 'group'>();
      list.set(m.memberId, m.memberType === 'group' ? 'group' : 'user');
      heldMembers.set(m.groupId, list);
    }
    const plan = planSync({
      sourceId: source.id, users: read.users, groups: read.groups, presentUserKeys: read.presentUserKeys, presentGroupKeys: read.presentGroupKeys,
      heldUsers, heldGroups, othersByUpn, heldMembers, newId,
    });

    // names for the events and the sample: the source's, and what the plan creates
    const names = new Map<string, string>();
    for (const u of heldUsers) names.set(u.id, u.fields.userPrincipalName);
    for (const g of heldGroups) names.set(g.id, g.displayName);
    for (const c of [...plan.userCreates, ...plan.userUpdates]) names.set(c.id, c.after.fields.userPrincipalName);
    for (const g of plan.groupCreates) names.set(g.id, g.displayName);
    const unnamed = [...plan.memberAdds, ...plan.memberRemoves].map((m) => m.memberId).filter((id) => !names.has(id));
    for (const [id, n] of await namesOf(deps.db, unnamed)) names.set(id, n);

    const counts = planCounts(plan);
    const errors = [...read.errors, ...plan.errors];
    if (run.dryRun) {
      await finish('succeeded', {
        ...counts, errors: JSON.stringify(errors.slice(0, ERRORS_KEPT)), sample: JSON.stringify(sampleOf(plan, SAMPLE_SIZE, (id) => names.get(id) ?? id)),
      });
      return;
    }
    const applyErrors = await applyPlan(deps, plan, {
      sourceId: source.id, by: `Identity source ${source.displayName}`, names,
      onWritten: (n) => updateSyncRun(deps.db, run.id, { entriesWritten: n }),
    });
    errors.push(...applyErrors);
    // a sync that wrote much (the first full run of a big directory) is a bulk change: the planner's statistics
    // follow it at once (store/statistics.ts); smaller ones wait for the worker's hourly refresh
    if (Object.values(counts).reduce((n, k) => n + k, 0) >= BULK_SYNC_CHANGES) await refreshStatistics(deps.db, { bulk: true });
    const at = isoNow(deps.clock);
    const cursor = mode === 'compare' ? source.syncCursor : (plan.cursor ?? source.syncCursor);
    // the schedule starts with the first real full run and moves on after each full one; an incremental run leaves it alone (the claim moved it)
    const schedule = mode === 'full' && run.trigger === 'demand' ? nextSchedule(s.schedule, at, true, source.nextFullAt) : {};
    await updateIdentitySource(deps.db, source.id, { syncCursor: cursor, ...schedule });
    await finish('succeeded', { ...counts, errors: JSON.stringify(errors.slice(0, ERRORS_KEPT)) });
  } catch (e) {
    await finish('failed', { error: (e as Error).message || String(e) });
  }
}
