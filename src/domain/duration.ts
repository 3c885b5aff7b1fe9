// ISO-8601 durations as Graph sends them (Edm.Duration): PnYnMnDTnHnMnS and PnW.
// Used for the tenant settings and, by the lifecycle engine, for expirations and approval deadlines.
// Years and months are calendar units, so a duration is kept as its parts and added to a date
// field by field rather than converted to a number of milliseconds.

import { ValidationError } from './errors.js';

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  /** may carry a fraction, e.g. PT1.5S */
  seconds: number;
}

export const ZERO_DURATION: Readonly<Duration> = Object.freeze({ years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 });

// Components are capped at 9 digits: larger values cannot name a real date and would overflow Date.
const N = '(\\d{1,9})';
const DATE_TIME = new RegExp(`^P(?:${N}Y)?(?:${N}M)?(?:${N}D)?(?:T(?:${N}H)?(?:${N}M)?(?:(\\d{1,9}(?:[.,]\\d{1,9})?)S)?)?$`);
const WEEKS = new RegExp(`^P${N}W$`);

/** Parses an ISO-8601 duration, or returns undefined when the text is not one (negative durations are not). */
export function tryParseDuration(text: string): Duration | undefined {
  if (typeof text !== 'string') return undefined;
  const s = text.trim().toUpperCase();
  const w = WEEKS.exec(s);
  if (w) return { ...ZERO_DURATION, weeks: Number(w[1]) };
  const m = DATE_TIME.exec(s);
  // "P" and "PT" alone match the pattern but name no component; ISO requires at least one
  if (!m || s === 'P' || s.endsWith('T')) return undefined;
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i].replace(',', '.')));
  return { years: n(1), months: n(2), weeks: 0, days: n(3), hours: n(4), minutes: n(5), seconds: n(6) };
}

/** Parses an ISO-8601 duration; a 400 naming `field` when the value is not a non-negative duration. */
export function parseDuration(text: unknown, field = 'duration'): Duration {
  const d = typeof text === 'string' ? tryParseDuration(text) : undefined;
  if (d) return d;
  const negative = typeof text === 'string' && text.trim().startsWith('-');
  throw new ValidationError(
    negative
      ? `'${field}' must not be a negative duration, got '${text}'.`
      : `'${field}' must be an ISO-8601 duration such as 'P30D', 'PT12H' or 'P2W', got ${JSON.stringify(text)}.`,
    field,
  );
}

export function isZeroDuration(d: Duration): boolean {
  return d.years === 0 && d.months === 0 && d.weeks === 0 && d.days === 0 && d.hours === 0 && d.minutes === 0 && d.seconds === 0;
}

/** Canonical text of a duration: weeks alone as PnW, otherwise PnYnMnDTnHnMnS with zero parts left out; zero is PT0S. */
export function durationToString(d: Duration): string {
  if (isZeroDuration(d)) return 'PT0S';
  const onlyWeeks = d.weeks > 0 && d.years === 0 && d.months === 0 && d.days === 0 && d.hours === 0 && d.minutes === 0 && d.seconds === 0;
  if (onlyWeeks) return `P${d.weeks}W`;
  const days = d.days + d.weeks * 7;
  let out = 'P';
  if (d.years) out += `${d.years}Y`;
  if (d.months) out += `${d.months}M`;
  if (days) out += `${days}D`;
  if (d.hours || d.minutes || d.seconds) {
    out += 'T';
    if (d.hours) out += `${d.hours}H`;
    if (d.minutes) out += `${d.minutes}M`;
    if (d.seconds) out += `${d.seconds}S`;
  }
  return out;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * The instant `d` after `start`, in UTC. Years and months move the calendar date and clamp to the end
 * of a shorter month (31 January + P1M = 28 or 29 February, never 2 or 3 March); weeks and days are
 * calendar days (in UTC always 24 hours); the time part is then added exactly.
 */
export function addDuration(start: Date | string, d: Duration): Date {
  const base = new Date(start);
  if (Number.isNaN(base.getTime())) throw new RangeError(`addDuration: invalid start '${String(start)}'`);
  const totalMonths = base.getUTCMonth() + d.months + d.years * 12;
  const year = base.getUTCFullYear() + Math.floor(totalMonths / 12);
  const month = totalMonths % 12;
  const day = Math.min(base.getUTCDate(), daysInMonth(year, month));
  const shifted = Date.UTC(year, month, day, base.getUTCHours(), base.getUTCMinutes(), base.getUTCSeconds(), base.getUTCMilliseconds());
  const ms = ((d.weeks * 7 + d.days) * 24 * 3600 + d.hours * 3600 + d.minutes * 60 + d.seconds) * 1000;
  const out = new Date(shifted + Math.round(ms));
  if (Number.isNaN(out.getTime())) throw new RangeError('addDuration: the result is outside the range of dates');
  return out;
}
