// The start and end of a direct assignment, checked in the form as the server checks them
// (src/domain/schedule.ts initialSchedule): a start in the past means now, the end must come after the
// start, and the end may not be later than the policy's expiration allows from the start. Administrators
// cannot override that limit either: the form says so in words before the server refuses with an ISO date.

import { formatDate } from '../../components/ui';
import type { Policy } from './types';

type Expiration = Policy['expiration'];

/** The latest end the policy allows for access starting at `start`; null: never expires; undefined: a duration the form cannot read. */
export function policyLimit(expiration: Expiration, start: Date): Date | null | undefined {
  if (expiration.type === 'afterDateTime') return expiration.endDateTime ? new Date(expiration.endDateTime) : null;
  if (expiration.type !== 'afterDuration') return null;
  return addIsoDuration(start, expiration.duration);
}

/**
 * `start` plus an ISO-8601 duration as the server adds it (src/domain/duration.ts addDuration): years and
 * months move the calendar date in UTC (the day capped at the month's last), the rest is elapsed time.
 */
export function addIsoDuration(start: Date, iso: string | null | undefined): Date | undefined {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/i.exec((iso ?? '').trim());
  if (!m || /^PT?$/i.test((iso ?? '').trim())) return undefined;
  const [y, mo, w, d, h, mi, sec] = m.slice(1).map((x) => (x ? Number(x.replace(',', '.')) : 0));
  const totalMonths = start.getUTCMonth() + mo + y * 12;
  const year = start.getUTCFullYear() + Math.floor(totalMonths / 12);
  const month = totalMonths % 12;
  const day = Math.min(start.getUTCDate(), new Date(Date.UTC(year, month + 1, 0)).getUTCDate());
  const shifted = Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds(), start.getUTCMilliseconds());
  return new Date(shifted + Math.round(((w * 7 + d) * 86_400 + h * 3600 + mi * 60 + sec) * 1000));
}

/** A server message with its ISO instants written as dates and times, for when the form cannot word it itself. */
export function readableDates(message: string): string {
  return message.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z/g, (iso) => formatDate(iso));
}

/** Hint under the policy: its expiration and that an end may shorten it, never lengthen it. */
export function limitHint(expirationText: string, expiration: Expiration): string {
  if (expiration.type !== 'afterDateTime' && expiration.type !== 'afterDuration') return `Expiration: ${expirationText}. An end date below ends the assignment earlier.`;
  return `Expiration: ${expirationText}. An end date below may end the assignment earlier, not later: administrators cannot override the policy’s limit.`;
}

/** Why an end beyond the policy's limit is refused, in words. */
export function beyondLimitText(policyName: string, limit: Date): string {
  return `Policy “${policyName}” ends access by ${formatDate(limit.toISOString())} at the latest for this start. Choose an earlier end, or leave it empty to end then; administrators cannot override the policy’s limit.`;
}

export interface ScheduleCheck {
  errors: { start?: string; end?: string };
  /** null: now */
  startAt: Date | null;
  /** null: the policy's expiration */
  endAt: Date | null;
}

/** Checks the form's datetime-local values (local time, 'YYYY-MM-DDTHH:mm'; empty: not set) against the policy. */
export function checkDirectSchedule(policy: Pick<Policy, 'displayName' | 'expiration'> | undefined, start: string, end: string, now = new Date()): ScheduleCheck {
  const errors: ScheduleCheck['errors'] = {};
  const startValue = start ? new Date(start) : null;
  const endValue = end ? new Date(end) : null;
  if (startValue && Number.isNaN(startValue.getTime())) errors.start = 'Enter the start as a date and a time.';
  if (endValue && Number.isNaN(endValue.getTime())) errors.end = 'Enter the end as a date and a time.';
  if (errors.start || errors.end) return { errors, startAt: null, endAt: null };
  // a start up to now (the minute being typed) means now; the server treats a past start the same way
  const startAt = startValue && startValue.getTime() > now.getTime() ? startValue : null;
  if (startValue && startValue.getTime() < now.getTime() - 60_000) errors.start = 'The start cannot be in the past; leave it empty to start now.';
  const from = startAt ?? now;
  if (endValue && endValue.getTime() <= now.getTime()) errors.end = 'The end must be in the future.';
  else if (endValue && endValue.getTime() <= from.getTime()) errors.end = 'The end must be after the start.';
  else if (endValue && policy) {
    const limit = policyLimit(policy.expiration, from);
    if (limit && endValue.getTime() > limit.getTime()) errors.end = beyondLimitText(policy.displayName, limit);
  }
  if (!errors.start && !errors.end && policy && !endValue) {
    // an afterDateTime policy may already have ended for a late start: the server refuses that too
    const limit = policyLimit(policy.expiration, from);
    if (limit && limit.getTime() <= from.getTime()) errors.start = `Policy “${policy.displayName}” ends access on ${formatDate(limit.toISOString())}, before this start.`;
  }
  return { errors, startAt, endAt: endValue };
}
