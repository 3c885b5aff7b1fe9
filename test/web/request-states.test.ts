import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CANCELLABLE_REQUEST_STATES, isCancellableRequest, OPEN_REQUEST_STATES, openRequestFilter } from '../../src/web/api/request-states';
import { canTransition, OPEN_REQUEST_STATES as SERVER_OPEN, REQUEST_STATES } from '../../src/domain/request-lifecycle';

// Both portals offer Cancel and list open requests from these lists; they must agree with the server's state
// machine, or a button would offer what the API refuses (or hide what it allows).

describe('web request states', () => {
  it('open states are the server’s open states', () => {
    assert.deepEqual([...OPEN_REQUEST_STATES].sort(), [...SERVER_OPEN].sort());
  });

  it('cancellable states are exactly those the server can cancel', () => {
    const server = REQUEST_STATES.filter((s) => canTransition(s, 'cancel'));
    assert.ok(server.length > 0, 'the server cancels requests in some state');
    assert.deepEqual([...CANCELLABLE_REQUEST_STATES].sort(), [...server].sort());
    for (const s of REQUEST_STATES) assert.equal(isCancellableRequest(s), server.includes(s), `cancellable in ${s}`);
  });

  it('the open filter names every open state, quoted', () => {
    assert.equal(openRequestFilter(), "state in ('submitted','pendingApproval','scheduled','delivering')");
  });
});
