import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isInScope } from '../../src/domain/policy/scope.js';
import type { Policy, SubjectFacts } from '../../src/domain/policy/types.js';
import { validatePolicySettings } from '../../src/domain/policy/validate.js';
import { scopePlan } from '../../src/domain/scope-loss.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const G1 = '33333333-3333-4333-8333-333333333333';

function policy(body: Record<string, unknown>): Policy {
  const { settings } = validatePolicySettings({ displayName: 'p', ...body }, NOW);
  return { id: 'p', accessPackageId: 'pkg', ...settings, createdAt: NOW.toISOString(), modifiedAt: NOW.toISOString() };
}
const rule = (membershipRule: string, automaticRequestSettings: Record<string, unknown> = {}) => policy({
  allowedTargetScope: 'specificDirectoryUsers',
  specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.attributeRuleMembers', membershipRule }],
  automaticRequestSettings: { requestAccessForAllowedTargets: true, ...automaticRequestSettings },
});
const groupPolicy = (scopeLossSettings?: Record<string, unknown>) => policy({
  allowedTargetScope: 'specificDirectoryUsers', specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.groupMembers', groupId: G1 }],
  requestorSettings: { enableTargetsToSelfAddAccess: true }, ...(scopeLossSettings ? { scopeLossSettings } : {}),
});
const facts = (attributes: SubjectFacts['attributes'], groups: string[] = []): SubjectFacts => ({
  userId: 'u', email: 'u@contoso.test', userType: 'Member', groupIds: new Set(groups), connectedOrganizationId: null, connectedOrganizationState: null, attributes,
});

describe('scope loss (joiner, mover)', () => {
  it('an attributeRuleMembers rule is in scope exactly when it matches the attributes', () => {
    const p = rule('user.department -eq "Sales"');
    assert.equal(isInScope(p, facts({ department: 'sales' })), true);
    assert.equal(isInScope(p, facts({ department: 'Marketing' })), false);
    assert.equal(isInScope(p, facts(undefined)), false, 'no attributes, no match');
  });

  it('requested access: removed after the policy grace period (7 days by default), or kept; back in scope calls it off', () => {
    const plan = scopePlan(groupPolicy(), false, false, NOW);
    assert.deepEqual(plan, { action: 'schedule', dueAt: '2026-03-08T00:00:00.000Z', reason: "the person is no longer in the scope of the policy 'p'" });
    assert.equal(scopePlan(groupPolicy({ gracePeriodBeforeAccessRemoval: 'PT6H' }), false, false, NOW).action, 'schedule');
    assert.equal((scopePlan(groupPolicy({ gracePeriodBeforeAccessRemoval: 'PT6H' }), false, false, NOW) as { dueAt: string }).dueAt, '2026-03-01T06:00:00.000Z');
    assert.deepEqual(scopePlan(groupPolicy({ removeAccess: false }), false, false, NOW), { action: 'none' });
    assert.deepEqual(scopePlan(groupPolicy(), false, true, NOW), { action: 'none' }, 'a pending removal keeps its time');
    assert.deepEqual(scopePlan(groupPolicy(), true, true, NOW), { action: 'cancel' });
    assert.deepEqual(scopePlan(groupPolicy(), true, false, NOW), { action: 'none' });
  });

  it('auto-assignment: automaticRequestSettings decide (no grace period: now); direct-assignment policies name nobody to leave', () => {
    assert.deepEqual(scopePlan(rule('user.department -eq "Sales"'), false, false, NOW).action, 'schedule');
    assert.equal((scopePlan(rule('user.department -eq "Sales"'), false, false, NOW) as { dueAt: string }).dueAt, NOW.toISOString());
    assert.equal((scopePlan(rule('user.department -eq "Sales"', { gracePeriodBeforeAccessRemoval: 'P2D' }), false, false, NOW) as { dueAt: string }).dueAt, '2026-03-03T00:00:00.000Z');
    assert.deepEqual(scopePlan(rule('user.department -eq "Sales"', { removeAccessWhenTargetLeavesAllowedTargets: false }), false, false, NOW), { action: 'none' });
    assert.deepEqual(scopePlan(policy({ allowedTargetScope: 'notSpecified' }), false, false, NOW), { action: 'none' });
    assert.deepEqual(scopePlan(undefined, false, false, NOW), { action: 'none' });
  });
});
