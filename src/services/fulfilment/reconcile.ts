import { isoNow, type Clock } from '../../domain/clock.js';
import { pool } from '../../domain/pool.js';
import { rolesImplying, type AccountRef, type ConnectorKind, type TargetRole } from '../../connectors/kit.js';
import type { Db } from '../../store/db.js';
import { recordRepair } from '../../store/grants.js';
import { holdRow } from '../../store/locks.js';
import {
  deleteUnmanaged, finishReconciliation, findReconciliation, listGovernedRoles, listRoleHoldings, listUnmanagedOfRoles, markUnmanagedRemoved,
  upsertUnmanaged, type GovernedRole, type ReconciliationRow,
} from '../../store/reconciliations.js';
import { reconcileUnavailable } from '../connections/fields.js';
import type { ConnectionTargets } from '../connections/targets.js';
import type { EventBus } from '../events/bus.js';
import type { ReconcileEvent, ReconciledRole } from '../events/reconcile-types.js';
import { confirmationDueFrom, repairKey } from './connected.js';

// One reconciliation run over a connection: what Latchkey says should be (delivered grants of active
// assignments, to the linked accounts) against what the target says is (listHolders of every governed
// role). Missing holders are granted again (a repair a webhook receiver accepts for later, its 202, counts
// as repaired; its grant then awaits the receiver's confirmation, confirm.ts, and no run sends it again
// before that or its due time); holders nobody granted are recorded as unmanaged access and, where every
// catalog resource governing the role is exclusive and no grant of the role awaits an account link,
// revoked. A grant still on its way in or out (pending, revoking) is neither missing nor extra. The same
// role of the target governed by two catalogs is read once: its holders are compared with the grants of
// both. A holder of a role that a grant of another role of the same resource gives too (the kind's
// impliedRoles: PostgreSQL's Admin is a membership) is explained by that grant.
//
// Set-based: the roles and the grants are two queries whatever the size; the target calls go through
// the connection's client (its concurrency limit, its timeout, its health), outside any transaction; the
// results are written in one transaction at the end, with their audit events. A crash before that
// transaction leaves the run running; its job comes back and does it again (grant and revoke are
// idempotent), but a holder removed before the crash is then no longer seen and its removal goes
// unrecorded.

export interface ReconcileDeps {
  db: Db;
  clock: Clock;
  events: EventBus;
  connectionTargets: ConnectionTargets;
  /** told of every run's outcome (metrics) */
  observer?: ReconciliationObserver;
}

export type ReconciliationObserver = (run: { outcome: 'succeeded' | 'failed'; repaired: number; unmanaged: number; removed: number }) => void;

/** A role of the target as catalogs govern it: one or more resource roles (one per catalog resource). */
interface TargetRoleGroup {
  role: TargetRole;
  governed: GovernedRole[];
  /** account key → the delivered grant that puts it there */
  expected: Map<string, { grantId: string; userId: string; resourceRoleId: string; account: AccountRef }>;
  /** account keys with a grant on its way in or out: neither missing nor extra */
  busy: Set<string>;
  /** account keys whose repair (by an earlier run) awaits the receiver's confirmation: not sent again meanwhile */
  awaitingRepair: Set<string>;
  /** account keys holding, by a delivered or busy grant, a role of the same resource that implies this one: not extra */
  implied: Set<string>;
  /**
   * grants on their way in to a user with no account link yet: the account they will reach cannot be
   * told from the holders, so while there are any, no holder of the role is removed (reported only)
   */
  unlinkedPending: number;
}

interface Findings {
  rolesChecked: number;
  holdersChecked: number;
  /** confirmationDueAt: the receiver accepted the repair for later (a webhook's 202) and confirms it by then */
  repaired: { group: TargetRoleGroup; grantId: string; userId: string; resourceRoleId: string; account: AccountRef; deliveryId: string; confirmationDueAt: string | null }[];
  unmanaged: { group: TargetRoleGroup; account: AccountRef; removed: boolean }[];
  failures: string[];
  /** the resource roles whose holders were read */
  readRoleIds: Set<string>;
}

