import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXTENSION_WINDOW_DAYS, extensionLeadMs, extensionOffer } from '../../src/domain/extension.js';

const DAY = 86_400_000;
const START = '2026-03-01T00:00:00.000Z';
const at = (days: number) => new Date(Date.parse(START) + days * DAY);
const iso = (days: number) => at(days).toISOString();
const tenDays = { type: 'afterDuration', duration: 'P10D' };
const ninetyDays = { type: 'afterDuration', duration: 'P90D' };

describe('extensionOffer: the window and the new end', () => {
  it('a 10-day policy: nothing on day 0 (the old bug: the end moved by minutes); from day 5 (halfway) the new end is now + 10 days', () => {
    const current = { startAt: START, endAt: iso(10) };
    assert.deepEqual(extensionOffer(tenDays, current, at(0)), { canExtend: false, why: 'notYet', opensAt: iso(5), newEndAt: iso(10) });
    assert.equal(extensionOffer(tenDays, current, at(4.99)).canExtend, false);
    assert.deepEqual(extensionOffer(tenDays, current, at(5)), { canExtend: true, opensAt: iso(5), newEndAt: iso(15) });
    assert.deepEqual(extensionOffer(tenDays, current, at(9)), { canExtend: true, opensAt: iso(5), newEndAt: iso(19) });
  });

  it('after an extension the window is closed again: it opens half a period before the new end', () => {
    const extended = { startAt: START, endAt: iso(19) };
    assert.deepEqual(extensionOffer(tenDays, extended, at(9)), { canExtend: false, why: 'notYet', opensAt: iso(14), newEndAt: iso(19) });
  });

  it('a 90-day policy: the last 14 days, as the reminder mails say', () => {
    const current = { startAt: START, endAt: iso(90) };
    assert.equal(extensionOffer(ninetyDays, current, at(75.9)).canExtend, false);
    assert.deepEqual(extensionOffer(ninetyDays, current, at(76)), { canExtend: true, opensAt: iso(90 - EXTENSION_WINDOW_DAYS), newEndAt: iso(166) });
  });

  it('hours: an 8-hour policy opens 4 hours before the end', () => {
    const current = { startAt: START, endAt: new Date(Date.parse(START) + 8 * 3600_000).toISOString() };
    assert.equal(extensionLeadMs({ type: 'afterDuration', duration: 'PT8H' }, current), 4 * 3600_000);
  });

  it('an end-date policy: the new end is the policy date; nothing to extend once the access already ends then', () => {
    const onDate = { type: 'afterDateTime', endDateTime: '2026-06-30T00:00:00Z' };
    // a custom 20-day schedule under it: the window is its last 10 days
    const custom = { startAt: START, endAt: iso(20) };
    assert.deepEqual(extensionOffer(onDate, custom, at(9)), { canExtend: false, why: 'notYet', opensAt: iso(10), newEndAt: '2026-06-30T00:00:00.000Z' });
    assert.deepEqual(extensionOffer(onDate, custom, at(12)), { canExtend: true, opensAt: iso(10), newEndAt: '2026-06-30T00:00:00.000Z' });
    const toTheDate = { startAt: START, endAt: '2026-06-30T00:00:00.000Z' };
    assert.equal((extensionOffer(onDate, toTheDate, new Date('2026-06-25T00:00:00Z')) as { why: string }).why, 'noLater');
  });

  it('never expiring: nothing to extend; an end just passed (not expired yet by the worker) can still be extended', () => {
    assert.equal((extensionOffer({ type: 'noExpiration' }, { startAt: START, endAt: null }, at(1)) as { why: string }).why, 'neverExpires');
    assert.equal((extensionOffer({ type: 'notSpecified' }, { startAt: START, endAt: iso(10) }, at(9)) as { why: string }).why, 'neverExpires');
    assert.deepEqual(extensionOffer(tenDays, { startAt: START, endAt: iso(10) }, at(10)), { canExtend: true, opensAt: iso(5), newEndAt: iso(20) });
  });

  it('months are calendar months: a P1M policy from 31 January is 28 days long, so its window is the last 14 days', () => {
    const current = { startAt: '2026-01-31T00:00:00.000Z', endAt: '2026-02-28T00:00:00.000Z' };
    assert.equal(extensionLeadMs({ type: 'afterDuration', duration: 'P1M' }, current), 14 * DAY);
  });
});
