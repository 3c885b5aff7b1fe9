import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusText } from '../../src/web/components/status-text';
import { REQUEST_STATES, ASSIGNMENT_STATES } from '../../src/domain/request-lifecycle';

describe('web statusText', () => {
  it('turns a status or state value into words, whichever casing the API uses', () => {
    assert.equal(statusText('PartiallyDelivered'), 'Partially delivered');
    assert.equal(statusText('partiallyDelivered'), 'Partially delivered');
    assert.equal(statusText('deliveryFailed'), 'Delivery failed');
    assert.equal(statusText('Delivered'), 'Delivered');
    assert.equal(statusText('SomethingNew'), 'Something new');
  });

  it('words the statuses whose value does not say what is going on', () => {
    assert.equal(statusText('Accepted'), 'Submitted');
    assert.equal(statusText('PendingNotBefore'), 'Scheduled');
    assert.equal(statusText('PendingApprovalEscalated'), 'Pending approval (forwarded)');
  });

  it('gives every request and assignment state of the server a capitalised phrase without camel case', () => {
    for (const s of [...REQUEST_STATES, ...ASSIGNMENT_STATES]) {
      const words = statusText(s);
      assert.match(words, /^[A-Z][a-z ()]*$/, `${s} → ${words}`);
    }
  });

  it('is null for no status', () => {
    assert.equal(statusText(''), null);
    assert.equal(statusText(null), null);
    assert.equal(statusText(undefined), null);
  });
});
