// When an assignment starts and ends: the policy's expiration applied to a request's (optional)
// custom schedule, for new assignments and for extensions. Pure: `now` is passed in.

import { addDuration, parseDuration } from './duration.js';
import { ValidationError } from './errors.js';
import { accessEndFrom, extensionOffer } from './extension.js';
import { dateTimeAt } from './policy/fields.js';
import { EXPIRATION_TYPES, neverExpires, type ExpirationPattern, type Policy } from './policy/types.js';
import { isObj } from './json.js';

export interface Schedule {
  startAt: string;
  /** ISO UTC; null = never expires */
  endAt: string | null;
}

/** What a request body's `schedule` asks for, parsed; undefined parts were not sent. */
interface RequestedSchedule {
  startAt?: string;
  expiration?: ExpirationPattern;
}


function parseRequested(requested: unknown): RequestedSchedule {
  if (requested === undefined || requested === null) return {};
  if (!isObj(requested)) throw new ValidationError("'schedule' must be an object such as { \"startDateTime\": …, \"expiration\": { \"type\": \"afterDateTime\", \"endDateTime\": … } }.", 'schedule');
  for (const k of Object.keys(requested)) {
    if (!k.startsWith('@odata.') && !['startDateTime', 'expiration', 'recurrence'].includes(k)) {
      throw new ValidationError(`'schedule.${k}' is not a known property; expected startDateTime, expiration.`, `schedule.${k}`);
    }
  }
  if (requested.recurrence !== undefined && requested.recurrence !== null) {
    throw new ValidationError("'schedule.recurrence' is not supported for assignments.", 'schedule.recurrence');
  }
  const out: RequestedSchedule = {};
  if (requested.startDateTime !== undefined && requested.startDateTime !== null) out.startAt = dateTimeAt(requested.startDateTime, 'schedule.startDateTime');
  const e = requested.expiration;
  if (e !== undefined && e !== null) {
    if (!isObj(e)) throw new ValidationError("'schedule.expiration' must be an object.", 'schedule.expiration');
    const rawType = e.type ?? (e.endDateTime ? 'afterDateTime' : e.duration ? 'afterDuration' : 'notSpecified');
    const type = EXPIRATION_TYPES.find((t) => typeof rawType === 'string' && t.toLowerCase() === rawType.toLowerCase());
    if (!type) throw new ValidationError(`Invalid value ${JSON.stringify(rawType)} for 'schedule.expiration.type'; expected one of: ${EXPIRATION_TYPES.join(', ')}.`, 'schedule.expiration.type');
    if (type === 'afterDateTime') out.expiration = { type, endDateTime: dateTimeAt(e.endDateTime, 'schedule.expiration.endDateTime'), duration: null };
    else if (type === 'afterDuration') {
      parseDuration(e.duration, 'schedule.expiration.duration');
      out.expiration = { type, endDateTime: null, duration: String(e.duration) };
    } else if (type === 'noExpiration') out.expiration = { type, endDateTime: null, duration: null };
    // notSpecified: the policy decides, as if no expiration had been sent
  }
  return out;
}

/** The latest end the policy allows for access counted from `from`; null when it never expires. */
export function policyEnd(expiration: ExpirationPattern, from: Date): string | null {
  if (neverExpires(expiration)) return null;
  if (expiration.type === 'afterDateTime') return expiration.endDateTime;
  return accessEndFrom(expiration, from);
}

const EXTENSION_REFUSAL_CODE = { neverExpires: 'NothingToExtend', notYet: 'ExtensionWindowNotOpen', noLater: 'NothingToExtend' } as const;

/** The holder's extension must be inside the window the policy allows (extensionOffer, shared with My Access). */
function requireExtensionWindow(policy: Policy, current: Schedule & { endAt: string }, now: Date): void {
  const offer = extensionOffer(policy.expiration, current, now);
  if (offer.canExtend) return;
  const message = offer.why === 'notYet'
    ? `Access under policy '${policy.displayName}' can be extended from ${offer.opensAt}, in the last part of it before it ends on ${current.endAt} (the last 14 days, or the last half of a shorter access).`
    : offer.why === 'noLater'
      ? `Policy '${policy.displayName}' ends access on ${offer.newEndAt ?? 'its end date'} at the latest, and this access already ends on ${current.endAt}: there is nothing to extend.`
      : `Access under policy '${policy.displayName}' does not expire, so there is nothing to extend.`;
  throw new ValidationError(message, 'assignment.id', EXTENSION_REFUSAL_CODE[offer.why]);
}

