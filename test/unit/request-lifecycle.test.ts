import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDecision, stageOutcome, stageTimes } from '../../src/domain/approval.js';
import { ConflictError, ForbiddenError, ValidationError } from '../../src/domain/errors.js';
import {
  REQUEST_STATES, deliveryOutcome, requestKind, transitionRequest, type RequestEvent, type RequestState,
} from '../../src/domain/request-lifecycle.js';

const EVENTS: RequestEvent[] = ['needsApproval', 'start', 'schedule', 'escalate', 'deny', 'timeOut', 'cancel', 'delivered', 'partiallyDelivered', 'deliveryFailed', 'reprocess'];

// The whole table, written out: every (state, event) pair not listed here must be refused.
const ALLOWED: Record<RequestState, Partial<Record<RequestEvent, [RequestState, string]>>> = {
  submitted: {
    needsApproval: ['pendingApproval', 'PendingApproval'], start: ['delivering', 'Delivering'], schedule: ['scheduled', 'PendingNotBefore'],
    deny: ['denied', 'Denied'], cancel: ['canceled', 'Canceled'],
  },
  pendingApproval: {
    start: ['delivering', 'Delivering'], schedule: ['scheduled', 'PendingNotBefore'], escalate: ['pendingApproval', 'PendingApprovalEscalated'],
    deny: ['denied', 'Denied'], timeOut: ['denied', 'Expired'], cancel: ['canceled', 'Canceled'],
  },
  scheduled: { start: ['delivering', 'Delivering'], cancel: ['canceled', 'Canceled'] },
  delivering: { delivered: ['delivered', 'Delivered'], partiallyDelivered: ['partiallyDelivered', 'PartiallyDelivered'], deliveryFailed: ['deliveryFailed', 'DeliveryFailed'] },
  partiallyDelivered: {
    reprocess: ['delivering', 'Delivering'], delivered: ['delivered', 'Delivered'], partiallyDelivered: ['partiallyDelivered', 'PartiallyDelivered'],
    deliveryFailed: ['deliveryFailed', 'DeliveryFailed'],
  },
  deliveryFailed: {
    reprocess: ['delivering', 'Delivering'], delivered: ['delivered', 'Delivered'], partiallyDelivered: ['partiallyDelivered', 'PartiallyDelivered'],
    deliveryFailed: ['deliveryFailed', 'DeliveryFailed'],
  },
  delivered: {},
  denied: {},
  canceled: {},
};

describe('request state machine', () => {
  for (const state of REQUEST_STATES) {
    for (const event of EVENTS) {
      const expected = ALLOWED[state][event];
      it(`${state} + ${event} → ${expected ? expected.join('/') : 'refused'}`, () => {
        if (expected) {
          assert.deepEqual(transitionRequest(state, event), { state: expected[0], status: expected[1] });
        } else {
          assert.throws(() => transitionRequest(state, event), (e: unknown) => e instanceof ConflictError && e.message.includes(state));
        }
      });
    }
  }

  it('classifies request types', () => {
    assert.deepEqual(['userAdd', 'adminAdd', 'systemAdd', 'userUpdate', 'adminUpdate', 'systemUpdate', 'userRemove', 'adminRemove', 'systemRemove'].map((t) => requestKind(t as never)),
      ['add', 'add', 'add', 'update', 'update', 'update', 'remove', 'remove', 'remove']);
  });
});

describe('delivery outcome from grants', () => {
  const g = (...states: string[]) => states.map((state) => ({ state: state as never }));
  it('derives delivering, delivered, partially delivered and failed', () => {
    assert.equal(deliveryOutcome(g()), 'delivered');
    assert.equal(deliveryOutcome(g('delivered', 'delivered')), 'delivered');
    assert.equal(deliveryOutcome(g('delivered', 'pending')), 'delivering');
    assert.equal(deliveryOutcome(g('failed', 'pending')), 'delivering');
    assert.equal(deliveryOutcome(g('delivered', 'failed')), 'partiallyDelivered');
    assert.equal(deliveryOutcome(g('failed', 'failed')), 'deliveryFailed');
    assert.equal(deliveryOutcome(g('delivered', 'revoked')), 'delivered', 'revoked grants (role removed from the package) do not count');
  });
});

describe('approval stages', () => {
  it('computes due and escalation times', () => {
    const opened = new Date('2026-01-01T00:00:00.000Z');
    assert.deepEqual(stageTimes({ durationBeforeAutomaticDenial: 'P14D', durationBeforeEscalation: 'P7D', isEscalationEnabled: true }, opened),
      { dueAt: '2026-01-15T00:00:00.000Z', escalateAt: '2026-01-08T00:00:00.000Z' });
    assert.deepEqual(stageTimes({ durationBeforeAutomaticDenial: 'PT36H', durationBeforeEscalation: 'P7D', isEscalationEnabled: false }, opened),
      { dueAt: '2026-01-02T12:00:00.000Z', escalateAt: null });
  });

  it('decides on the first decision by default, on a quorum when asked, and on any deny', () => {
    assert.equal(stageOutcome(1, []), 'pending');
    assert.equal(stageOutcome(1, [{ reviewResult: 'Approve' }]), 'approved');
    assert.equal(stageOutcome(2, [{ reviewResult: 'Approve' }]), 'pending');
    assert.equal(stageOutcome(2, [{ reviewResult: 'Approve' }, { reviewResult: 'Approve' }]), 'approved');
    assert.equal(stageOutcome(2, [{ reviewResult: 'Approve' }, { reviewResult: 'Deny' }]), 'denied');
    assert.equal(stageOutcome(0, [{ reviewResult: 'Approve' }]), 'approved', 'a quorum below one means one');
  });

  const base = {
    stageStatus: 'InProgress' as const, approverId: 'a', approvers: new Set(['a', 'b']), ownRequestIds: ['r', 't'],
    alreadyDecidedBy: new Set<string>(), justificationRequired: false, decision: 'Approve' as const, justification: undefined,
  };
  it('accepts an approver of an open stage', () => assert.doesNotThrow(() => checkDecision(base)));
  it('refuses self-approval, even by a listed approver', () => {
    assert.throws(() => checkDecision({ ...base, approverId: 't', approvers: new Set(['t']) }), ForbiddenError);
  });
  it('refuses non-approvers', () => assert.throws(() => checkDecision({ ...base, approverId: 'x' }), ForbiddenError));
  it('refuses decided and unopened stages, and a second decision by the same approver', () => {
    assert.throws(() => checkDecision({ ...base, stageStatus: 'Completed' }), ConflictError);
    assert.throws(() => checkDecision({ ...base, stageStatus: 'Expired' }), ConflictError);
    assert.throws(() => checkDecision({ ...base, stageStatus: 'Initializing' }), /not started/);
    assert.throws(() => checkDecision({ ...base, alreadyDecidedBy: new Set(['a']) }), ConflictError);
  });
  it('requires a justification when the stage says so', () => {
    assert.throws(() => checkDecision({ ...base, justificationRequired: true, justification: '  ' }), ValidationError);
    assert.doesNotThrow(() => checkDecision({ ...base, justificationRequired: true, justification: 'ok' }));
  });
});
