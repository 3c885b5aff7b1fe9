import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import type { Store } from '../../src/store/db.js';
import { backoffMs } from '../../src/domain/backoff.js';
import { claim, complete, enqueue, fail } from '../../src/store/jobs.js';
import { sharedScratch, type SharedScratch } from '../support/stores.js';

describe('job queue', () => {
  let db: SharedScratch;
  let store: Store;
  let other: Store;
  const clock = new ManualClock('2026-03-01T00:00:00.000Z');
  before(async () => {
    db = await sharedScratch();
    ({ store, other } = db);
  });
  after(async () => db.close());

  it('enqueues a deduplicated job once', async () => {
    await enqueue(store.db, clock, 'timer', { n: 1 }, { dedupeKey: 'timer:1' });
    await enqueue(store.db, clock, 'timer', { n: 2 }, { dedupeKey: 'timer:1' });
    const rows = await store.db.selectFrom('jobs').selectAll().where('dedupeKey', '=', 'timer:1').execute();
    assert.equal(rows.length, 1);
    assert.deepEqual(JSON.parse(rows[0].payload), { n: 1 });
  });

  it('claims only due jobs, each by exactly one of two concurrent workers', async () => {
    for (let i = 0; i < 40; i++) await enqueue(store.db, clock, 'work', { i });
    await enqueue(store.db, clock, 'work', { later: true }, { runAt: '2026-03-02T00:00:00.000Z' });
    const [a, b] = await Promise.all([
      claim(store.db, store.kind, clock, { owner: 'a', limit: 30, leaseMs: 60_000, kinds: ['work'] }),
      claim(other.db, other.kind, clock, { owner: 'b', limit: 30, leaseMs: 60_000, kinds: ['work'] }),
    ]);
    const ids = [...a, ...b].map((j) => j.id);
    assert.equal(ids.length, 40, 'every due job claimed, the future one not');
    assert.equal(new Set(ids).size, 40, 'no job claimed twice');
    assert.ok(a.every((j) => j.leaseOwner === 'a' && j.attempts === 1), 'expected: a.every((j) => j.leaseOwner === \'a\' && j.attempts === 1)');
    for (const j of a) assert.equal(await complete(store.db, clock, j, 'a'), true);
    // b crashes: its jobs come back once the lease runs out
    clock.advance(61_000);
    const again = await claim(store.db, store.kind, clock, { owner: 'c', limit: 100, leaseMs: 60_000, kinds: ['work'] });
    assert.deepEqual(again.map((j) => j.id).sort(), b.map((j) => j.id).sort());
    assert.ok(again.every((j) => j.attempts === 2), 'expected: again.every((j) => j.attempts === 2)');
    // the late worker b can no longer complete what c now owns
    assert.equal(await complete(store.db, clock, b[0], 'b'), false);
    assert.equal(await complete(store.db, clock, again[0], 'c'), true);
  });

  it('retries a failed job after its backoff, or ends it', async () => {
    const id = await enqueue(store.db, clock, 'flaky', {});
    const [j] = await claim(store.db, store.kind, clock, { owner: 'w', limit: 1, leaseMs: 60_000, kinds: ['flaky'] });
    assert.equal(j.id, id);
    const retryAt = new Date(clock.now().getTime() + backoffMs(j.attempts)).toISOString();
    await fail(store.db, clock, j, 'w', 'boom', retryAt);
    assert.deepEqual(await claim(store.db, store.kind, clock, { owner: 'w', limit: 1, leaseMs: 60_000, kinds: ['flaky'] }), []);
    clock.advance(backoffMs(j.attempts));
    const [k] = await claim(store.db, store.kind, clock, { owner: 'w', limit: 1, leaseMs: 60_000, kinds: ['flaky'] });
    assert.equal(k.id, id);
    assert.equal(k.lastError, 'boom');
    await fail(store.db, clock, k, 'w', 'gave up', null);
    const row = await store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(row.doneAt, 'expected: row.doneAt');
    assert.equal(row.lastError, 'gave up');
  });

  it('backs off exponentially with a cap', () => {
    assert.deepEqual([1, 2, 3, 10, 30].map(backoffMs), [2000, 4000, 8000, 600_000, 600_000]);
  });
});
