import { EXTENSION_WINDOW_DAYS, extensionOffer, type ExtensionOffer } from '../../domain/extension';
import type { Assignment, ExpirationPattern } from './types';

// Plain-language wording for Graph values, so people read "Pending approval", not "pendingApproval".

/** "P7D" → "7 days", "PT12H" → "12 hours"; unknown forms are shown as given. */
export function durationText(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!m) return iso;
  const units = ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'];
  const parts = m.slice(1).map((v, i) => (v && Number(v) > 0 ? `${Number(v)} ${units[i]}${Number(v) === 1 ? '' : 's'}` : null)).filter(Boolean);
  return parts.length ? parts.join(' ') : iso;
}

/** How long access lasts under a policy's expiration. */
export function expirationText(e: ExpirationPattern | null | undefined): string {
  if (!e || e.type === 'noExpiration' || e.type === 'notSpecified') return 'Access does not expire';
  if (e.type === 'afterDuration') return `Access lasts ${durationText(e.duration)}`;
  return `Access ends on ${e.endDateTime ? new Date(e.endDateTime).toLocaleDateString(undefined, { dateStyle: 'medium' }) : 'a set date'}`;
}

const REQUEST_TYPES: Record<string, string> = {
  userAdd: 'Request access',
  userUpdate: 'Extend access',
  userRemove: 'Remove my access',
  adminAdd: 'Assigned by an administrator',
  adminUpdate: 'Extended by an administrator',
  adminRemove: 'Removed by an administrator',
  systemAdd: 'Assigned automatically',
  systemUpdate: 'Updated automatically',
  systemRemove: 'Expired',
};

export function requestTypeText(t: string): string {
  return REQUEST_TYPES[t] ?? t;
}

/**
 * Extension is offered in the last 14 days before the end, when the reminder emails invite it (or the last
 * half of a shorter access): the server's rule, src/domain/extension.ts, computed here by the same function.
 */
export const EXTEND_WINDOW_DAYS = EXTENSION_WINDOW_DAYS;

// as components/ui formatDate shows a moment (this module stays free of React for its unit tests)
const moment = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** When this person could extend the assignment and to when, as the server will decide it; null without a policy or an end. */
export function extensionOfferFor(a: Assignment, now: Date = new Date()): ExtensionOffer | null {
  const end = endOf(a);
  const policy = a.assignmentPolicy;
  if (!policy || !end) return null;
  // Graph always sends the start; without one the whole access counts as long (a 14-day window)
  return extensionOffer(policy.expiration, { startAt: a.schedule?.startDateTime ?? new Date(0).toISOString(), endAt: end }, now);
}

export function endOf(a: Assignment): string | null {
  return a.schedule?.expiration?.endDateTime ?? null;
}

export function daysLeft(endIso: string, now: Date = new Date()): number {
  return Math.ceil((new Date(endIso).getTime() - now.getTime()) / 86_400_000);
}

/** Why this person cannot extend an assignment now, or null when they can. */
export function extendBlockedReason(a: Assignment, now: Date = new Date()): string | null {
  const policy = a.assignmentPolicy;
  const end = endOf(a);
  if (a.state === 'expired') return 'This access has ended; request the package again.';
  if (!end) return 'This access does not expire, so there is nothing to extend.';
  if (!policy) return 'This access has no policy to extend under; ask an administrator.';
  if (!policy.requestorSettings.enableTargetsToSelfUpdateAccess) return 'The policy of this access does not let you extend it; ask an administrator of the access package.';
  if (policy.requestorSettings.acceptRequests === false) return 'The policy of this access accepts no requests at the moment.';
  const offer = extensionOfferFor(a, now);
  if (offer && !offer.canExtend) {
    if (offer.why === 'notYet' && offer.opensAt) return `You can extend this access from ${moment(offer.opensAt)}, shortly before it ends.`;
    if (offer.why === 'noLater') return 'The policy of this access ends it on this date at the latest: there is nothing to extend.';
    return 'This access does not expire, so there is nothing to extend.';
  }
  return null;
}

/** Date-only value of an <input type="date"> → ISO end of that day in the person's time zone. */
export function endOfDayIso(dateValue: string): string {
  const [y, m, d] = dateValue.split('-').map(Number);
  return new Date(y, m - 1, d, 23, 59, 59).toISOString();
}

/** Date-only value of an <input type="date"> → ISO start of that day in the person's time zone. */
export function startOfDayIso(dateValue: string): string {
  const [y, m, d] = dateValue.split('-').map(Number);
  return new Date(y, m - 1, d, 0, 0, 0).toISOString();
}

/** Today as an <input type="date"> value in the person's time zone. */
export function todayValue(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** The facts a requestor weighs when choosing a policy: approval, how long access lasts, whether dates can be chosen. */
export function requirementsSummary(r: {
  isApprovalRequiredForAdd: boolean;
  isRequestorJustificationRequired: boolean;
  allowCustomAssignmentSchedule: boolean;
  schedule: { expiration: ExpirationPattern };
  questions: unknown[];
}): string[] {
  return [
    r.isApprovalRequiredForAdd ? 'Needs approval' : 'No approval needed',
    expirationText(r.schedule?.expiration),
    ...(r.isRequestorJustificationRequired ? ['Justification required'] : []),
    ...(r.questions.length ? [`${r.questions.length} question${r.questions.length === 1 ? '' : 's'}`] : []),
    ...(r.allowCustomAssignmentSchedule ? ['You may choose the dates'] : []),
  ];
}
