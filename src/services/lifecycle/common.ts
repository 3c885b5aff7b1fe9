import type { FastifyBaseLogger } from 'fastify';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { Clock } from '../../domain/clock.js';
import { policyFromRow, type Policy } from '../../domain/policy.js';
export { findPolicy } from '../policies.js';
import type { RequestType } from '../../domain/request-lifecycle.js';
import type { TemplateName } from '../../notifications/templates.js';
import { recordAudit, type AuditEntry } from '../../store/audit.js';
import type { Db, Tx } from '../../store/db.js';
import type { AssignmentRequestsTable, AssignmentsTable } from '../../store/schema.js';
import { auditContext, type Caller } from '../deps.js';

export type RequestRow = AssignmentRequestsTable;
export type AssignmentRow = AssignmentsTable;

export interface NotificationPort {
  queue(tx: Tx | Db, email: { to: string; template: TemplateName; data: Record<string, unknown> }): Promise<unknown>;
}

export interface LifecycleDeps {
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  connectors: ConnectorRegistry;
  notifications: NotificationPort;
  /** asks the worker to run now rather than at its next poll (wired once a worker exists) */
  kick: () => void;
}

/** Limits of automatic retries before a grant is reported as failed. */
export const MAX_GRANT_ATTEMPTS = 5;

export const now = (deps: { clock: Clock }) => deps.clock.now().toISOString();

/** Audit for lifecycle events; `caller` null means the system (worker, timers). */
export async function audit(tx: Tx, deps: { clock: Clock }, caller: Caller | null, e: AuditEntry): Promise<void> {
  await recordAudit(tx, auditContext(caller, now(deps)), e);
}

/** Where mail for a user goes: their mail address, else their sign-in name. */
export async function emailOf(db: Db | Tx, userId: string | null): Promise<{ email: string; name: string } | undefined> {
  if (!userId) return undefined;
  const u = await db.selectFrom('users').select(['mail', 'userPrincipalName', 'displayName']).where('id', '=', userId).executeTakeFirst();
  return u ? { email: u.mail ?? u.userPrincipalName, name: u.displayName } : undefined;
}

export async function packageName(db: Db | Tx, accessPackageId: string): Promise<string> {
  const p = await db.selectFrom('accessPackages').select('displayName').where('id', '=', accessPackageId).executeTakeFirst();
  return p?.displayName ?? accessPackageId;
}

/** Emails about an assignment's life (delivered, near expiry, ended) are off for admin assignments and when the policy says so. */
export function assignmentMailWanted(requestType: RequestType | string | null, policy: Policy | undefined): boolean {
  if (requestType === 'adminAdd' || requestType === 'adminUpdate') return false;
  return !policy?.notificationSettings.isAssignmentNotificationDisabled;
}

/**
 * Reminder columns for an assignment whose end was just set at `from`: a reminder whose moment (N days
 * before the end) has already passed is marked done, so a 7-day assignment is never told "your access
 * ends in 14 days" right after delivery; the others wait for the worker.
 */
export function reminderMarks(endAt: string | null, from: string): { reminded14At: string | null; reminded1At: string | null } {
  const moot = (days: number) => (endAt !== null && new Date(endAt).getTime() - days * 86_400_000 <= new Date(from).getTime() ? from : null);
  return { reminded14At: moot(14), reminded1At: moot(1) };
}

export { parseJsonOr as parseJson } from '../../domain/json.js';

/** A package's policies, read in the caller's transaction (SQLite has one connection: reading outside it would wait on it). */
export async function policiesOfPackage(tx: Tx, accessPackageId: string): Promise<Policy[]> {
  const rows = await tx.selectFrom('assignmentPolicies').selectAll().where('accessPackageId', '=', accessPackageId).orderBy('createdAt').execute();
  return rows.map(policyFromRow);
}
