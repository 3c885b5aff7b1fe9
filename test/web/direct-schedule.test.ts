import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// The server's own rule: what the form lets through must be what the API accepts, and the reverse.
import type { Policy as DomainPolicy } from '../../src/domain/policy/types';
import { initialSchedule, policyEnd } from '../../src/domain/schedule';
import { checkDirectSchedule, limitHint, policyLimit, readableDates } from '../../src/web/admin/packages/direct-schedule';

const NOW = new Date('2030-01-15T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// datetime-local values are local time: build them from a Date the way the input shows it
const local = (d: Date) => {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
};

function policy(expiration: DomainPolicy['expiration']): DomainPolicy {
  return { displayName: 'Thirty days', expiration } as DomainPolicy;
}

/** Whether the server accepts an administrator's schedule (allowCustom: adminAdd always may set one). */
function serverAccepts(p: DomainPolicy, startAt: Date | null, endAt: Date | null): boolean {
  const schedule: Record<string, unknown> = {};
  if (startAt) schedule.startDateTime = startAt.toISOString();
  if (endAt) schedule.expiration = { type: 'afterDateTime', endDateTime: endAt.toISOString() };
  try {
    initialSchedule(p, schedule, NOW, true);
    return true;
  } catch {
    return false;
  }
}

describe('direct assignment schedule (form check = server rule)', () => {
  const thirtyDays = policy({ type: 'afterDuration', duration: 'P30D', endDateTime: null });
  const onDate = policy({ type: 'afterDateTime', endDateTime: new Date(NOW.getTime() + 10 * DAY).toISOString(), duration: null });
  const never = policy({ type: 'noExpiration', endDateTime: null, duration: null });

  it('an end beyond the policy limit is explained in words, with the limit counted from the start; the server refuses the same ends', () => {
    const start = new Date(NOW.getTime() + 5 * DAY);
    for (const [p, endOffset, ok] of [
      [thirtyDays, 34 * DAY, true], [thirtyDays, 35 * DAY, true], [thirtyDays, 35 * DAY + HOUR, false],
      [onDate, 9 * DAY, true], [onDate, 11 * DAY, false], [never, 400 * DAY, true],
    ] as const) {
      const end = new Date(NOW.getTime() + endOffset);
      const c = checkDirectSchedule(p, local(start), local(end), NOW);
      assert.equal(!c.errors.end, ok, `${p.expiration.type} end +${endOffset / DAY}d: ${c.errors.end}`);
      assert.equal(serverAccepts(p, c.startAt, c.endAt), ok, 'the server agrees');
      if (!ok) {
        assert.match(c.errors.end!, /^Policy “Thirty days” ends access by .+ at the latest for this start\./);
        assert.match(c.errors.end!, /administrators cannot override/);
        assert.doesNotMatch(c.errors.end!, /\d{4}-\d\d-\d\dT/, 'no raw ISO date');
      }
    }
  });

  it('start and end carry a time of day; a start now or in the past minute means now', () => {
    const start = new Date(NOW.getTime() + 2 * DAY + 3.5 * HOUR);
    start.setSeconds(0, 0);
    const c = checkDirectSchedule(thirtyDays, local(start), '', NOW);
    assert.deepEqual(c.errors, {});
    assert.equal(c.startAt?.getTime(), start.getTime(), 'the time of day is kept');
    assert.equal(checkDirectSchedule(thirtyDays, local(NOW), '', NOW).startAt, null, 'now');
    assert.match(checkDirectSchedule(thirtyDays, local(new Date(NOW.getTime() - DAY)), '', NOW).errors.start!, /past/);
    assert.match(checkDirectSchedule(thirtyDays, local(start), local(new Date(start.getTime() - HOUR)), NOW).errors.end!, /after the start/);
  });

  it('the limit matches the server’s; the hint says an administrator cannot override it', () => {
    const from = new Date(NOW.getTime() + DAY);
    assert.equal(policyLimit(thirtyDays.expiration, from)?.toISOString(), new Date(from.getTime() + 30 * DAY).toISOString());
    assert.equal(policyLimit(never.expiration, from), null);
    // calendar units as the server adds them, e.g. from 31 January one month is the end of February
    for (const [iso, at] of [['P1M', '2030-01-31T10:00:00Z'], ['P1Y2M3DT4H30M', '2030-01-15T12:00:00Z'], ['P2W', '2030-03-30T23:30:00Z'], ['PT36H', '2030-01-15T12:00:00Z']] as const) {
      const e = { type: 'afterDuration' as const, duration: iso, endDateTime: null };
      assert.equal(policyLimit(e, new Date(at))?.toISOString(), policyEnd(e, new Date(at)), `${iso} from ${at}`);
    }
    assert.equal(policyLimit({ type: 'afterDuration', duration: 'soon', endDateTime: null }, from), undefined, 'not a duration: left to the server');
    assert.doesNotMatch(readableDates("Policy 'X' allows access until 2031-02-28T10:00:00.000Z at the latest."), /2031-02-28T/);
    assert.match(limitHint('After 30 days', thirtyDays.expiration), /not later: administrators cannot override/);
    assert.doesNotMatch(limitHint('Never', never.expiration), /override/);
    // the server refuses an end beyond the limit from an administrator too (adminAdd)
    assert.equal(serverAccepts(thirtyDays, null, new Date(NOW.getTime() + 31 * DAY)), false);
  });
});
