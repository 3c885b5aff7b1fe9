import type { FastifyBaseLogger } from 'fastify';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import { isoNow, type Clock } from '../../domain/clock.js';
import type { Policy } from '../../domain/policy/types.js';
import { policyFromRow } from '../../store/policy-rows.js';
export { findPolicy } from '../policies.js';
import type { RequestType } from '../../domain/request-lifecycle.js';
import type { TemplateName } from '../../notifications/templates.js';
import { recordAudit, recordAudits, type AuditEntry } from '../../store/audit.js';
import type { Db, Tx } from '../../store/db.js';
import type { AssignmentRequestsTable, AssignmentsTable } from '../../store/schema.js';
import { auditContext, type Caller } from '../deps.js';

export type RequestRow = AssignmentRequestsTable;
export type AssignmentRow = AssignmentsTable;

export interface QueuedMail {
  to: string;
  template: TemplateName;
  data: Record<string, unknown>;
}

export interface NotificationPort {
  queue(tx: Tx | Db, email: QueuedMail): Promise<unknown>;
  queueMany(tx: Tx | Db, emails: readonly QueuedMail[]): Promise<unknown>;
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

/** Audit for lifecycle events; `caller` null means the system (worker, timers). */
export async function audit(tx: Tx, deps: { clock: Clock }, caller: Caller | null, e: AuditEntry): Promise<void> {
  await recordAudit(tx, auditContext(caller, isoNow(deps.clock)), e);
}

export async function auditMany(tx: Tx, deps: { clock: Clock }, caller: Caller | null, entries: readonly AuditEntry[]): Promise<void> {
  await recordAudits(tx, auditContext(caller, isoNow(deps.clock)), entries);
}

export interface MailContact {
  email: string;
  name: string;
}

/** Where mail for a user goes: their mail address, else their sign-in name. */
export async function emailOf(db: Db | Tx, userId: string | null): Promise<MailContact | undefined> {
  return userId ? (await emailsOf(db, [userId])).get(userId) : undefined;
}

/** emailOf for many users in one query, by user id. */
export async function emailsOf(db: Db | Tx, userIds: readonly string[]): Promise<Map<string, MailContact>> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'mail', 'userPrincipalName', 'displayName']).where('id', 'in', ids).execute();
  return new Map(rows.map((u) => [u.id, { email: u.mail ?? u.userPrincipalName, name: u.displayName }]));
}

export async function packageName(db: Db | Tx, accessPackageId: string): Promise<string> {
  return (await packageNames(db, [accessPackageId])).get(accessPackageId) ?? accessPackageId;
}

/** Display names of many packages in one query, by package id. */
export async function packageNames(db: Db | Tx, accessPackageIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(accessPackageIds)];
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('accessPackages').select(['id', 'displayName']).where('id', 'in', ids).execute();
  return new Map(rows.map((p) => [p.id, p.displayName]));
}

/** Policies by id, in one query; ids of deleted policies are simply absent. */
export async function policiesById(db: Db | Tx, policyIds: readonly (string | null)[]): Promise<Map<string, Policy>> {
  const ids = [...new Set(policyIds.filter((id): id is string => !!id))];
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('assignmentPolicies').selectAll().where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, policyFromRow(r)]));
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

/** A package's policies, read in the caller's transaction (SQLite has one connection: reading outside it would wait on it). */
export async function policiesOfPackage(tx: Tx, accessPackageId: string): Promise<Policy[]> {
  const rows = await tx.selectFrom('assignmentPolicies').selectAll().where('accessPackageId', '=', accessPackageId).orderBy('createdAt').execute();
  return rows.map(policyFromRow);
}