/** How many target calls a run has in flight: the connection's own limit queues the rest. */
const runConcurrency = (concurrency: number) => Math.max(1, Math.min(concurrency, 16));

/** Runs a reconciliation that was started (a job's work); a run already finished is left alone. */
export async function runReconciliation(deps: ReconcileDeps, reconciliationId: string): Promise<void> {
  const run = await findReconciliation(deps.db, reconciliationId);
  if (!run || run.state !== 'running') return;
  let findings: Findings;
  try {
    findings = await compare(deps, run);
  } catch (e) {
    // the connection could not be opened or read at all: nothing was changed, the run failed
    const error = (e as Error).message || String(e);
    await finishReconciliation(deps.db, run.id, {
      state: 'failed', finishedAt: isoNow(deps.clock), rolesChecked: 0, holdersChecked: 0, repaired: 0, unmanaged: 0, removed: 0, error,
    });
    deps.observer?.({ outcome: 'failed', repaired: 0, unmanaged: 0, removed: 0 });
    return;
  }
  const outcome = await record(deps, run, findings);
  if (outcome) deps.observer?.(outcome);
}

async function compare(deps: ReconcileDeps, run: ReconciliationRow): Promise<Findings> {
  const connectionId = run.connectionId;
  const client = await deps.connectionTargets.clientOf(connectionId);
  const unavailable = reconcileUnavailable(client.connection.kind, JSON.parse(client.connection.settings));
  if (unavailable) throw new Error(unavailable);
  const keyOf = client.kind.accountKey ?? ((id: string) => id);
  const groups = groupRoles(await listGovernedRoles(deps.db, connectionId));
  const byRoleId = new Map(groups.flatMap((g) => g.governed.map((r) => [r.resourceRoleId, g] as const)));
  const now = isoNow(deps.clock);
  for (const h of await listRoleHoldings(deps.db, connectionId)) {
    const group = byRoleId.get(h.resourceRoleId);
    if (!group) continue;
    if (h.accountId === null) {
      // not yet linked: nothing to compare, but the holder it is becoming may already be in the target
      if (h.state === 'pending' && h.active) group.unlinkedPending++;
      continue;
    }
    const key = keyOf(h.accountId);
    if (h.state === 'delivered' && h.active) {
      if (!group.expected.has(key)) {
        group.expected.set(key, { grantId: h.grantId, userId: h.userId, resourceRoleId: h.resourceRoleId, account: { id: h.accountId, display: h.display ?? h.accountId } });
      }
      // a repair the receiver accepted for later is on its way in until its due time; past it, the next run sends another
      if (h.confirmationDueAt !== null && h.confirmationDueAt > now) group.awaitingRepair.add(key);
    } else {
      // pending, revoking, or delivered for an assignment that just ended (its revocation is queued)
      group.busy.add(key);
    }
  }
  explainImplied(groups, client.kind);

  const f: Findings = { rolesChecked: 0, holdersChecked: 0, repaired: [], unmanaged: [], failures: [], readRoleIds: new Set() };
  const call = <T>(fn: (c: typeof client) => Promise<T>) => deps.connectionTargets.call(connectionId, fn);
  const describe = (g: TargetRoleGroup) => `${g.governed[0].resourceName} (${g.governed[0].roleName})`;
  await pool(groups, runConcurrency(client.connection.concurrency), async (group) => {
    let holders: AccountRef[];
    try {
      holders = await call((c) => c.target.listHolders(group.role));
    } catch (e) {
      f.failures.push(`reading the holders of ${describe(group)}: ${(e as Error).message}`);
      return;
    }
    f.rolesChecked++;
    for (const r of group.governed) f.readRoleIds.add(r.resourceRoleId);
    f.holdersChecked += holders.length;
    const present = new Map(holders.map((h) => [keyOf(h.id), h]));
    const missing = [...group.expected].filter(([key]) => !present.has(key) && !group.awaitingRepair.has(key)).map(([, v]) => v);
    const extra = [...present].filter(([key]) => !group.expected.has(key) && !group.busy.has(key) && !group.implied.has(key)).map(([, h]) => h);
    // removal needs every catalog that governs the role to say so: one catalog cannot take away access another only reports
    const exclusive = group.governed.every((r) => r.exclusive === 1) && group.unlinkedPending === 0;
    await pool(missing, runConcurrency(client.connection.concurrency), async (m) => {
      try {
        const deliveryId = repairKey(m.grantId, run.id);
        const outcome = await call((c) => c.target.grant(m.account, group.role, { idempotencyKey: deliveryId }));
        const confirmationDueAt = outcome.pending ? confirmationDueFrom(client.connection.settings, deps.clock.now()) : null;
        f.repaired.push({ group, ...m, deliveryId, confirmationDueAt });
      } catch (e) {
        f.failures.push(`granting ${describe(group)} again to ${m.account.display}: ${(e as Error).message}`);
      }
    });
    await pool(extra, runConcurrency(client.connection.concurrency), async (account) => {
      if (!exclusive) {
        f.unmanaged.push({ group, account, removed: false });
        return;
      }
      try {
        await call((c) => c.target.revoke(account, group.role, { idempotencyKey: `${run.id}:remove:${account.id}` }));
        f.unmanaged.push({ group, account, removed: true });
      } catch (e) {
        f.unmanaged.push({ group, account, removed: false });
        f.failures.push(`removing ${account.display} from ${describe(group)}: ${(e as Error).message}`);
      }
    });
  });
  return f;
}

