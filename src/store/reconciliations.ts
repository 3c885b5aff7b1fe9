import { sql } from 'kysely';
import { ACTIVE_ASSIGNMENT_STATES } from '../domain/request-lifecycle.js';
import { chunks, IDS_PER_STATEMENT, ROWS_PER_INSERT } from './chunks.js';
import type { Db, Tx } from './db.js';
import type { ReconciliationsTable, ResourcesTable, UnmanagedAccessTable } from './schema.js';

// Reconciliation runs over a connection's governed roles (migration 0008) and what they read: the live
// grants of those roles with the linked accounts they went to, and the holders no grant explains
// (unmanaged_access). Everything a run needs from the database is read in a handful of set-based
// statements, whatever the number of memberships: one for the roles, one for the grants.

export type ReconciliationRow = ReconciliationsTable;
export type UnmanagedAccessRow = UnmanagedAccessTable;

/** The job of one run; its dedupe key is `reconcile:<run id>`. */
export const reconcileJobKey = (reconciliationId: string) => `reconcile:${reconciliationId}`;

export async function insertReconciliation(db: Db | Tx, row: ReconciliationRow): Promise<void> {
  await db.insertInto('reconciliations').values(row).execute();
}

export async function findReconciliation(db: Db | Tx, id: string): Promise<ReconciliationRow | undefined> {
  return db.selectFrom('reconciliations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The run of a connection still marked running, with whether its job has ended (it then never will finish). */
export async function findRunningReconciliation(db: Db | Tx, connectionId: string): Promise<(ReconciliationRow & { jobEnded: boolean }) | undefined> {
  const row = await db.selectFrom('reconciliations').selectAll().where('connectionId', '=', connectionId).where('state', '=', 'running')
    .orderBy('startedAt', 'desc').executeTakeFirst();
  if (!row) return undefined;
  const job = await db.selectFrom('jobs').select('doneAt').where('dedupeKey', '=', reconcileJobKey(row.id)).executeTakeFirst();
  return { ...row, jobEnded: !job || job.doneAt !== null };
}

export async function finishReconciliation(
  db: Db | Tx, id: string,
  patch: Pick<ReconciliationRow, 'state' | 'finishedAt' | 'rolesChecked' | 'holdersChecked' | 'repaired' | 'unmanaged' | 'removed' | 'error'>,
): Promise<void> {
  await db.updateTable('reconciliations').set(patch).where('id', '=', id).where('state', '=', 'running').execute();
}

/** A connection's runs, newest first. */
export async function listReconciliations(db: Db | Tx, connectionId: string, limit: number): Promise<ReconciliationRow[]> {
  return db.selectFrom('reconciliations').selectAll().where('connectionId', '=', connectionId)
    .orderBy('startedAt', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** A resource role a connection's catalogs govern, with the ids the target knows it by. */
export interface GovernedRole {
  resourceRoleId: string;
  roleOriginId: string;
  roleName: string;
  resourceId: string;
  resourceOriginId: string;
  resourceName: string;
  exclusive: number;
}

/** Every role of every catalog resource in the connection (any catalog). */
export async function listGovernedRoles(db: Db | Tx, connectionId: string): Promise<GovernedRole[]> {
  return db.selectFrom('resourceRoles')
    .innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
    .select([
      'resourceRoles.id as resourceRoleId', 'resourceRoles.originId as roleOriginId', 'resourceRoles.displayName as roleName',
      'resources.id as resourceId', 'resources.originId as resourceOriginId', 'resources.displayName as resourceName', 'resources.exclusive',
    ])
    .where('resources.connectionId', '=', connectionId)
    .orderBy('resources.originId').orderBy('resourceRoles.originId')
    .execute();
}

/** A live grant of a governed role, with the account it went to in the connection (null: none linked). */
export interface RoleHolding {
  grantId: string;
  resourceRoleId: string;
  userId: string;
  /** pending | delivered | revoking */
  state: string;
  /** whether the grant's assignment gives access now */
  active: number;
  accountId: string | null;
  display: string | null;
  /** a delivered grant: set while reconciliation's repair of it awaits the receiver's confirmation */
  confirmationDueAt: string | null;
}

/**
 * Every grant of the connection's roles that is delivered, or on its way in or out (pending,
 * revoking), in one statement led by grants_role_state_idx: what Latchkey says should (or may) be.
 */
export async function listRoleHoldings(db: Db | Tx, connectionId: string): Promise<RoleHolding[]> {
  const active = ACTIVE_ASSIGNMENT_STATES as readonly string[];
  return db.selectFrom('grants')
    .innerJoin('resourceRoles', 'resourceRoles.id', 'grants.resourceRoleId')
    .innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
    .innerJoin('assignments', 'assignments.id', 'grants.assignmentId')
    .leftJoin('connectionAccounts', (j) => j.onRef('connectionAccounts.connectionId', '=', 'resources.connectionId').onRef('connectionAccounts.userId', '=', 'grants.targetId'))
    .select([
      'grants.id as grantId', 'grants.resourceRoleId', 'grants.targetId as userId', 'grants.state',
      sql<number>`case when ${sql.ref('assignments.state')} in (${sql.join([...active])}) then 1 else 0 end`.as('active'),
      'connectionAccounts.accountId', 'connectionAccounts.display', 'grants.confirmationDueAt',
    ])
    .where('resources.connectionId', '=', connectionId)
    .where('grants.state', 'in', ['pending', 'delivered', 'revoking'])
    .execute();
}

/** The unmanaged holders already known for these roles (to tell the new ones, which are audited). */
export async function listUnmanagedOfRoles(db: Db | Tx, resourceRoleIds: readonly string[]): Promise<UnmanagedAccessRow[]> {
  const out: UnmanagedAccessRow[] = [];
  for (const ids of chunks(resourceRoleIds, IDS_PER_STATEMENT)) {
    out.push(...(await db.selectFrom('unmanagedAccess').selectAll().where('resourceRoleId', 'in', ids).execute()));
  }
  return out;
}

/**
 * Records holders seen now: new ones with first seen = last seen = `at`, known ones with last seen
 * moved on (and, if an earlier run had removed them, back to not removed: someone put them back).
 */
export async function upsertUnmanaged(db: Db | Tx, rows: readonly { resourceRoleId: string; accountId: string; display: string }[], at: string): Promise<void> {
  for (const batch of chunks(rows, ROWS_PER_INSERT)) {
    await db.insertInto('unmanagedAccess')
      .values(batch.map((r) => ({ ...r, firstSeenAt: at, lastSeenAt: at, removedAt: null })))
      .onConflict((oc) => oc.columns(['resourceRoleId', 'accountId']).doUpdateSet((eb) => ({
        lastSeenAt: eb.ref('excluded.lastSeenAt'), display: eb.ref('excluded.display'), removedAt: null,
      })))
      .execute();
  }
}

/** Marks holders that reconciliation removed from the target (an exclusive resource); the rows stay as the record. */
export async function markUnmanagedRemoved(db: Db | Tx, resourceRoleId: string, accountIds: readonly string[], at: string): Promise<void> {
  for (const ids of chunks(accountIds, IDS_PER_STATEMENT)) {
    await db.updateTable('unmanagedAccess').set({ removedAt: at }).where('resourceRoleId', '=', resourceRoleId).where('accountId', 'in', ids).execute();
  }
}

/**
 * Deletes unmanaged holders a run no longer saw (someone removed them, or a grant now explains them),
 * by role and account. The caller leaves out removed holders: their rows are the record of what
 * reconciliation took away.
 */
export async function deleteUnmanaged(db: Db | Tx, resourceRoleId: string, accountIds: readonly string[]): Promise<void> {
  for (const ids of chunks(accountIds, IDS_PER_STATEMENT)) {
    await db.deleteFrom('unmanagedAccess').where('resourceRoleId', '=', resourceRoleId).where('accountId', 'in', ids).where('removedAt', 'is', null).execute();
  }
}

/** The unmanaged holders of a resource's roles, by role and account, with the role's name. */
export async function listUnmanagedOfResource(db: Db | Tx, resourceId: string): Promise<(UnmanagedAccessRow & { roleName: string })[]> {
  return db.selectFrom('unmanagedAccess')
    .innerJoin('resourceRoles', 'resourceRoles.id', 'unmanagedAccess.resourceRoleId')
    .selectAll('unmanagedAccess').select('resourceRoles.displayName as roleName')
    .where('resourceRoles.resourceId', '=', resourceId)
    .orderBy('resourceRoles.displayName').orderBy('unmanagedAccess.accountId')
    .execute();
}

/** A catalog resource by id (its connection and whether it is exclusive included). */
export async function findReconciledResource(db: Db | Tx, resourceId: string): Promise<ResourcesTable | undefined> {
  return db.selectFrom('resources').selectAll().where('id', '=', resourceId).executeTakeFirst();
}

/** The newest run of a connection, if any. */
export async function findLatestReconciliation(db: Db | Tx, connectionId: string): Promise<ReconciliationRow | undefined> {
  return db.selectFrom('reconciliations').selectAll().where('connectionId', '=', connectionId).orderBy('startedAt', 'desc').orderBy('id', 'desc').executeTakeFirst();
}

export async function setResourceExclusive(db: Db | Tx, resourceId: string, exclusive: boolean, at: string): Promise<void> {
  await db.updateTable('resources').set({ exclusive: exclusive ? 1 : 0, modifiedAt: at }).where('id', '=', resourceId).execute();
}

/**
 * Claims a connection's due scheduled reconciliation: moves next_reconcile_at on to `next` (null: no
 * schedule) only if it is still due, so that of two workers scanning at once only one starts the run.
 */
export async function claimScheduledReconciliation(tx: Tx, connectionId: string, at: string, next: string | null): Promise<boolean> {
  const r = await tx.updateTable('connections').set({ nextReconcileAt: next })
    .where('id', '=', connectionId).where('nextReconcileAt', '<=', at).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
