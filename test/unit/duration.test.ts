import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDuration, durationToString, isZeroDuration, parseDuration, tryParseDuration, ZERO_DURATION } from '../../src/domain/duration.js';
import { ValidationError } from '../../src/domain/errors.js';

describe('ISO-8601 durations', () => {
  it('parses every designator of PnYnMnDTnHnMnS', () => {
    assert.deepEqual(parseDuration('P1Y2M3DT4H5M6S'), { years: 1, months: 2, weeks: 0, days: 3, hours: 4, minutes: 5, seconds: 6 });
    assert.deepEqual(parseDuration('P30D'), { ...ZERO_DURATION, days: 30 });
    assert.deepEqual(parseDuration('PT12H'), { ...ZERO_DURATION, hours: 12 });
    assert.deepEqual(parseDuration('PT1.5S'), { ...ZERO_DURATION, seconds: 1.5 });
    assert.deepEqual(parseDuration('PT0,25S'), { ...ZERO_DURATION, seconds: 0.25 });
    assert.deepEqual(parseDuration('p14d'), { ...ZERO_DURATION, days: 14 }, 'designators in any casing');
  });

  it('parses weeks on their own', () => {
    assert.deepEqual(parseDuration('P2W'), { ...ZERO_DURATION, weeks: 2 });
    assert.equal(tryParseDuration('P2W3D'), undefined, 'ISO-8601 does not combine weeks with other designators');
  });

  it('accepts zero', () => {
    assert.ok(isZeroDuration(parseDuration('PT0S')), 'expected: isZeroDuration(parseDuration(\'PT0S\'))');
    assert.ok(isZeroDuration(parseDuration('P0D')), 'expected: isZeroDuration(parseDuration(\'P0D\'))');
    assert.equal(durationToString(parseDuration('P0D')), 'PT0S');
  });

  it('rejects garbage and negatives with a 400 naming the field', () => {
    for (const bad of ['', 'P', 'PT', 'P1DT', '30D', 'P1.5D', 'P1H', 'PT1D', 'P-1D', 'P1Y2Y', '1 day', 'P1234567890D']) {
      assert.equal(tryParseDuration(bad), undefined, bad);
      assert.throws(() => parseDuration(bad, 'expiration.duration'), (e: unknown) => e instanceof ValidationError && e.target === 'expiration.duration', bad);
    }
    assert.throws(() => parseDuration('-P1D', 'd'), /must not be a negative duration/);
    assert.throws(() => parseDuration(30, 'd'), /must be an ISO-8601 duration/);
    assert.throws(() => parseDuration(null, 'd'), (e: unknown) => e instanceof ValidationError && e.status === 400);
  });

  it('prints the canonical form and round-trips it', () => {
    for (const s of ['P1Y2M3DT4H5M6S', 'P30D', 'PT12H', 'P2W', 'PT0S', 'P1M', 'PT1.5S', 'P1DT30M']) {
      assert.equal(durationToString(parseDuration(s)), s);
    }
    assert.equal(durationToString({ ...ZERO_DURATION, weeks: 1, days: 2 }), 'P9D');
  });

  it('adds calendar units in UTC, clamping to the end of shorter months', () => {
    const at = (s: string) => new Date(s).toISOString();
    assert.equal(addDuration('2026-01-31T10:00:00.000Z', parseDuration('P1M')).toISOString(), at('2026-02-28T10:00:00.000Z'));
    assert.equal(addDuration('2028-01-31T10:00:00.000Z', parseDuration('P1M')).toISOString(), at('2028-02-29T10:00:00.000Z'));
    assert.equal(addDuration('2028-02-29T00:00:00.000Z', parseDuration('P1Y')).toISOString(), at('2029-02-28T00:00:00.000Z'));
    assert.equal(addDuration('2026-11-15T00:00:00.000Z', parseDuration('P3M')).toISOString(), at('2027-02-15T00:00:00.000Z'));
    assert.equal(addDuration('2026-03-01T00:00:00.000Z', parseDuration('P30D')).toISOString(), at('2026-03-31T00:00:00.000Z'));
    assert.equal(addDuration('2026-03-01T00:00:00.000Z', parseDuration('P2W')).toISOString(), at('2026-03-15T00:00:00.000Z'));
    assert.equal(addDuration('2026-03-01T23:30:00.000Z', parseDuration('PT1H')).toISOString(), at('2026-03-02T00:30:00.000Z'));
    assert.equal(addDuration('2026-03-01T00:00:00.000Z', parseDuration('P1Y2M3DT4H5M6.5S')).toISOString(), at('2027-05-04T04:05:06.500Z'));
    assert.equal(addDuration(new Date('2026-03-01T00:00:00.000Z'), parseDuration('PT0S')).toISOString(), at('2026-03-01T00:00:00.000Z'));
  });

  it('refuses an invalid start date', () => {
    assert.throws(() => addDuration('not a date', parseDuration('P1D')), RangeError);
  });
});
