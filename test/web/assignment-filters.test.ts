import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ASSIGNMENT_STATE_CHOICES, assignmentFilter, REQUEST_STATE_CHOICES, requestFilter, scheduledFilter, showsScheduled,
} from '../../src/web/admin/packages/assignment-filters';

const PKG = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';

describe('web assignment filters: assignmentFilter', () => {
  it('"Scheduled" lists the package\'s requests that start later (no assignment yet); Active and All show them too', () => {
    assert.ok(ASSIGNMENT_STATE_CHOICES.some((c) => c.value === 'scheduled'));
    assert.equal(scheduledFilter(PKG), `accessPackage/id eq '${PKG}' and state eq 'scheduled'`);
    assert.deepEqual(['scheduled', 'active', '', 'expired', 'delivered'].map(showsScheduled), [true, true, true, false, false]);
  });


  it('"All" filters on the package only', () => {
    assert.equal(assignmentFilter(PKG, ''), `accessPackage/id eq '${PKG}'`);
  });

  it('"Active" lists every state that gives or is about to give access, not expired', () => {
    assert.equal(assignmentFilter(PKG, 'active'),
      `accessPackage/id eq '${PKG}' and state in ('delivering','partiallyDelivered','delivered','deliveryFailed')`);
  });

  it('a single state is an eq clause', () => {
    assert.equal(assignmentFilter(PKG, 'expired'), `accessPackage/id eq '${PKG}' and state eq 'expired'`);
  });

  it('quotes what it is given, so a quote cannot end the literal', () => {
    assert.equal(assignmentFilter("x' or 1 eq 1 or 'y", "a'b"), "accessPackage/id eq 'x'' or 1 eq 1 or ''y' and state eq 'a''b'");
  });

  it('every state choice other than All and Active is a state of its own', () => {
    for (const c of ASSIGNMENT_STATE_CHOICES) {
      if (c.value === '' || c.value === 'active' || c.value === 'scheduled') continue;
      assert.match(assignmentFilter(PKG, c.value), new RegExp(` and state eq '${c.value}'$`));
    }
  });
});

describe('web assignment filters: requestFilter', () => {
  it('"All" filters on the package only', () => {
    assert.equal(requestFilter(PKG, ''), `accessPackage/id eq '${PKG}'`);
  });

  it('"Open" lists the states of requests not yet completed', () => {
    assert.equal(requestFilter(PKG, 'open'), `accessPackage/id eq '${PKG}' and state in ('submitted','pendingApproval','scheduled','delivering')`);
  });

  it('a single state is an eq clause', () => {
    for (const c of REQUEST_STATE_CHOICES) {
      if (c.value === '' || c.value === 'open') continue;
      assert.equal(requestFilter(PKG, c.value), `accessPackage/id eq '${PKG}' and state eq '${c.value}'`);
    }
  });
});
