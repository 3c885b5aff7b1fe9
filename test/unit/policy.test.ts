import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/domain/errors.js';
import { policyToGraph, requirementsOf } from '../../src/domain/policy/graph.js';
import { audienceKeys, isInScope, scopePriority, selfAddAudience, selfServicePolicies } from '../../src/domain/policy/scope.js';
import { ALLOWED_TARGET_SCOPES, type AllowedTargetScope, type Policy, type SubjectFacts } from '../../src/domain/policy/types.js';
import { validatePolicySettings } from '../../src/domain/policy/validate.js';
import { policyFromRow, policyToRow } from '../../src/store/policy-rows.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const U1 = '11111111-1111-4111-8111-111111111111';
const U2 = '22222222-2222-4222-8222-222222222222';
const G1 = '33333333-3333-4333-8333-333333333333';
const ORG_A = '44444444-4444-4444-8444-444444444444';
const ORG_B = '55555555-5555-4555-8555-555555555555';

const single = (userId: string) => ({ '@odata.type': '#microsoft.graph.singleUser', userId });
const group = (groupId: string) => ({ '@odata.type': '#microsoft.graph.groupMembers', groupId });
const org = (connectedOrganizationId: string) => ({ '@odata.type': '#microsoft.graph.connectedOrganizationMembers', connectedOrganizationId });
const stage = (over: Record<string, unknown> = {}) => ({
  durationBeforeAutomaticDenial: 'P14D', durationBeforeEscalation: 'PT0S', isApproverJustificationRequired: false, isEscalationEnabled: false,
  primaryApprovers: [single(U1)], fallbackPrimaryApprovers: [], escalationApprovers: [], fallbackEscalationApprovers: [], ...over,
});

