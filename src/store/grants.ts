import { ACTIVE_ASSIGNMENT_STATES } from '../domain/request-lifecycle.js';
import { sql } from 'kysely';
import { chunks, IDS_PER_STATEMENT } from './chunks.js';
import type { Db, Tx } from './db.js';
import { notAnIndexKey } from './planner.js';
import type { GrantsTable } from './schema.js';

// Grants: one row per resource role an assignment gives, each with its own delivery state, attempts and
// last error. Delivery (services/fulfilment/fulfil.ts) and revocation (revoke.ts) move them along.

export type GrantRow = GrantsTable;

/** A grant as the worker carries it out: the role, resource and scope it stands for, by their ids in the target system. */
export interface GrantWork {
  id: string;
  assignmentId: string;
  targetId: string;
  state: string;
  attempts: number;
  roleOriginId: string;
  resourceOriginId: string;
  originSystem: string;
  scopeOriginId: string;
  isRootScope: number;
  resourceRoleId: string;
  resourceScopeId: string;
  nextAttemptAt: string | null;
  /** the connection the resource lives in; null: a built-in connector (the directory) */
  connectionId: string | null;
  /** set while a delivery the target accepted for later (a webhook's 202) waits for its confirmation */
  confirmationDueAt: string | null;
  /** the key chosen for this grant's delivery when it was scheduled again (null: the first one's) */
  deliveryId: string | null;
}

/** A grant's holder as the target system knows it, for the shared-access check. */
export interface GrantHolder {
  assignmentId: string;
  targetId: string;
  connectionId: string | null;
  originSystem: string;
  resourceOriginId: string;
  roleOriginId: string;
  scopeOriginId: string;
}

/** Grants with the role, resource and scope they stand for, as the connectors know them. */
function grantsWithRoles(db: Db | Tx) {
  return db
    .selectFrom('grants')
    .innerJoin('resourceRoles', 'resourceRoles.id', 'grants.resourceRoleId')
    .innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
    .innerJoin('resourceScopes', 'resourceScopes.id', 'grants.resourceScopeId');
}

/** The grants of these assignments in one state, with what the connectors need to carry them out. */
export async function listGrantWork(db: Db | Tx, assignmentIds: readonly string[], state: 'pending' | 'revoking'): Promise<GrantWork[]> {
  if (assignmentIds.length === 0) return [];
  return grantWorkQuery(db, assignmentIds, state).execute() as Promise<GrantWork[]>;
}

export function grantWorkQuery(db: Db | Tx, assignmentIds: readonly string[], state: 'pending' | 'revoking') {
  return grantsWithRoles(db)
    .select([
      'grants.id', 'grants.assignmentId', 'grants.targetId', 'grants.state', 'grants.attempts', 'grants.resourceRoleId', 'grants.resourceScopeId', 'grants.nextAttemptAt',
      'resourceRoles.originId as roleOriginId', 'resources.originId as resourceOriginId', 'resources.originSystem',
      'resourceScopes.originId as scopeOriginId', 'resourceScopes.isRootScope', 'resources.connectionId', 'grants.confirmationDueAt', 'grants.deliveryId',
    ])
    .where('grants.assignmentId', 'in', [...assignmentIds]).where(notAnIndexKey('grants.state'), '=', state);
}

/** Live grants (pending, delivered) of active assignments that give these people roles with these origin ids. */
export async function listActiveHolders(db: Db | Tx, targetIds: readonly string[], roleOriginIds: readonly string[]): Promise<GrantHolder[]> {
  return activeHoldersQuery(db, targetIds, roleOriginIds).execute();
}

export function activeHoldersQuery(db: Db | Tx, targetIds: readonly string[], roleOriginIds: readonly string[]) {
  return grantsWithRoles(db)
    .innerJoin('assignments', 'assignments.id', 'grants.assignmentId')
    .select(['grants.assignmentId', 'grants.targetId', 'resources.connectionId', 'resources.originSystem', 'resources.originId as resourceOriginId', 'resourceRoles.originId as roleOriginId', 'resourceScopes.originId as scopeOriginId'])
    .where('grants.targetId', 'in', [...targetIds])
    .where('resourceRoles.originId', 'in', [...roleOriginIds])
    .where(notAnIndexKey('grants.state'), 'in', ['pending', 'delivered'])
    .where('assignments.state', 'in', [...ACTIVE_ASSIGNMENT_STATES]);
}

/** Inserts new grants. */
export async function insertGrants(tx: Tx, rows: readonly GrantRow[]): Promise<void> {
  if (rows.length > 0) await tx.insertInto('grants').values([...rows]).execute();
}

/** A grant's state and attempts, if it still exists. */
export async function findGrantProgress(db: Db | Tx, id: string): Promise<Pick<GrantRow, 'state' | 'attempts'> | undefined> {
  return db.selectFrom('grants').select(['state', 'attempts']).where('id', '=', id).executeTakeFirst();
}

/** The states of an assignment's grants. */
export async function listGrantStates(db: Db | Tx, assignmentId: string): Promise<Pick<GrantRow, 'state'>[]> {
  return db.selectFrom('grants').select('state').where('assignmentId', '=', assignmentId).execute();
}

/** The grants of these assignments still being revoked. */
export async function listRevokingGrants(db: Db | Tx, assignmentIds: readonly string[]): Promise<Pick<GrantRow, 'assignmentId' | 'attempts' | 'confirmationDueAt'>[]> {
  return revokingGrantsQuery(db, assignmentIds).execute();
}

export function revokingGrantsQuery(db: Db | Tx, assignmentIds: readonly string[]) {
  return db.selectFrom('grants').select(['assignmentId', 'attempts', 'confirmationDueAt']).where('assignmentId', 'in', [...assignmentIds]).where(notAnIndexKey('state'), '=', 'revoking');
}

