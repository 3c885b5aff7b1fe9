import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  daysLeft, durationText, endOfDayIso, expirationText, extendBlockedReason, extensionOfferFor, requestTypeText,
  requirementsSummary, startOfDayIso, todayValue, EXTEND_WINDOW_DAYS,
} from '../../src/web/myaccess/format';
import type { Assignment, Policy } from '../../src/web/myaccess/types';

describe('web my access: durationText', () => {
  it('reads ISO-8601 durations in words, singular and plural', () => {
    assert.equal(durationText('P7D'), '7 days');
    assert.equal(durationText('P1D'), '1 day');
    assert.equal(durationText('PT12H'), '12 hours');
    assert.equal(durationText('P1Y2M'), '1 year 2 months');
    assert.equal(durationText('P2W'), '2 weeks');
    assert.equal(durationText('P1DT1H30M'), '1 day 1 hour 30 minutes');
  });

  it('keeps M apart as months before T and minutes after it', () => {
    assert.equal(durationText('P3M'), '3 months');
    assert.equal(durationText('PT3M'), '3 minutes');
  });

  it('shows unknown or all-zero forms as given, and nothing for no duration', () => {
    assert.equal(durationText('PT0S'), 'PT0S');
    assert.equal(durationText('7 days'), '7 days');
    assert.equal(durationText(''), '');
    assert.equal(durationText(null), '');
  });
});

describe('web my access: expirationText', () => {
  it('says whether and how access ends', () => {
    assert.equal(expirationText(undefined), 'Access does not expire');
    assert.equal(expirationText({ type: 'noExpiration' }), 'Access does not expire');
    assert.equal(expirationText({ type: 'notSpecified' }), 'Access does not expire');
    assert.equal(expirationText({ type: 'afterDuration', duration: 'P365D' }), 'Access lasts 365 days');
    assert.equal(expirationText({ type: 'afterDateTime', endDateTime: null }), 'Access ends on a set date');
  });

  it('gives the end date in the local format', () => {
    const end = '2030-06-30T12:00:00Z';
    assert.equal(expirationText({ type: 'afterDateTime', endDateTime: end }), `Access ends on ${new Date(end).toLocaleDateString(undefined, { dateStyle: 'medium' })}`);
  });
});

describe('web my access: request type words', () => {
  it('names request types as the requestor reads them, passing unknown values through', () => {
    assert.equal(requestTypeText('userUpdate'), 'Extend access');
    assert.equal(requestTypeText('systemRemove'), 'Expired');
    assert.equal(requestTypeText('somethingNew'), 'somethingNew');
  });
});

describe('web my access: dates', () => {
  it('daysLeft rounds a part day up', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    assert.equal(daysLeft('2030-01-11T00:00:00Z', now), 10);
    assert.equal(daysLeft('2030-01-10T00:00:01Z', now), 10);
    assert.equal(daysLeft('2030-01-01T00:00:00Z', now), 0);
    assert.equal(daysLeft('2029-12-30T00:00:00Z', now), -2);
  });

  it('date input values become the start and end of that day in local time', () => {
    assert.equal(endOfDayIso('2030-03-04'), new Date(2030, 2, 4, 23, 59, 59).toISOString());
    assert.equal(startOfDayIso('2030-03-04'), new Date(2030, 2, 4, 0, 0, 0).toISOString());
    assert.ok(new Date(endOfDayIso('2030-03-04')).getTime() > new Date(startOfDayIso('2030-03-04')).getTime(), 'the end of a day is after its start');
  });

  it('todayValue is the local calendar day, zero-padded', () => {
    assert.equal(todayValue(new Date(2030, 0, 5, 23, 30)), '2030-01-05');
    assert.equal(todayValue(new Date(2030, 11, 31, 0, 0)), '2030-12-31');
  });
});