/** The governed roles by the target role they stand for (resource id and role id in the target). */
function groupRoles(roles: readonly GovernedRole[]): TargetRoleGroup[] {
  const groups = new Map<string, TargetRoleGroup>();
  for (const r of roles) {
    const key = JSON.stringify([r.resourceOriginId, r.roleOriginId]);
    let g = groups.get(key);
    if (!g) {
      g = { role: { resourceId: r.resourceOriginId, roleId: r.roleOriginId }, governed: [], expected: new Map(), busy: new Set(), awaitingRepair: new Set(), implied: new Set(), unlinkedPending: 0 };
      groups.set(key, g);
    }
    g.governed.push(r);
  }
  return [...groups.values()];
}

/**
 * Fills each group's `implied`: the accounts that a grant (delivered or busy) of a role implying the
 * group's role, of the same resource, puts among its holders. Not among the expected: a missing holder
 * is granted again by its own role's grant (granting the implying role again puts it back).
 */
function explainImplied(groups: readonly TargetRoleGroup[], kind: Pick<ConnectorKind, 'impliedRoles'>): void {
  if (!kind.impliedRoles) return;
  const byRole = new Map(groups.map((g) => [JSON.stringify([g.role.resourceId, g.role.roleId]), g]));
  for (const g of groups) {
    for (const roleId of rolesImplying(kind, g.role.roleId)) {
      const by = byRole.get(JSON.stringify([g.role.resourceId, roleId]));
      if (!by) continue;
      for (const key of by.expected.keys()) g.implied.add(key);
      for (const key of by.busy) g.implied.add(key);
    }
  }
}