function settings(body: Record<string, unknown>) {
  return validatePolicySettings({ displayName: 'p', ...body }, NOW);
}
function rejects(body: Record<string, unknown>, target: string | RegExp, message?: RegExp) {
  assert.throws(() => settings(body), (e: unknown) => {
    assert.ok(e instanceof ValidationError, `expected a ValidationError, got ${String(e)}`);
    if (typeof target === 'string') assert.equal(e.target, target, e.message);
    else assert.match(e.target ?? '', target, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

function policy(scope: AllowedTargetScope, over: Partial<Policy> & { targets?: unknown[]; self?: Partial<Policy['requestorSettings']> } = {}): Policy {
  const { settings: s } = validatePolicySettings({
    displayName: over.displayName ?? scope,
    allowedTargetScope: scope,
    specificAllowedTargets: over.targets ?? (scope === 'specificDirectoryUsers' ? [single(U1)] : scope === 'specificConnectedOrganizationUsers' ? [org(ORG_A)] : []),
    requestorSettings: { enableTargetsToSelfAddAccess: scope !== 'notSpecified', ...over.self },
  }, NOW);
  return { id: over.id ?? `${scope}-id`, accessPackageId: 'pkg', ...s, createdAt: NOW.toISOString(), modifiedAt: NOW.toISOString() };
}

const member: SubjectFacts = { userId: U2, email: 'm@contoso.test', userType: 'Member', groupIds: new Set(), connectedOrganizationId: null, connectedOrganizationState: null };
const subjects: Record<string, SubjectFacts> = {
  listedMember: { ...member, userId: U1 },
  member,
  nestedGroupMember: { ...member, groupIds: new Set(['99999999-9999-4999-8999-999999999999', G1]) },
  guestOfA: { ...member, userId: U2, userType: 'Guest', connectedOrganizationId: ORG_A, connectedOrganizationState: 'configured' },
  guestNoOrg: { ...member, userType: 'Guest' },
  externalConfiguredB: { userId: null, email: 'x@b.example', userType: null, groupIds: new Set(), connectedOrganizationId: ORG_B, connectedOrganizationState: 'configured' },
  externalProposedA: { userId: null, email: 'x@a.example', userType: null, groupIds: new Set(), connectedOrganizationId: ORG_A, connectedOrganizationState: 'proposed' },
  externalUnknown: { userId: null, email: 'x@nowhere.example', userType: null, groupIds: new Set(), connectedOrganizationId: null, connectedOrganizationState: null },
};

describe('policy validation', () => {
  it('accepts the reference direct-assignment-only body and fills defaults', () => {
    const { settings: s, refs } = settings({
      description: 'policy for assignment', allowedTargetScope: 'notSpecified', specificAllowedTargets: [],
      expiration: { endDateTime: null, duration: null, type: 'noExpiration' },
      requestorSettings: {
        enableTargetsToSelfAddAccess: false, enableTargetsToSelfUpdateAccess: false, enableTargetsToSelfRemoveAccess: false, allowCustomAssignmentSchedule: true,
        enableOnBehalfRequestorsToAddAccess: false, enableOnBehalfRequestorsToUpdateAccess: false, enableOnBehalfRequestorsToRemoveAccess: false, onBehalfRequestors: [],
      },
      requestApprovalSettings: { isApprovalRequiredForAdd: false, isApprovalRequiredForUpdate: false, stages: [] },
    });
    assert.equal(s.allowedTargetScope, 'notSpecified');
    assert.equal(s.requestorSettings.allowCustomAssignmentSchedule, true);
    assert.equal(s.requestorSettings.acceptRequests, true, 'enabled unless told otherwise');
    assert.deepEqual(s.expiration, { type: 'noExpiration', endDateTime: null, duration: null });
    assert.deepEqual(s.requestApprovalSettings, { isApprovalRequiredForAdd: false, isApprovalRequiredForUpdate: false, isRequestorJustificationRequired: false, stages: [] });
    assert.deepEqual(refs, { users: [], groups: [], connectedOrganizations: [] });
  });

  it('accepts the reference external 2-stage body with sponsors and fallbacks, collecting references', () => {
    const { settings: s, refs } = settings({
      allowedTargetScope: 'AllConfiguredConnectedOrganizationUsers', specificAllowedTargets: [], expiration: { type: 'noExpiration' },
      requestorSettings: { enableTargetsToSelfAddAccess: true, enableTargetsToSelfUpdateAccess: true, enableTargetsToSelfRemoveAccess: true, allowCustomAssignmentSchedule: false, onBehalfRequestors: [] },
      requestApprovalSettings: {
        isApprovalRequiredForAdd: true, isApprovalRequiredForUpdate: false, stages: [
          stage({ primaryApprovers: [{ '@odata.type': '#microsoft.graph.internalSponsors' }], fallbackPrimaryApprovers: [single(U1), group(G1)] }),
          stage({ primaryApprovers: [], fallbackPrimaryApprovers: [single(U2)] }),
        ],
      },
      reviewSettings: { isEnabled: true, expirationBehavior: 'keepAccess' },
    });
    assert.equal(s.allowedTargetScope, 'allConfiguredConnectedOrganizationUsers', 'enum written in the reference casing');
    assert.equal(s.requestApprovalSettings.stages.length, 2);
    assert.equal(s.requestApprovalSettings.stages[0].approvalsRequired, 1);
    assert.deepEqual(refs.users.map((r) => r.field), ['requestApprovalSettings.stages[0].fallbackPrimaryApprovers[0].userId', 'requestApprovalSettings.stages[1].fallbackPrimaryApprovers[0].userId']);
    assert.deepEqual(refs.groups.map((r) => r.id), [G1]);
    assert.deepEqual(s.reviewSettings, { isEnabled: true, expirationBehavior: 'keepAccess' });
  });

  it('checks allowedTargetScope and its specificAllowedTargets', () => {
    rejects({ allowedTargetScope: 'everyone' }, 'allowedTargetScope', /expected one of/);
    rejects({ allowedTargetScope: 'specificDirectoryUsers', specificAllowedTargets: [] }, 'specificAllowedTargets', /at least one user or group/);
    rejects({ allowedTargetScope: 'specificDirectoryUsers', specificAllowedTargets: [org(ORG_A)] }, 'specificAllowedTargets[0].@odata.type');
    rejects({ allowedTargetScope: 'specificConnectedOrganizationUsers', specificAllowedTargets: [] }, 'specificAllowedTargets', /connected organization/);
    rejects({ allowedTargetScope: 'specificConnectedOrganizationUsers', specificAllowedTargets: [single(U1)] }, 'specificAllowedTargets[0].@odata.type');
    rejects({ allowedTargetScope: 'allMemberUsers', specificAllowedTargets: [single(U1)] }, 'specificAllowedTargets', /must be empty/);
    rejects({ allowedTargetScope: 'specificDirectoryUsers', specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.attributeRuleMembers', membershipRule: '(user.department -eq "Sales")' }] },
      'automaticRequestSettings.requestAccessForAllowedTargets', /is an auto-assignment policy/);
    rejects({ allowedTargetScope: 'specificDirectoryUsers', specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.attributeRuleMembers', membershipRule: 'user.department -eq' }], automaticRequestSettings: { requestAccessForAllowedTargets: true } },
      'specificAllowedTargets[0].membershipRule', /at position 20/);
    rejects({ allowedTargetScope: 'allMemberUsers', specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.attributeRuleMembers', membershipRule: 'user.department -eq "x"' }] },
      'specificAllowedTargets[0].@odata.type', /needs allowedTargetScope 'specificDirectoryUsers'/);
    rejects({ allowedTargetScope: 'allDirectoryServicePrincipals' }, 'allowedTargetScope', /not supported/);
    rejects({ allowedTargetScope: 'specificDirectoryUsers', specificAllowedTargets: [single('not-a-guid')] }, 'specificAllowedTargets[0].userId');
    rejects({ allowedTargetScope: 'allMemberUsers', automaticRequestSettings: { requestAccessForAllowedTargets: true } }, 'specificAllowedTargets', /exactly one/);
    rejects({ allowedTargetScope: 'specificDirectoryUsers', specificAllowedTargets: [single(U1), single(U1)] }, 'specificAllowedTargets[1]', /repeats/);
    rejects({ requestorSettings: { enableTargetsToSelfAddAccess: true } }, 'requestorSettings.enableTargetsToSelfAddAccess', /notSpecified/);
    rejects({ requestorSettings: { enableTargetToSelfAddAccess: true } }, 'requestorSettings.enableTargetToSelfAddAccess', /not a known property/);
  });

  it('enforces the reference limits of 500 users and groups and 1000 organizations', () => {
    const users = Array.from({ length: 501 }, (_, i) => single(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`));
    rejects({ allowedTargetScope: 'specificDirectoryUsers', specificAllowedTargets: users }, 'specificAllowedTargets', /500/);
    assert.equal(settings({ allowedTargetScope: 'specificDirectoryUsers', specificAllowedTargets: users.slice(0, 500) }).settings.specificAllowedTargets.length, 500);
    const orgs = Array.from({ length: 1001 }, (_, i) => org(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`));
    rejects({ allowedTargetScope: 'specificConnectedOrganizationUsers', specificAllowedTargets: orgs }, 'specificAllowedTargets', /1000/);
  });

  it('checks approval stages: count, approvers, durations, escalation, fallbacks, quorum', () => {
    const approval = (stages: unknown[], over: Record<string, unknown> = {}) => ({ requestApprovalSettings: { isApprovalRequiredForAdd: true, stages, ...over } });
    rejects(approval([]), 'requestApprovalSettings.stages', /at least one stage/);
    rejects({ requestApprovalSettings: { isApprovalRequiredForUpdate: true, stages: [] } }, 'requestApprovalSettings.stages');
    assert.equal(settings({ requestApprovalSettings: { isApprovalRequiredForAdd: false, stages: [] } }).settings.requestApprovalSettings.stages.length, 0);
    rejects(approval([stage(), stage(), stage(), stage()]), 'requestApprovalSettings.stages', /at most 3/);
    assert.equal(settings(approval([stage(), stage(), stage()])).settings.requestApprovalSettings.stages.length, 3);
    rejects(approval([stage(), stage({ primaryApprovers: [], fallbackPrimaryApprovers: [] })]), 'requestApprovalSettings.stages[1].primaryApprovers', /at least one approver/);
    rejects(approval([stage({ durationBeforeAutomaticDenial: '14 days' })]), 'requestApprovalSettings.stages[0].durationBeforeAutomaticDenial', /ISO-8601/);
    rejects(approval([stage({ durationBeforeAutomaticDenial: 'PT30M' })]), 'requestApprovalSettings.stages[0].durationBeforeAutomaticDenial', /PT1H and P90D/);
    rejects(approval([stage({ durationBeforeAutomaticDenial: 'P91D' })]), 'requestApprovalSettings.stages[0].durationBeforeAutomaticDenial');
    rejects(approval([stage({ primaryApprovers: [{ '@odata.type': '#microsoft.graph.requestorManager', managerLevel: 1 }] })]),
      'requestApprovalSettings.stages[0].fallbackPrimaryApprovers', /manager or sponsors/);
    rejects(approval([stage({ primaryApprovers: [{ '@odata.type': '#microsoft.graph.requestorManager', managerLevel: 3 }], fallbackPrimaryApprovers: [single(U1)] })]),
      'requestApprovalSettings.stages[0].primaryApprovers[0].managerLevel');
    rejects(approval([stage({ fallbackPrimaryApprovers: [{ '@odata.type': '#microsoft.graph.requestorManager', managerLevel: 1 }] })]),
      'requestApprovalSettings.stages[0].fallbackPrimaryApprovers[0].@odata.type');
    rejects(approval([stage({ primaryApprovers: [org(ORG_A)] })]), 'requestApprovalSettings.stages[0].primaryApprovers[0].@odata.type');
    // escalation
    rejects(approval([stage({ isEscalationEnabled: true, durationBeforeEscalation: 'P7D' })]), 'requestApprovalSettings.stages[0].escalationApprovers');
    rejects(approval([stage({ isEscalationEnabled: true, durationBeforeEscalation: 'P14D', escalationApprovers: [single(U2)] })]),
      'requestApprovalSettings.stages[0].durationBeforeEscalation', /shorter than/);
    rejects(approval([stage({ isEscalationEnabled: true, durationBeforeEscalation: 'PT0S', escalationApprovers: [single(U2)] })]),
      'requestApprovalSettings.stages[0].durationBeforeEscalation');
    const ok = settings(approval([stage({ isEscalationEnabled: true, durationBeforeEscalation: 'P7D', escalationApprovers: [single(U2)] })]));
    assert.equal(ok.settings.requestApprovalSettings.stages[0].durationBeforeEscalation, 'P7D');
    // quorum
    rejects(approval([stage({ approvalsRequired: 2 })]), 'requestApprovalSettings.stages[0].approvalsRequired', /only 1 approver/);
    rejects(approval([stage({ approvalsRequired: 0 })]), 'requestApprovalSettings.stages[0].approvalsRequired');
    assert.equal(settings(approval([stage({ primaryApprovers: [single(U1), single(U2)], approvalsRequired: 2 })])).settings.requestApprovalSettings.stages[0].approvalsRequired, 2);
    assert.equal(settings(approval([stage({ primaryApprovers: [group(G1)], approvalsRequired: 5 })])).settings.requestApprovalSettings.stages[0].approvalsRequired, 5,
      'unbounded (up to a cap) when a group approves');
  });

  it('checks expiration patterns', () => {
    const exp = (expiration: unknown) => settings({ expiration }).settings.expiration;
    assert.deepEqual(exp({ type: 'afterDuration', duration: 'P30D' }), { type: 'afterDuration', endDateTime: null, duration: 'P30D' });
    assert.deepEqual(exp({ type: 'AFTERDURATION', duration: 'pt12h' }), { type: 'afterDuration', endDateTime: null, duration: 'PT12H' });
    assert.equal(exp({ type: 'afterDuration', duration: 'P3660D' }).duration, 'P3660D');
    assert.equal(exp({ type: 'afterDuration', duration: 'P0D' }).duration, 'P0D');
    rejects({ expiration: { type: 'afterDuration', duration: 'P3661D' } }, 'expiration.duration', /3660/);
    rejects({ expiration: { type: 'afterDuration', duration: 'P1M' } }, 'expiration.duration', /days/);
    rejects({ expiration: { type: 'afterDuration' } }, 'expiration.duration', /required/);
    rejects({ expiration: { type: 'afterDuration', duration: 'thirty days' } }, 'expiration.duration');
    assert.deepEqual(exp({ type: 'afterDateTime', endDateTime: '2026-12-31T00:00:00+01:00' }), { type: 'afterDateTime', endDateTime: '2026-12-30T23:00:00.000Z', duration: null });
    rejects({ expiration: { type: 'afterDateTime', endDateTime: '2026-01-01T00:00:00Z' } }, 'expiration.endDateTime', /future/);
    rejects({ expiration: { type: 'afterDateTime', endDateTime: '2026-13-01' } }, 'expiration.endDateTime');
    assert.deepEqual(exp({ type: 'notSpecified', duration: 'P1D' }), { type: 'notSpecified', endDateTime: null, duration: null });
    rejects({ expiration: { type: 'someday' } }, 'expiration.type');
    // a past end date is only refused when the client sends it, not when an unrelated property changes
    assert.equal(validatePolicySettings({ displayName: 'p', expiration: { type: 'afterDateTime', endDateTime: '2020-01-01T00:00:00Z' } }, NOW, false).settings.expiration.endDateTime,
      '2020-01-01T00:00:00.000Z');
  });

  it('checks questions and assigns stable ids', () => {
    const qs = (questions: unknown[]) => settings({ questions }).settings.questions;
    const out = qs([
      { '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', sequence: 2, isRequired: true, isAnswerEditable: true, text: 'What do you do for work?',
        localizations: [{ languageCode: 'fr-CA', text: 'Que fais-tu comme travail?' }], isSingleLineQuestion: false, regexPattern: '[a-zA-Z]+[a-zA-Z\\s]*' },
      { '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', sequence: 1, isRequired: true, isAnswerEditable: true, text: 'What country are you working from?',
        isMultipleSelectionAllowed: false, choices: [{ actualValue: 'KE', text: 'Kenya' }, { actualValue: 'US', text: 'United States' }] },
    ]);
    assert.deepEqual(out.map((q) => q.sequence), [1, 2], 'sorted by sequence');
    assert.match(out[0].id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(out[0].choices, [{ actualValue: 'KE', text: 'Kenya', localizations: [] }, { actualValue: 'US', text: 'United States', localizations: [] }]);
    assert.equal(out[1].regexPattern, '[a-zA-Z]+[a-zA-Z\\s]*');
    const kept = qs([{ id: out[0].id.toUpperCase(), text: 'Kept' }]);
    assert.equal(kept[0].id, out[0].id, 'an id sent back is kept');
    assert.equal(kept[0]['@odata.type'], '#microsoft.graph.accessPackageTextInputQuestion');

    rejects({ questions: [{ text: '' }] }, 'questions[0].text');
    rejects({ questions: [{ text: 'a', sequence: 1 }, { text: 'b', sequence: 1 }] }, 'questions[1].sequence', /unique/);
    rejects({ questions: [{ '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', text: 'a', choices: [] }] }, 'questions[0].choices');
    rejects({ questions: [{ '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', text: 'a', choices: [{ actualValue: 'x' }, { actualValue: 'x' }] }] },
      'questions[0].choices[1].actualValue');
    rejects({ questions: [{ text: 'a', regexPattern: '([a-z' }] }, 'questions[0].regexPattern', /not a valid regular expression/);
    rejects({ questions: [{ text: 'a', regexPattern: 'a'.repeat(201) }] }, 'questions[0].regexPattern', /200/);
    rejects({ questions: [{ text: 'a', localizations: [{ languageCode: 'not a tag', text: 'x' }] }] }, 'questions[0].localizations[0].languageCode');
    rejects({ questions: [{ text: 'a', localizations: [{ languageCode: 'fr', text: '' }] }] }, 'questions[0].localizations[0].text');
    rejects({ questions: [{ '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', text: 'a', choices: [{ actualValue: 'x' }] }] }, 'questions[0].choices');
    rejects({ questions: [{ '@odata.type': '#microsoft.graph.somethingElse', text: 'a' }] }, 'questions[0].@odata.type');
    const id = '66666666-6666-4666-8666-666666666666';
    rejects({ questions: [{ id, text: 'a' }, { id, text: 'b' }] }, 'questions[1].id');
  });
});

describe('policy validation: booleans and whole numbers written as strings', () => {
  // the reference's own example (create assignmentPolicies, example 4) writes "true" and "1"
  it('reads "true"/"false" and whole-number strings wherever the body has a boolean or a whole number, and stores real ones', () => {
    const { settings: s } = settings({
      allowedTargetScope: 'allMemberUsers',
      requestorSettings: { enableTargetsToSelfAddAccess: 'true', enableTargetsToSelfUpdateAccess: 'False', onBehalfRequestors: [] },
      requestApprovalSettings: {
        isApprovalRequiredForAdd: 'true', isRequestorJustificationRequired: 'TRUE',
        stages: [stage({ isApproverJustificationRequired: 'true', isEscalationEnabled: 'false', primaryApprovers: [single(U1), single(U2)], approvalsRequired: '2' })],
      },
      questions: [{ sequence: '3', text: 'q', isRequired: 'true', isAnswerEditable: 'false', isSingleLineQuestion: 'false' }],
      notificationSettings: { isAssignmentNotificationDisabled: 'true' },
      reviewSettings: { isEnabled: 'true', isSelfReview: 'false', schedule: { recurrence: { pattern: { type: 'absoluteMonthly', interval: '3', month: '0' }, range: { type: 'noEnd', numberOfOccurrences: '0' } } } },
    });
    assert.equal(s.requestorSettings.enableTargetsToSelfAddAccess, true);
    assert.equal(s.requestorSettings.enableTargetsToSelfUpdateAccess, false);
    assert.deepEqual([s.requestApprovalSettings.isApprovalRequiredForAdd, s.requestApprovalSettings.isRequestorJustificationRequired], [true, true]);
    const st = s.requestApprovalSettings.stages[0];
    assert.deepEqual([st.isApproverJustificationRequired, st.isEscalationEnabled, st.approvalsRequired], [true, false, 2]);
    const q = s.questions[0];
    assert.deepEqual([q.sequence, q.isRequired, q.isAnswerEditable, q.isSingleLineQuestion], [3, true, false, false]);
    assert.equal(s.notificationSettings.isAssignmentNotificationDisabled, true);
    assert.deepEqual(s.reviewSettings, { isEnabled: true, isSelfReview: false, schedule: { recurrence: { pattern: { type: 'absoluteMonthly', interval: 3, month: 0 }, range: { type: 'noEnd', numberOfOccurrences: 0 } } } });
    const manager = settings({ allowedTargetScope: 'allMemberUsers', requestApprovalSettings: { isApprovalRequiredForAdd: true,
      stages: [stage({ primaryApprovers: [{ '@odata.type': '#microsoft.graph.requestorManager', managerLevel: '2' }], fallbackPrimaryApprovers: [single(U1)] })] } });
    assert.deepEqual(manager.settings.requestApprovalSettings.stages[0].primaryApprovers, [{ '@odata.type': '#microsoft.graph.requestorManager', managerLevel: 2 }]);
  });

  it('still refuses other strings, naming the field; a string "true" does not slip past a rule', () => {
    rejects({ requestorSettings: { allowCustomAssignmentSchedule: 'yes' } }, 'requestorSettings.allowCustomAssignmentSchedule', /true or false/);
    rejects({ requestorSettings: { allowCustomAssignmentSchedule: '' } }, 'requestorSettings.allowCustomAssignmentSchedule');
    rejects({ questions: [{ text: 'q', sequence: '1.5' }] }, 'questions[0].sequence');
    rejects({ questions: [{ text: 'q', sequence: ' 1' }] }, 'questions[0].sequence');
    rejects({ questions: [{ text: 'q', isRequired: 1 }] }, 'questions[0].isRequired');
    rejects({ allowedTargetScope: 'notSpecified', requestorSettings: { enableTargetsToSelfAddAccess: 'true' } }, 'requestorSettings.enableTargetsToSelfAddAccess');
    rejects({ automaticRequestSettings: { requestAccessForAllowedTargets: 'true' } }, 'specificAllowedTargets', /auto-assignment policy/);
    rejects({ reviewSettings: { isEnabled: 'maybe' } }, 'reviewSettings.isEnabled');
  });
});

describe('policy scope (isInScope)', () => {
  const policies: Record<string, Policy> = {
    notSpecified: policy('notSpecified'),
    specificUser: policy('specificDirectoryUsers', { targets: [single(U1)] }),
    specificGroup: policy('specificDirectoryUsers', { targets: [group(G1)] }),
    allMemberUsers: policy('allMemberUsers'),
    allDirectoryUsers: policy('allDirectoryUsers'),
    specificOrgA: policy('specificConnectedOrganizationUsers', { targets: [org(ORG_A)] }),
    allConfigured: policy('allConfiguredConnectedOrganizationUsers'),
    allExternal: policy('allExternalUsers'),
  };
  // rows: policies; columns: subjects in the order of `subjects`
  const expected: Record<string, Record<string, boolean>> = {
    notSpecified: { listedMember: false, member: false, nestedGroupMember: false, guestOfA: false, guestNoOrg: false, externalConfiguredB: false, externalProposedA: false, externalUnknown: false },
    specificUser: { listedMember: true, member: false, nestedGroupMember: false, guestOfA: false, guestNoOrg: false, externalConfiguredB: false, externalProposedA: false, externalUnknown: false },
    specificGroup: { listedMember: false, member: false, nestedGroupMember: true, guestOfA: false, guestNoOrg: false, externalConfiguredB: false, externalProposedA: false, externalUnknown: false },
    allMemberUsers: { listedMember: true, member: true, nestedGroupMember: true, guestOfA: false, guestNoOrg: false, externalConfiguredB: false, externalProposedA: false, externalUnknown: false },
    allDirectoryUsers: { listedMember: true, member: true, nestedGroupMember: true, guestOfA: true, guestNoOrg: true, externalConfiguredB: false, externalProposedA: false, externalUnknown: false },
    specificOrgA: { listedMember: false, member: false, nestedGroupMember: false, guestOfA: true, guestNoOrg: false, externalConfiguredB: false, externalProposedA: true, externalUnknown: false },
    allConfigured: { listedMember: false, member: false, nestedGroupMember: false, guestOfA: true, guestNoOrg: false, externalConfiguredB: true, externalProposedA: false, externalUnknown: false },
    allExternal: { listedMember: false, member: false, nestedGroupMember: false, guestOfA: true, guestNoOrg: true, externalConfiguredB: true, externalProposedA: true, externalUnknown: true },
  };
  for (const [name, p] of Object.entries(policies)) {
    it(`${name}`, () => {
      const actual = Object.fromEntries(Object.entries(subjects).map(([s, facts]) => [s, isInScope(p, facts)]));
      assert.deepEqual(actual, expected[name]);
    });
  }

  it('gives each scope its reference priority', () => {
    assert.deepEqual(ALLOWED_TARGET_SCOPES.map((s) => [s, scopePriority(s)]), [
      ['notSpecified', undefined], ['specificDirectoryUsers', 1], ['specificConnectedOrganizationUsers', 1], ['specificDirectoryServicePrincipals', 1],
      ['allMemberUsers', 2], ['allDirectoryUsers', 3], ['allDirectoryServicePrincipals', 3], ['allConfiguredConnectedOrganizationUsers', 4], ['allExternalUsers', 4],
    ]);
  });
});

describe('selfServicePolicies', () => {
  it('returns only the highest-priority tier the subject matches, equals together', () => {
    const p1 = policy('specificDirectoryUsers', { id: 'p1', targets: [single(U1)] });
    const p1b = policy('specificDirectoryUsers', { id: 'p1b', targets: [group(G1)] });
    const p2 = policy('allMemberUsers', { id: 'p2' });
    const p3 = policy('allDirectoryUsers', { id: 'p3' });
    const all = [p3, p2, p1, p1b];
    assert.deepEqual(selfServicePolicies(all, subjects.listedMember, 'add').map((p) => p.id), ['p1'], 'P1 beats P2 and P3');
    assert.deepEqual(selfServicePolicies(all, { ...subjects.listedMember, groupIds: new Set([G1]) }, 'add').map((p) => p.id), ['p1', 'p1b'], 'equals are returned together');
    assert.deepEqual(selfServicePolicies(all, subjects.member, 'add').map((p) => p.id), ['p2']);
    assert.deepEqual(selfServicePolicies(all, subjects.guestNoOrg, 'add').map((p) => p.id), ['p3']);
    assert.deepEqual(selfServicePolicies(all, subjects.externalUnknown, 'add'), []);
  });

  it('leaves out disabled policies and those without the self-service flag of the kind', () => {
    const off = policy('specificDirectoryUsers', { id: 'off', targets: [single(U1)], self: { acceptRequests: false } });
    const p2 = policy('allMemberUsers', { id: 'p2', self: { enableTargetsToSelfUpdateAccess: true } });
    const none = policy('notSpecified', { id: 'admin' });
    assert.deepEqual(selfServicePolicies([off, p2, none], subjects.listedMember, 'add').map((p) => p.id), ['p2'], 'a disabled P1 does not hide P2');
    assert.deepEqual(selfServicePolicies([off, p2, none], subjects.listedMember, 'update').map((p) => p.id), ['p2']);
    assert.deepEqual(selfServicePolicies([off, p2, none], subjects.listedMember, 'remove'), []);
  });
});

describe('policy storage and Graph shape', () => {
  it('round-trips through a row and reads old rows with defaults', () => {
    const p = policy('allMemberUsers', { id: 'rt' });
    assert.deepEqual(policyFromRow(policyToRow(p)), p);
    const bare = policyFromRow({
      id: 'x', accessPackageId: 'pkg', displayName: 'old', description: null, allowedTargetScope: 'allMemberUsers', specificAllowedTargets: '[]',
      expiration: 'garbage', requestorSettings: '{"enableTargetsToSelfAddAccess":true}', requestApprovalSettings: '{}', reviewSettings: null,
      notificationSettings: null, automaticRequestSettings: null, scopeLossSettings: null, questions: '[]', createdAt: 'c', modifiedAt: 'm',
    });
    assert.equal(bare.requestorSettings.acceptRequests, true);
    assert.equal(bare.requestorSettings.enableTargetsToSelfAddAccess, true);
    assert.deepEqual(bare.expiration, { type: 'noExpiration', endDateTime: null, duration: null });
    assert.deepEqual(bare.requestApprovalSettings.stages, []);
    assert.equal(bare.notificationSettings.isAssignmentNotificationDisabled, false);
  });

  it('shows requirements and the Graph object', () => {
    const { settings: s } = settings({
      allowedTargetScope: 'allMemberUsers', requestorSettings: { enableTargetsToSelfAddAccess: true, allowCustomAssignmentSchedule: true },
      requestApprovalSettings: { isApprovalRequiredForAdd: true, isRequestorJustificationRequired: true, stages: [stage()] },
      expiration: { type: 'afterDuration', duration: 'P30D' }, questions: [{ text: 'Why?' }],
    });
    const p: Policy = { id: 'r1', accessPackageId: 'pkg', ...s, createdAt: 'c', modifiedAt: 'm' };
    const r = requirementsOf(p);
    assert.equal(r.policyId, 'r1');
    assert.equal(r.isApprovalRequiredForAdd, true);
    assert.equal(r.isRequestorJustificationRequired, true);
    assert.equal(r.allowCustomAssignmentSchedule, true);
    assert.deepEqual(r.schedule, { startDateTime: null, expiration: { type: 'afterDuration', endDateTime: null, duration: 'P30D' }, recurrence: null });
    assert.equal((r.questions as { '@odata.type': string }[])[0]['@odata.type'], '#microsoft.graph.accessPackageTextInputQuestion');
    const g = policyToGraph(p);
    assert.equal(g.allowedTargetScope, 'allMemberUsers');
    assert.equal(g.createdDateTime, 'c');
    assert.equal(((g.requestApprovalSettings as { stages: { primaryApprovers: { '@odata.type': string }[] }[] }).stages[0].primaryApprovers[0])['@odata.type'], '#microsoft.graph.singleUser');
  });
});

describe('self-add audience (the index behind filterByCurrentUser(on=allowedRequestor))', () => {
  const matches = (p: Policy, s: SubjectFacts) => {
    const keys = new Set(audienceKeys(s).map((k) => `${k.kind}:${k.subjectId}`));
    return selfAddAudience(p).some((a) => keys.has(`${a.kind}:${a.subjectId}`));
  };
  const variants: { name: string; targets?: unknown[]; self?: Partial<Policy['requestorSettings']> }[] = [
    { name: 'default' },
    { name: 'self-add off', self: { enableTargetsToSelfAddAccess: false } },
    { name: 'not accepting requests', self: { acceptRequests: false } },
    { name: 'a group (upper-case id)', targets: [group(G1.toUpperCase())] },
    { name: 'user and group', targets: [single(U2), group(G1)] },
    { name: 'organization B', targets: [org(ORG_B)] },
  ];
  for (const scope of ALLOWED_TARGET_SCOPES.filter((s) => s !== 'specificDirectoryServicePrincipals' && s !== 'allDirectoryServicePrincipals')) {
    for (const v of variants) {
      if (v.targets && !scope.startsWith('specific')) continue;
      if (v.targets && scope === 'specificConnectedOrganizationUsers' && !v.targets.some((t) => (t as { connectedOrganizationId?: string }).connectedOrganizationId)) continue;
      if (v.targets && scope === 'specificDirectoryUsers' && v.targets.some((t) => (t as { connectedOrganizationId?: string }).connectedOrganizationId)) continue;
      it(`${scope}, ${v.name}: matches exactly the subjects selfServicePolicies admits`, () => {
        const p = policy(scope, { targets: v.targets, self: v.self });
        for (const [name, s] of Object.entries(subjects)) {
          assert.equal(matches(p, s), selfServicePolicies([p], s, 'add').length > 0, `${scope} / ${v.name} / ${name}`);
        }
      });
    }
  }
});
