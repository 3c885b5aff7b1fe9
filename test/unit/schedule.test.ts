import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/domain/errors.js';
import type { Policy } from '../../src/domain/policy/types.js';
import { validatePolicySettings } from '../../src/domain/policy/validate.js';
import { extendedSchedule, initialSchedule, scheduleToGraph } from '../../src/domain/schedule.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');

function policy(expiration: unknown): Policy {
  const { settings } = validatePolicySettings({ displayName: 'p', expiration }, new Date('2026-01-01T00:00:00Z'));
  return { id: 'p', accessPackageId: 'pkg', ...settings, createdAt: 'c', modifiedAt: 'm' };
}
const refused = (fn: () => unknown, target: string | RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ValidationError, String(e));
    if (typeof target === 'string') assert.equal(e.target, target, e.message);
    else assert.match(e.target ?? '', target, e.message);
    return true;
  });

describe('initialSchedule', () => {
  const days30 = policy({ type: 'afterDuration', duration: 'P30D' });
  const hours12 = policy({ type: 'afterDuration', duration: 'PT12H' });
  const onDate = policy({ type: 'afterDateTime', endDateTime: '2026-06-30T00:00:00Z' });
  const never = policy({ type: 'noExpiration' });
  const unspecified = policy({ type: 'notSpecified' });

  it('starts now and ends as the policy says by default', () => {
    assert.deepEqual(initialSchedule(days30, undefined, NOW, false), { startAt: '2026-03-01T00:00:00.000Z', endAt: '2026-03-31T00:00:00.000Z' });
    assert.deepEqual(initialSchedule(hours12, null, NOW, false), { startAt: '2026-03-01T00:00:00.000Z', endAt: '2026-03-01T12:00:00.000Z' });
    assert.deepEqual(initialSchedule(onDate, {}, NOW, false), { startAt: '2026-03-01T00:00:00.000Z', endAt: '2026-06-30T00:00:00.000Z' });
    assert.deepEqual(initialSchedule(never, undefined, NOW, false), { startAt: '2026-03-01T00:00:00.000Z', endAt: null });
    assert.deepEqual(initialSchedule(unspecified, undefined, NOW, false), { startAt: '2026-03-01T00:00:00.000Z', endAt: null }, 'notSpecified means no expiration');
  });

  it('refuses a custom schedule unless allowed', () => {
    refused(() => initialSchedule(days30, { startDateTime: '2026-03-05T00:00:00Z' }, NOW, false), 'schedule');
    refused(() => initialSchedule(days30, { expiration: { type: 'afterDuration', duration: 'P1D' } }, NOW, false), 'schedule');
    // notSpecified expiration alone is no custom schedule
    assert.equal(initialSchedule(days30, { expiration: { type: 'notSpecified' } }, NOW, false).endAt, '2026-03-31T00:00:00.000Z');
  });

  it('honours a custom start and end within the policy, counted from the start', () => {
    assert.deepEqual(initialSchedule(days30, { startDateTime: '2026-03-10T00:00:00Z' }, NOW, true), { startAt: '2026-03-10T00:00:00.000Z', endAt: '2026-04-09T00:00:00.000Z' },
      'a future start: the policy duration counts from it');
    assert.deepEqual(initialSchedule(days30, { startDateTime: '2026-03-10T00:00:00Z', expiration: { type: 'afterDuration', duration: 'P7D' } }, NOW, true),
      { startAt: '2026-03-10T00:00:00.000Z', endAt: '2026-03-17T00:00:00.000Z' });
    assert.deepEqual(initialSchedule(days30, { expiration: { type: 'afterDateTime', endDateTime: '2026-03-31T00:00:00Z' } }, NOW, true),
      { startAt: '2026-03-01T00:00:00.000Z', endAt: '2026-03-31T00:00:00.000Z' }, 'exactly the limit');
    assert.equal(initialSchedule(days30, { startDateTime: '2025-01-01T00:00:00Z' }, NOW, true).startAt, '2026-03-01T00:00:00.000Z', 'a past start means now');
    assert.deepEqual(initialSchedule(never, { expiration: { type: 'noExpiration' } }, NOW, true), { startAt: '2026-03-01T00:00:00.000Z', endAt: null });
  });

  it('never ends later than the policy allows', () => {
    refused(() => initialSchedule(days30, { expiration: { type: 'afterDuration', duration: 'P31D' } }, NOW, true), 'schedule.expiration');
    refused(() => initialSchedule(days30, { expiration: { type: 'afterDateTime', endDateTime: '2026-03-31T00:00:01Z' } }, NOW, true), 'schedule.expiration');
    refused(() => initialSchedule(days30, { expiration: { type: 'noExpiration' } }, NOW, true), 'schedule.expiration');
    refused(() => initialSchedule(hours12, { expiration: { type: 'afterDuration', duration: 'PT13H' } }, NOW, true), 'schedule.expiration');
    refused(() => initialSchedule(onDate, { expiration: { type: 'afterDateTime', endDateTime: '2026-07-01T00:00:00Z' } }, NOW, true), 'schedule.expiration');
    refused(() => initialSchedule(onDate, { startDateTime: '2026-07-01T00:00:00Z' }, NOW, true), 'schedule.startDateTime');
    refused(() => initialSchedule(days30, { startDateTime: '2026-03-10T00:00:00Z', expiration: { type: 'afterDateTime', endDateTime: '2026-03-09T00:00:00Z' } }, NOW, true), 'schedule.expiration');
  });

  it('rejects malformed schedules naming the field', () => {
    refused(() => initialSchedule(days30, { startDateTime: 'tomorrow' }, NOW, true), 'schedule.startDateTime');
    refused(() => initialSchedule(days30, { expiration: { type: 'afterDuration', duration: 'soon' } }, NOW, true), 'schedule.expiration.duration');
    refused(() => initialSchedule(days30, { expiration: { type: 'whenever' } }, NOW, true), 'schedule.expiration.type');
    refused(() => initialSchedule(days30, { start: '2026-03-05T00:00:00Z' }, NOW, true), 'schedule.start');
    refused(() => initialSchedule(days30, 'P1D', NOW, true), 'schedule');
  });

  it('refuses when the policy end date has passed', () => {
    const past = { ...onDate, expiration: { type: 'afterDateTime' as const, endDateTime: '2026-02-01T00:00:00.000Z', duration: null } };
    refused(() => initialSchedule(past, undefined, NOW, false), 'schedule');
  });
});

