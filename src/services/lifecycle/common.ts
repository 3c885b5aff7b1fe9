import type { FastifyBaseLogger } from 'fastify';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import { isoNow, type Clock } from '../../domain/clock.js';
import type { Policy } from '../../domain/policy/types.js';
export { findPolicy } from '../policies.js';
import type { RequestType } from '../../domain/request-lifecycle.js';
import type { TemplateName } from '../../notifications/templates.js';
import { recordAudit, recordAudits, type AuditEntry } from '../../store/audit.js';
import type { Db, Tx } from '../../store/db.js';
import { auditContext, type Caller } from '../deps.js';

export type { RequestRow } from '../../store/requests.js';
export type { AssignmentRow } from '../../store/assignments.js';

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