/** Writes what the run found and did, with its audit events, and finishes the run. */
async function record(deps: ReconcileDeps, run: ReconciliationRow, f: Findings) {
  const at = isoNow(deps.clock);
  const removed = f.unmanaged.filter((u) => u.removed).length;
  const state = f.failures.length === 0 ? 'succeeded' : 'failed';
  const recorded = await deps.events.transaction(async (tx) => {
    // a job that lost its lease may have been run twice: the first to get here records the run, the other nothing
    await holdRow(tx, 'connections', run.connectionId);
    if ((await findReconciliation(tx, run.id))?.state !== 'running') return false;
    const governedIds = (await listGovernedRoles(tx, run.connectionId)).map((r) => r.resourceRoleId);
    const known = new Map((await listUnmanagedOfRoles(tx, governedIds)).map((u) => [`${u.resourceRoleId}\n${u.accountId}`, u]));
    const events: ReconcileEvent[] = [];
    const about = (r: GovernedRole, account: AccountRef): ReconciledRole => ({
      reconciliationId: run.id, connectionId: run.connectionId, resourceId: r.resourceId, resourceName: r.resourceName,
      resourceRoleId: r.resourceRoleId, roleName: r.roleName, accountId: account.id, display: account.display,
    });
    for (const m of f.repaired) {
      const r = m.group.governed.find((x) => x.resourceRoleId === m.resourceRoleId) ?? m.group.governed[0];
      // a repair accepted for later counts as repaired; its grant and its audit event say it awaits the receiver
      await recordRepair(tx, m.grantId, m.confirmationDueAt ? { deliveryId: m.deliveryId, confirmationDueAt: m.confirmationDueAt } : null, at);
      events.push({ type: 'driftRepaired', grantId: m.grantId, userId: m.userId, deliveryId: m.deliveryId, confirmationDueAt: m.confirmationDueAt, ...about(r, m.account) });
    }
    const seen = new Set<string>();
    const rows: { resourceRoleId: string; accountId: string; display: string }[] = [];
    const removedByRole = new Map<string, string[]>();
    for (const u of f.unmanaged) {
      for (const r of u.group.governed) {
        const key = `${r.resourceRoleId}\n${u.account.id}`;
        seen.add(key);
        rows.push({ resourceRoleId: r.resourceRoleId, accountId: u.account.id, display: u.account.display });
        const before = known.get(key);
        if (!before || before.removedAt !== null) events.push({ type: 'unmanagedAccessFound', ...about(r, u.account) });
        if (u.removed) {
          events.push({ type: 'unmanagedAccessRemoved', ...about(r, u.account) });
          removedByRole.set(r.resourceRoleId, [...(removedByRole.get(r.resourceRoleId) ?? []), u.account.id]);
        }
      }
    }
    await upsertUnmanaged(tx, rows, at);
    for (const [roleId, accountIds] of removedByRole) await markUnmanagedRemoved(tx, roleId, accountIds, at);
    // holders reported before and not seen now are gone (or explained by a grant): their rows go; a role
    // whose holders could not be read keeps its rows until a run reads it
    const unread = new Set(governedIds.filter((id) => !f.readRoleIds.has(id)));
    const gone = new Map<string, string[]>();
    for (const [key, u] of known) {
      if (seen.has(key) || u.removedAt !== null || unread.has(u.resourceRoleId)) continue;
      gone.set(u.resourceRoleId, [...(gone.get(u.resourceRoleId) ?? []), u.accountId]);
    }
    for (const [roleId, accountIds] of gone) await deleteUnmanaged(tx, roleId, accountIds);
    await deps.events.publish(tx, null, events, { at });
    await finishReconciliation(tx, run.id, {
      state, finishedAt: at, rolesChecked: f.rolesChecked, holdersChecked: f.holdersChecked, repaired: f.repaired.length,
      unmanaged: f.unmanaged.length, removed, error: f.failures.length === 0 ? null : summarize(f.failures),
    });
    return true;
  });
  if (!recorded) return undefined;
  return { outcome: state, repaired: f.repaired.length, unmanaged: f.unmanaged.length, removed } as const;
}

/** The run's error: how many things failed and the first few, so that a thousand failures stay one readable line. */
function summarize(failures: readonly string[]): string {
  const shown = failures.slice(0, 3).join('; ');
  return failures.length > 3 ? `${failures.length} failures, the first: ${shown}` : shown;
}