function endOf(e: ExpirationPattern, start: Date): string | null {
  if (e.type === 'afterDateTime') return e.endDateTime;
  if (e.type === 'afterDuration') return addDuration(start, parseDuration(e.duration, 'schedule.expiration.duration')).toISOString();
  return null;
}

const later = (a: string, b: string) => new Date(a).getTime() > new Date(b).getTime();

/**
 * Schedule of a new assignment. `requested` is the request body's schedule ({startDateTime?, expiration?{type,endDateTime,duration}});
 * a custom schedule is refused (ValidationError naming 'schedule') unless allowCustom; it may not end later than the policy allows
 * from its start. Default: start now, end per policy expiration. A start in the past means now.
 */
export function initialSchedule(policy: Policy, requested: unknown, now: Date, allowCustom: boolean): Schedule {
  const r = parseRequested(requested);
  const custom = r.startAt !== undefined || r.expiration !== undefined;
  if (custom && !allowCustom) {
    throw new ValidationError(`Policy '${policy.displayName}' does not allow a custom schedule (allowCustomAssignmentSchedule is false); leave 'schedule' out.`, 'schedule');
  }
  const nowIso = now.toISOString();
  const startAt = r.startAt !== undefined && later(r.startAt, nowIso) ? r.startAt : nowIso;
  const limit = policyEnd(policy.expiration, new Date(startAt));
  if (limit !== null && !later(limit, startAt)) {
    throw new ValidationError(`Policy '${policy.displayName}' ends access on ${limit}, before the requested start ${startAt}.`, r.startAt ? 'schedule.startDateTime' : 'schedule');
  }
  if (r.expiration === undefined) return { startAt, endAt: limit };
  const endAt = endOf(r.expiration, new Date(startAt));
  if (endAt !== null && !later(endAt, startAt)) {
    throw new ValidationError(`The requested end ${endAt} is not after the start ${startAt}.`, 'schedule.expiration');
  }
  if (limit !== null && (endAt === null || later(endAt, limit))) {
    throw new ValidationError(`Policy '${policy.displayName}' allows access until ${limit} at the latest; the requested schedule ends ${endAt ?? 'never'}.`, 'schedule.expiration');
  }
  return { startAt, endAt };
}

/**
 * New schedule for an extension (userUpdate/adminUpdate): keeps startAt; the new end defaults to now + policy duration (or the policy
 * end date), and may never pass the policy's limit counted from now. Refuses when the policy's expiration is noExpiration (nothing to extend).
 * The holder's own extension (`byHolder`) must also fall in the window extensionOffer defines and move the end later; administrators
 * may extend at any time.
 */
export function extendedSchedule(policy: Policy, current: Schedule, requested: unknown, now: Date, byHolder = false): Schedule {
  if (neverExpires(policy.expiration) || current.endAt === null) {
    throw new ValidationError(`Access under policy '${policy.displayName}' does not expire, so there is nothing to extend.`, 'schedule');
  }
  const r = parseRequested(requested);
  if (byHolder) requireExtensionWindow(policy, { startAt: current.startAt, endAt: current.endAt }, now);
  const nowIso = now.toISOString();
  const limit = policyEnd(policy.expiration, now)!;
  if (!later(limit, nowIso)) {
    throw new ValidationError(`Policy '${policy.displayName}' ended access on ${limit}; it cannot be extended.`, 'schedule');
  }
  if (r.expiration === undefined) return { startAt: current.startAt, endAt: limit };
  // an extension's duration counts from now: the time the person asked for, not the original start
  const endAt = endOf(r.expiration, now);
  if (endAt === null || later(endAt, limit)) {
    throw new ValidationError(`Policy '${policy.displayName}' allows extending until ${limit} at the latest; the requested schedule ends ${endAt ?? 'never'}.`, 'schedule.expiration');
  }
  if (!later(endAt, nowIso)) throw new ValidationError(`The requested end ${endAt} has already passed.`, 'schedule.expiration');
  if (byHolder && !later(endAt, current.endAt)) throw new ValidationError(`The requested end ${endAt} is not later than the current end ${current.endAt}.`, 'schedule.expiration');
  return { startAt: current.startAt, endAt };
}

/** Graph entitlementManagementSchedule. */
export function scheduleToGraph(s: Schedule): Record<string, unknown> {
  return {
    startDateTime: s.startAt,
    expiration: s.endAt === null
      ? { type: 'noExpiration', endDateTime: null, duration: null }
      : { type: 'afterDateTime', endDateTime: s.endAt, duration: null },
    recurrence: null,
  };
}
