import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import type { Store } from '../../src/store/db.js';
import { createEventBus, type Subscriber } from '../../src/services/events/bus.js';
import { auditEntries } from '../../src/services/events/audit.js';
import type { DomainEvent } from '../../src/services/events/types.js';
import { sharedScratch, type SharedScratch } from '../support/stores.js';

// The lifecycle's event bus (services/events/bus.ts): subscribers run inside the publisher's transaction,
// and the worker is kicked once after a commit that enqueued work due now, never after a rollback.

describe('lifecycle event bus', () => {
  let db: SharedScratch;
  let store: Store;
  const clock = new ManualClock('2026-03-01T00:00:00.000Z');
  before(async () => {
    db = await sharedScratch();
    ({ store } = db);
  });
  after(async () => db.close());

  it('runs every subscriber in order, in the transaction, with the actor and time of the publish', async () => {
    const seen: string[] = [];
    const first: Subscriber = async (_tx, events, ctx) => {
      seen.push(`first:${events.map((e) => e.type).join(',')}:${ctx.at}:${ctx.audit.actor.displayName}`);
    };
    const second: Subscriber = async (tx, events) => {
      seen.push(`second:${events.length}`);
      await tx.insertInto('jobs').values({
        id: 'ev-1', kind: 'probe', payload: '{}', runAt: '2026-03-01T00:00:00.000Z', attempts: 0, leaseOwner: null, leaseExpiresAt: null,
        lastError: null, dedupeKey: null, createdAt: '2026-03-01T00:00:00.000Z', doneAt: null,
      }).execute();
    };
    const bus = createEventBus({ db: store.db, clock, kick: () => undefined }, [first, second]);
    await assert.rejects(bus.transaction(async (tx) => {
      await bus.publish(tx, null, [{ type: 'requestDeleted', requestId: 'r1' }, { type: 'requestDeleted', requestId: 'r2' }]);
      throw new Error('roll back');
    }));
    assert.deepEqual(seen, ['first:requestDeleted,requestDeleted:2026-03-01T00:00:00.000Z:Latchkey', 'second:2']);
    assert.equal(await store.db.selectFrom('jobs').select('id').where('id', '=', 'ev-1').executeTakeFirst(), undefined, 'the subscriber wrote in the rolled-back transaction');
  });

  it('kicks once after a commit that enqueued work due now; not for later work, nor after a rollback', async () => {
    let kicks = 0;
    const bus = createEventBus({ db: store.db, clock, kick: () => { kicks++; } }, []);
    await bus.transaction(async (tx) => {
      await bus.enqueue(tx, 'probe', { n: 1 });
      await bus.enqueue(tx, 'probe', { n: 2 });
      assert.equal(kicks, 0, 'not before the commit');
    });
    assert.equal(kicks, 1);
    await bus.transaction((tx) => bus.enqueue(tx, 'probe', { n: 3 }, { runAt: '2026-03-02T00:00:00.000Z' }));
    assert.equal(kicks, 1, 'a retry due later does not wake the worker');
    await assert.rejects(bus.transaction(async (tx) => {
      await bus.enqueue(tx, 'probe', { n: 4 });
      throw new Error('roll back');
    }));
    assert.equal(kicks, 1, 'a rolled-back enqueue wakes nobody');
    await bus.transaction(async () => undefined);
    assert.equal(kicks, 1, 'no work, no kick');
  });

  it('audits the events of a state change and not the ones only mailed', () => {
    const told: DomainEvent[] = [
      { type: 'requestDenied', request: {} as never, justification: null },
      { type: 'requestApproved', request: {} as never, justification: null },
      { type: 'assignmentExpiring', assignment: {} as never, days: 14 },
    ];
    assert.deepEqual(told.flatMap(auditEntries), []);
    assert.deepEqual(auditEntries({ type: 'assignmentEnded', assignmentId: 'a1', requestType: 'systemRemove' }), [{
      activity: 'Access package assignment expired', targetType: 'accessPackageAssignment', targetId: 'a1',
      modifiedProperties: [{ displayName: 'requestType', oldValue: null, newValue: 'systemRemove' }],
    }]);
  });
});
