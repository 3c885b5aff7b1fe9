import type { FastifyBaseLogger } from 'fastify';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { Clock } from '../../domain/clock.js';
import type { Db } from '../../store/db.js';
import type { EventBus } from '../events/bus.js';
import type { ConnectionTargets } from '../connections/targets.js';
export { findPolicy } from '../policies.js';

export type { RequestRow } from '../../store/requests.js';
export type { AssignmentRow } from '../../store/assignments.js';

export interface LifecycleDeps {
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  connectors: ConnectorRegistry;
  /** the clients of connected systems (LDAP, SCIM, PostgreSQL, webhooks) that resources with a connection are delivered into */
  connectionTargets: ConnectionTargets;
  /** the lifecycle's transactions, events (audit, mail) and jobs, see events/bus.ts */
  events: EventBus;
}

/** Limits of automatic retries before a grant is reported as failed. */
export const MAX_GRANT_ATTEMPTS = 5;

/**
 * The same limit for grants into a connected system, whose retryable failures are outages (the LDAP
 * server is down, the SCIM application answers 503, PostgreSQL refuses connections): five attempts
 * with the 2 s, 4 s, 8 s … backoff give up after half a minute, so a restart of the target would leave
 * failed requests that someone must reprocess. 150 attempts run the backoff to its 10-minute cap
 * (about 17 minutes for the first nine) and then every 10 minutes for about 23 hours more: an outage
 * of up to a day heals by itself, each attempt costing one call. Not-retryable failures (no account,
 * a refused role) still fail at once.
 */
export const MAX_CONNECTED_GRANT_ATTEMPTS = 150;

/**
 * Reminder columns for an assignment whose end was just set at `from`: a reminder whose moment (N days
 * before the end) has already passed is marked done, so a 7-day assignment is never told "your access
 * ends in 14 days" right after delivery; the others wait for the worker.
 */
export function reminderMarks(endAt: string | null, from: string): { reminded14At: string | null; reminded1At: string | null } {
  const moot = (days: number) => (endAt !== null && new Date(endAt).getTime() - days * 86_400_000 <= new Date(from).getTime() ? from : null);
  return { reminded14At: moot(14), reminded1At: moot(1) };
}
