import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock } from '../../src/domain/clock.js';
import type { Db, Tx } from '../../src/store/db.js';
import { auditEntries } from '../../src/services/events/audit.js';
import { createEventBus, type EventContext } from '../../src/services/events/bus.js';
import type { DomainEvent } from '../../src/services/events/index.js';

// The configuration and directory services publish events instead of writing audit rows; these pin the
// parts of the old rows that the integration tests do not read back (actor of the CLI, the change's time).

const clock: Clock = { now: () => new Date('2026-01-02T03:04:05.000Z') };

function capture() {
  const seen: { events: readonly DomainEvent[]; ctx: EventContext }[] = [];
  const bus = createEventBus({ db: {} as Db, clock, kick: () => {} }, [async (_tx, events, ctx) => { seen.push({ events, ctx }); }]);
  return { bus, seen };
}

describe('domain events of the configuration and the directory', () => {
  it('name the acting tool and keep the time of the change when asked', async () => {
    const { bus, seen } = capture();
    await bus.publish({} as Tx, null, { type: 'tokenRevoked', tokenId: 't1', name: 'ci' }, { at: '2025-12-31T00:00:00.000Z', by: 'latchkey CLI' });
    assert.deepEqual(seen[0].ctx.audit, { actor: { id: null, displayName: 'latchkey CLI' }, correlationId: null, at: '2025-12-31T00:00:00.000Z' });
    await bus.publish({} as Tx, null, { type: 'settingsUpdated', changes: [] });
    assert.deepEqual(seen[1].ctx.audit, { actor: { id: null, displayName: 'Latchkey' }, correlationId: null, at: '2026-01-02T03:04:05.000Z' });
  });

  it('become the audit records the services wrote by hand', () => {
    assert.deepEqual(auditEntries({ type: 'tokenCreated', tokenId: 't1', name: 'ci' }), [
      { activity: 'Create API token', category: 'UserManagement', targetType: 'apiToken', targetId: 't1', targetDisplayName: 'ci' },
    ]);
    assert.deepEqual(auditEntries({ type: 'resourceRemoved', resourceId: 'r1', name: 'Sales', catalogId: 'c1', originSystem: 'AadGroup', originId: 'g1' }), [{
      activity: 'Remove resource from catalog', targetType: 'accessPackageResource', targetId: 'r1', targetDisplayName: 'Sales',
      modifiedProperties: [
        { displayName: 'catalogId', oldValue: 'c1', newValue: null },
        { displayName: 'originSystem', oldValue: 'AadGroup', newValue: null },
        { displayName: 'originId', oldValue: 'g1', newValue: null },
      ],
    }]);
    assert.deepEqual(auditEntries({ type: 'subjectLifecycleChanged', userId: 'u1', userPrincipalName: 'g@x.test', oldLifecycle: 'notGoverned', newLifecycle: 'governed' }), [{
      activity: 'Update user', category: 'UserManagement', targetType: 'user', targetId: 'u1', targetDisplayName: 'g@x.test',
      modifiedProperties: [{ displayName: 'subjectLifecycle', oldValue: 'notGoverned', newValue: 'governed' }],
    }]);
    // lifecycle events still map as before
    assert.equal(auditEntries({ type: 'requestDeleted', requestId: 'q1' })[0].activity, 'Delete access package assignment request');
  });
});