describe('extendedSchedule', () => {
  const days30 = policy({ type: 'afterDuration', duration: 'P30D' });
  const onDate = policy({ type: 'afterDateTime', endDateTime: '2026-06-30T00:00:00Z' });
  const current = { startAt: '2026-02-01T00:00:00.000Z', endAt: '2026-03-03T00:00:00.000Z' };

  it('keeps the start and extends to now + the policy duration by default', () => {
    assert.deepEqual(extendedSchedule(days30, current, undefined, NOW), { startAt: '2026-02-01T00:00:00.000Z', endAt: '2026-03-31T00:00:00.000Z' });
    assert.deepEqual(extendedSchedule(onDate, current, undefined, NOW), { startAt: '2026-02-01T00:00:00.000Z', endAt: '2026-06-30T00:00:00.000Z' });
  });

  it('accepts a requested end up to the limit counted from now, and no further', () => {
    assert.equal(extendedSchedule(days30, current, { expiration: { type: 'afterDateTime', endDateTime: '2026-03-20T00:00:00Z' } }, NOW).endAt, '2026-03-20T00:00:00.000Z');
    assert.equal(extendedSchedule(days30, current, { expiration: { type: 'afterDuration', duration: 'P10D' } }, NOW).endAt, '2026-03-11T00:00:00.000Z');
    refused(() => extendedSchedule(days30, current, { expiration: { type: 'afterDuration', duration: 'P31D' } }, NOW), 'schedule.expiration');
    refused(() => extendedSchedule(onDate, current, { expiration: { type: 'afterDateTime', endDateTime: '2026-07-01T00:00:00Z' } }, NOW), 'schedule.expiration');
    refused(() => extendedSchedule(days30, current, { expiration: { type: 'noExpiration' } }, NOW), 'schedule.expiration');
    refused(() => extendedSchedule(days30, current, { expiration: { type: 'afterDateTime', endDateTime: '2026-02-01T00:00:00Z' } }, NOW), 'schedule.expiration');
  });

  it('refuses when the policy never expires or its end date has passed', () => {
    refused(() => extendedSchedule(policy({ type: 'noExpiration' }), current, undefined, NOW), 'schedule');
    refused(() => extendedSchedule(days30, { startAt: current.startAt, endAt: null }, undefined, NOW), 'schedule');
    refused(() => extendedSchedule(onDate, current, undefined, new Date('2026-07-01T00:00:00Z')), 'schedule');
  });
});

describe('scheduleToGraph', () => {
  it('writes an entitlementManagementSchedule', () => {
    assert.deepEqual(scheduleToGraph({ startAt: 'a', endAt: 'b' }), { startDateTime: 'a', expiration: { type: 'afterDateTime', endDateTime: 'b', duration: null }, recurrence: null });
    assert.deepEqual(scheduleToGraph({ startAt: 'a', endAt: null }), { startDateTime: 'a', expiration: { type: 'noExpiration', endDateTime: null, duration: null }, recurrence: null });
  });
});