describe('web my access: extendBlockedReason', () => {
  const now = new Date('2030-05-01T00:00:00Z');
  const policy: Policy = {
    id: 'p', displayName: 'Yearly', description: null, expiration: { type: 'afterDuration', duration: 'P365D' },
    requestorSettings: { enableTargetsToSelfUpdateAccess: true, enableTargetsToSelfRemoveAccess: true, acceptRequests: true },
    requestApprovalSettings: { isApprovalRequiredForUpdate: false, isRequestorJustificationRequired: false, stages: [] },
  };
  const inDays = (n: number) => new Date(now.getTime() + n * 86_400_000).toISOString();
  const assignment = (over: Partial<Assignment> = {}, end: string | null = inDays(10)): Assignment => ({
    id: 'a', state: 'delivered', status: 'Delivered', expiredDateTime: null,
    schedule: { startDateTime: null, expiration: end ? { type: 'afterDateTime', endDateTime: end } : { type: 'noExpiration' } },
    assignmentPolicy: policy, ...over,
  });

  it('allows extension in the last days before the end', () => {
    assert.equal(extendBlockedReason(assignment(), now), null);
    assert.equal(extendBlockedReason(assignment({}, inDays(EXTEND_WINDOW_DAYS)), now), null);
  });

  it('explains each reason it cannot be extended now', () => {
    assert.match(extendBlockedReason(assignment({}, inDays(EXTEND_WINDOW_DAYS + 1)), now) ?? '', /You can extend this access from /);
    assert.match(extendBlockedReason(assignment({ state: 'expired' }), now) ?? '', /has ended/);
    assert.match(extendBlockedReason(assignment({}, null), now) ?? '', /does not expire/);
    assert.match(extendBlockedReason(assignment({ assignmentPolicy: null }), now) ?? '', /no policy/);
    const noSelfUpdate = { ...policy, requestorSettings: { ...policy.requestorSettings, enableTargetsToSelfUpdateAccess: false } };
    assert.match(extendBlockedReason(assignment({ assignmentPolicy: noSelfUpdate }), now) ?? '', /does not let you extend/);
    const closed = { ...policy, requestorSettings: { ...policy.requestorSettings, acceptRequests: false } };
    assert.match(extendBlockedReason(assignment({ assignmentPolicy: closed }), now) ?? '', /accepts no requests/);
  });

  it('a 10-day policy: not on day 0 (the window is its last 5 days), then until now + 10 days, as the server computes it', () => {
    const tenDays = { ...policy, expiration: { type: 'afterDuration' as const, duration: 'P10D' } };
    const start = now.toISOString();
    const a = assignment({ assignmentPolicy: tenDays, schedule: { startDateTime: start, expiration: { type: 'afterDateTime', endDateTime: inDays(10) } } });
    assert.match(extendBlockedReason(a, now) ?? '', /You can extend this access from /);
    const day6 = new Date(now.getTime() + 6 * 86_400_000);
    assert.equal(extendBlockedReason(a, day6), null);
    assert.deepEqual(extensionOfferFor(a, day6), { canExtend: true, opensAt: inDays(5), newEndAt: inDays(16) });
  });

  it('treats a policy that does not say whether it accepts requests as accepting them', () => {
    const unsaid = { ...policy, requestorSettings: { enableTargetsToSelfUpdateAccess: true, enableTargetsToSelfRemoveAccess: true } };
    assert.equal(extendBlockedReason(assignment({ assignmentPolicy: unsaid }), now), null);
  });
});

describe('web my access: requirementsSummary', () => {
  it('lists approval and duration always, and justification, questions and dates when they apply', () => {
    assert.deepEqual(requirementsSummary({
      isApprovalRequiredForAdd: true, isRequestorJustificationRequired: true, allowCustomAssignmentSchedule: true,
      schedule: { expiration: { type: 'afterDuration', duration: 'P30D' } }, questions: [{}, {}],
    }), ['Needs approval', 'Access lasts 30 days', 'Justification required', '2 questions', 'You may choose the dates']);
    assert.deepEqual(requirementsSummary({
      isApprovalRequiredForAdd: false, isRequestorJustificationRequired: false, allowCustomAssignmentSchedule: false,
      schedule: { expiration: { type: 'noExpiration' } }, questions: [{}],
    }), ['No approval needed', 'Access does not expire', '1 question']);
    assert.deepEqual(requirementsSummary({
      isApprovalRequiredForAdd: false, isRequestorJustificationRequired: false, allowCustomAssignmentSchedule: false,
      schedule: { expiration: { type: 'noExpiration' } }, questions: [],
    }), ['No approval needed', 'Access does not expire']);
  });
});