/** Writes changed columns of one grant. */
export async function updateGrant(db: Db | Tx, id: string, patch: Partial<Omit<GrantRow, 'id'>>): Promise<void> {
  await db.updateTable('grants').set(patch).where('id', '=', id).execute();
}

/** Marks the live grants (pending, delivered, failed) of ended assignments revoking. */
export async function markGrantsRevoking(tx: Tx, assignmentIds: readonly string[], at: string): Promise<void> {
  await markGrantsRevokingQuery(tx, assignmentIds, at).execute();
}

export function markGrantsRevokingQuery(tx: Db | Tx, assignmentIds: readonly string[], at: string) {
  // a grant still awaiting its confirmation stops waiting: its revoke goes out (a late confirmation changes nothing)
  return tx.updateTable('grants').set({ state: 'revoking', nextAttemptAt: null, confirmationDueAt: null, modifiedAt: at })
    .where('assignmentId', 'in', [...assignmentIds]).where(notAnIndexKey('state'), 'in', ['pending', 'delivered', 'failed']);
}

/** Marks an assignment's live grants of one role and scope revoking; returns how many. */
export async function markRoleGrantsRevoking(tx: Tx, assignmentId: string, roleId: string, scopeId: string, at: string): Promise<number> {
  const n = await tx.updateTable('grants').set({ state: 'revoking', confirmationDueAt: null, modifiedAt: at })
    .where('assignmentId', '=', assignmentId).where('resourceRoleId', '=', roleId).where('resourceScopeId', '=', scopeId)
    .where('state', 'in', ['pending', 'delivered', 'failed']).executeTakeFirst();
  return Number(n.numUpdatedRows);
}

/** Marks grants that were being revoked revoked. */
export async function markGrantsRevoked(tx: Tx, ids: readonly string[], at: string): Promise<void> {
  for (const chunk of chunks(ids, IDS_PER_STATEMENT)) await markGrantsRevokedQuery(tx, chunk, at).execute();
}

export function markGrantsRevokedQuery(tx: Db | Tx, ids: readonly string[], at: string) {
  return tx.updateTable('grants').set({ state: 'revoked', revokedAt: at, lastError: null, modifiedAt: at })
    .where('id', 'in', [...ids]).where(notAnIndexKey('state'), '=', 'revoking');
}

/**
 * Puts an assignment's grants in these states back to pending with fresh attempts, each with the delivery
 * id `<grant id><deliverySuffix>` for the delivery this schedules (its retries keep it); returns how many.
 */
export async function resetGrants(tx: Tx, assignmentId: string, states: readonly string[], at: string, deliverySuffix: string): Promise<number> {
  const r = await tx.updateTable('grants')
    .set({ state: 'pending', attempts: 0, nextAttemptAt: null, confirmationDueAt: null, modifiedAt: at, deliveryId: sql<string>`${sql.ref('id')} || ${deliverySuffix}` })
    .where('assignmentId', '=', assignmentId).where('state', 'in', [...states]).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Records reconciliation's repair of a delivered grant: awaiting the receiver's confirmation of this
 * delivery id until its due time, or done (null), which clears the error of an earlier repair that
 * failed. A grant no longer delivered (being revoked, applied again) is left as it is.
 */
export async function recordRepair(tx: Tx, grantId: string, awaiting: { deliveryId: string; confirmationDueAt: string } | null, at: string): Promise<void> {
  await tx.updateTable('grants')
    .set(awaiting ? { ...awaiting, modifiedAt: at } : { lastError: null, confirmationDueAt: null, modifiedAt: at })
    .where('id', '=', grantId).where('state', '=', 'delivered').execute();
}

/**
 * A grant with the connection of its resource (a confirmation names the grant; it must come from that
 * connection), the resource and role it gives and the account it went to (the audit of a repair's confirmation).
 */
export async function findGrantOfConnection(db: Db | Tx, id: string): Promise<(GrantRow & GrantPlace) | undefined> {
  return db.selectFrom('grants')
    .innerJoin('resourceRoles', 'resourceRoles.id', 'grants.resourceRoleId')
    .innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
    .leftJoin('connectionAccounts', (j) => j.onRef('connectionAccounts.connectionId', '=', 'resources.connectionId').onRef('connectionAccounts.userId', '=', 'grants.targetId'))
    .selectAll('grants')
    .select(['resources.connectionId', 'resources.displayName as resourceName', 'resourceRoles.displayName as roleName', 'resourceRoles.resourceId',
      'connectionAccounts.accountId', 'connectionAccounts.display as accountDisplay'])
    .where('grants.id', '=', id).executeTakeFirst();
}

export interface GrantPlace {
  connectionId: string | null;
  resourceId: string;
  resourceName: string;
  roleName: string;
  /** the linked account in the connection (null: none) */
  accountId: string | null;
  accountDisplay: string | null;
}

/** Grants whose accepted-for-later delivery was not confirmed by its due time, oldest first. */
export async function listOverdueConfirmations(db: Db | Tx, now: string, limit: number, grantId?: string): Promise<Pick<GrantRow, 'id' | 'assignmentId' | 'state' | 'attempts' | 'deliveryId' | 'confirmationDueAt'>[]> {
  let q = db.selectFrom('grants').select(['id', 'assignmentId', 'state', 'attempts', 'deliveryId', 'confirmationDueAt'])
    .where('confirmationDueAt', '<=', now).where('state', 'in', ['pending', 'revoking']);
  if (grantId) q = q.where('id', '=', grantId);
  return q.orderBy('confirmationDueAt').limit(limit).execute();
}
