// When a person may extend their own access, and to when: one pure function that the server (validating a
// userUpdate) and My Access (the Extend button and its dialog) both call, so the button, the dialog's date
// and the stored end cannot disagree. Imports only duration maths, so the web bundle can use it.

import { addDuration, parseDuration } from './duration.js';

/** The reference's reminders invite an extension 14 days (and 1 day) before expiry: the window opens then. */
export const EXTENSION_WINDOW_DAYS = 14;
const DAY_MS = 86_400_000;

/** A policy's expirationPattern, as Graph sends it (the web's copy of the type fits as well). */
export interface ExpirationLike {
  type: string;
  endDateTime?: string | null;
  duration?: string | null;
}

export interface AccessPeriod {
  startAt: string;
  /** null: the access never expires */
  endAt: string | null;
}

export type ExtensionBlock = 'neverExpires' | 'notYet' | 'noLater';

export type ExtensionOffer =
  | { canExtend: true; opensAt: string; newEndAt: string }
  | { canExtend: false; why: ExtensionBlock; opensAt: string | null; newEndAt: string | null };

const neverEnds = (e: ExpirationLike) => e.type !== 'afterDuration' && e.type !== 'afterDateTime';

/** The latest end the policy allows for access counted from `from`; null when it never expires. */
export function accessEndFrom(expiration: ExpirationLike, from: Date): string | null {
  if (neverEnds(expiration)) return null;
  if (expiration.type === 'afterDateTime') return expiration.endDateTime ? new Date(expiration.endDateTime).toISOString() : null;
  return addDuration(from, parseDuration(expiration.duration ?? 'PT0S', 'expiration.duration')).toISOString();
}

/**
 * How long before the end the extension window opens: 14 days, or half the length of the access when that
 * is shorter than 28 days (a 10-day policy: the last 5 days; 8 hours: the last 4). The length is the policy's
 * duration (a duration policy), else the assignment's own span (an end date, or a custom schedule). So an
 * extension always adds at least half a period, and the Extend button does not come back right after one.
 */
export function extensionLeadMs(expiration: ExpirationLike, current: { startAt: string; endAt: string }): number {
  const start = new Date(current.startAt);
  const length = expiration.type === 'afterDuration'
    ? addDuration(start, parseDuration(expiration.duration ?? 'PT0S', 'expiration.duration')).getTime() - start.getTime()
    : new Date(current.endAt).getTime() - start.getTime();
  return Math.max(0, Math.min(EXTENSION_WINDOW_DAYS * DAY_MS, length / 2));
}

/**
 * Whether the holder may extend access now, when the window opens and the end an extension made now gets:
 * now + the policy's duration, or the policy's end date. Refused when the access never expires, the window
 * is not open yet, or the new end would not be later than the current one (an end date already reached). A
 * custom end asked for may be earlier than newEndAt, never later. Whether the assignment is still active is
 * its state's business (an end just passed that the worker has not expired yet can still be extended).
 */
export function extensionOffer(expiration: ExpirationLike, current: AccessPeriod, now: Date): ExtensionOffer {
  if (current.endAt === null || neverEnds(expiration)) return { canExtend: false, why: 'neverExpires', opensAt: null, newEndAt: null };
  const end = new Date(current.endAt).getTime();
  const opensAt = new Date(end - extensionLeadMs(expiration, { startAt: current.startAt, endAt: current.endAt })).toISOString();
  const newEndAt = accessEndFrom(expiration, now);
  if (now.getTime() < new Date(opensAt).getTime()) return { canExtend: false, why: 'notYet', opensAt, newEndAt };
  if (newEndAt === null || new Date(newEndAt).getTime() <= end) return { canExtend: false, why: 'noLater', opensAt, newEndAt };
  return { canExtend: true, opensAt, newEndAt };
}
