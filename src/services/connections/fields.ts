import { isZeroDuration, parseDuration } from '../../domain/duration.js';
import { ValidationError } from '../../domain/errors.js';
import type { ModifiedProperty } from '../../store/audit.js';

// The fields every connection has besides its kind's settings and secrets, checked the same way by
// create and update (the route schemas check types; these the ranges, with the field named).

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_RECONCILE_INTERVAL = 'PT1H';
export const TIMEOUT_RANGE = { min: 100, max: 600_000 } as const;
export const CONCURRENCY_RANGE = { min: 1, max: 64 } as const;

export function checkDisplayName(value: string): string {
  const name = value.trim();
  if (!name) throw new ValidationError("'displayName' must not be empty.", 'displayName');
  if (name.length > 256) throw new ValidationError("'displayName' must be at most 256 characters.", 'displayName');
  return name;
}

export function checkInteger(value: number, field: 'timeoutMs' | 'concurrency'): number {
  const range = field === 'timeoutMs' ? TIMEOUT_RANGE : CONCURRENCY_RANGE;
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new ValidationError(`'${field}' must be a whole number from ${range.min} to ${range.max}.`, field);
  }
  return value;
}

/** The interval as stored (trimmed, upper-cased) or null (reconciled on demand only); a zero interval is refused. */
export function checkReconcileInterval(value: string | null): string | null {
  if (value === null) return null;
  const d = parseDuration(value, 'reconcileInterval');
  if (isZeroDuration(d)) throw new ValidationError("'reconcileInterval' must be longer than zero; null reconciles on demand only.", 'reconcileInterval');
  return value.trim().toUpperCase();
}

export { nextReconcileAt } from '../../domain/reconcile-schedule.js';

/** The audit lines of secrets set or replaced: their names, never their values. */
export function secretChanges(names: readonly string[], replaced: boolean): ModifiedProperty[] {
  return names.map((name) => ({ displayName: `secrets.${name}`, oldValue: replaced ? '(set)' : null, newValue: '(set)' }));
}

/**
 * Why a connection cannot be reconciled at all, or undefined when it can: a webhook cannot be asked who
 * holds a role unless its settings name a holdersUrl. Such a connection gets no reconciliation schedule
 * by default (its hourly runs would only fail), and a run asked for says this instead of failing per role.
 */
export function reconcileUnavailable(kind: string, settings: unknown): string | undefined {
  if (kind !== 'webhook') return undefined;
  const holdersUrl = (settings as { holdersUrl?: unknown } | null)?.holdersUrl;
  if (typeof holdersUrl === 'string' && holdersUrl) return undefined;
  return 'Reconciliation needs settings.holdersUrl: a webhook connection cannot be asked who holds its roles without one.';
}
