import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextReconcileAt } from '../../src/domain/reconcile-schedule.js';
import { ldapConnector } from '../../src/connectors/ldap/index.js';

// When a connection's next scheduled reconciliation falls, and how LDAP account ids compare.

describe('reconciliation schedule', () => {
  const at = '2026-03-01T10:00:00.000Z';
  it('adds the interval to the time of the run', () => {
    assert.equal(nextReconcileAt('PT1H', at), '2026-03-01T11:00:00.000Z');
    assert.equal(nextReconcileAt('P1D', at), '2026-03-02T10:00:00.000Z');
  });
  it('never runs more often than once a minute', () => {
    assert.equal(nextReconcileAt('PT0S', at), '2026-03-01T10:01:00.000Z');
    assert.equal(nextReconcileAt('PT5S', at), '2026-03-01T10:01:00.000Z');
  });
  it('has no next time without an interval, or with one it cannot read', () => {
    assert.equal(nextReconcileAt(null, at), null);
    assert.equal(nextReconcileAt('hourly', at), null);
  });
});

describe('LDAP account keys', () => {
  it('compare DNs as LDAP does: case and spaces around separators do not matter', () => {
    const key = ldapConnector.accountKey!;
    assert.equal(key('UID=Alice, OU=People,dc=example, dc=com'), key('uid=alice,ou=people,dc=example,dc=com'));
    assert.notEqual(key('uid=alice,ou=people,dc=example,dc=com'), key('uid=alicia,ou=people,dc=example,dc=com'));
  });
});
