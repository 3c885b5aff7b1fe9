import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// The server's own validator: a body the form builds must be one the API accepts, and must say what the policy said.
import { validatePolicySettings } from '../../src/domain/policy/validate';
import {
  bodyFromForm, durationDays, durationHours, emptyPolicyForm, emptyQuestion, emptyStage, formFromPolicy, fromSubject, needsFallback,
  stagesApply, toSubject, validatePolicyForm, type PolicyForm, type StageForm,
} from '../../src/web/admin/packages/policy-form';
import type { Policy } from '../../src/web/admin/packages/types';

const T = '#microsoft.graph.';
const NOW = new Date('2030-01-15T12:00:00Z');
const ALICE = '0a000000-0000-4000-8000-000000000001';
const BOB = '0a000000-0000-4000-8000-000000000002';
const CAROL = '0a000000-0000-4000-8000-000000000003';
const SALES = '0b000000-0000-4000-8000-000000000001';
const FABRIKAM = '0c000000-0000-4000-8000-000000000001';
const WOODGROVE = '0c000000-0000-4000-8000-000000000002';
const Q1 = '0d000000-0000-4000-8000-000000000001';
const Q2 = '0d000000-0000-4000-8000-000000000002';
const Q3 = '0d000000-0000-4000-8000-000000000003';

/** A Graph policy body as an API client would send it, stored by the server's validator and read back as the API returns it. */
function stored(body: Record<string, unknown>): Policy {
  const { settings } = validatePolicySettings(body, NOW);
  return { id: 'p1', createdDateTime: NOW.toISOString(), modifiedDateTime: NOW.toISOString(), ...settings } as unknown as Policy;
}

/** form → body → what the server would store: equal to the policy's own settings when the form lost nothing. */
function roundTrip(p: Policy): unknown {
  const form = formFromPolicy(p);
  assert.deepEqual(validatePolicySettings(bodyFromForm(form), NOW).settings, validatePolicySettings(p as unknown as Record<string, unknown>, NOW).settings);
  return form;
}

const user = (id: string) => ({ '@odata.type': `${T}singleUser`, userId: id });

const approvalPolicy = () => stored({
  displayName: 'Sales staff, two stages',
  description: 'Managers approve, then the Sales lead.',
  allowedTargetScope: 'specificDirectoryUsers',
  specificAllowedTargets: [user(ALICE), { '@odata.type': `${T}groupMembers`, groupId: SALES, description: 'Sales team (EMEA)' }],
  expiration: { type: 'afterDuration', duration: 'P180D' },
  requestorSettings: {
    enableTargetsToSelfAddAccess: true, enableTargetsToSelfUpdateAccess: true, enableTargetsToSelfRemoveAccess: true, allowCustomAssignmentSchedule: true, acceptRequests: true,
    // not in the form: the API's on-behalf settings, which saving from the form must leave as they are
    enableOnBehalfRequestorsToAddAccess: true, onBehalfRequestors: [{ '@odata.type': `${T}requestorManager`, managerLevel: 1 }],
  },
  requestApprovalSettings: {
    isApprovalRequiredForAdd: true, isApprovalRequiredForUpdate: true, isRequestorJustificationRequired: true,
    stages: [
      {
        durationBeforeAutomaticDenial: 'P7D', isApproverJustificationRequired: true, isEscalationEnabled: true, durationBeforeEscalation: 'PT72H',
        primaryApprovers: [{ '@odata.type': `${T}requestorManager`, managerLevel: 2 }], fallbackPrimaryApprovers: [user(BOB)],
        escalationApprovers: [{ '@odata.type': `${T}targetUserSponsors` }], fallbackEscalationApprovers: [{ '@odata.type': `${T}groupMembers`, groupId: SALES }],
        approvalsRequired: 1,
      },
      {
        durationBeforeAutomaticDenial: 'P14D', isApproverJustificationRequired: false, isEscalationEnabled: false, durationBeforeEscalation: 'PT0S',
        primaryApprovers: [user(BOB), { ...user(CAROL), description: 'Carol, Sales lead' }], fallbackPrimaryApprovers: [], escalationApprovers: [], fallbackEscalationApprovers: [],
        approvalsRequired: 2,
      },
    ],
  },
  notificationSettings: { isAssignmentNotificationDisabled: true },
});

describe('web policy form: subjects', () => {
  it('reads each kind of subject and writes it back', () => {
    const sets = [
      { '@odata.type': `${T}singleUser`, userId: ALICE }, { '@odata.type': `${T}groupMembers`, groupId: SALES },
      { '@odata.type': `${T}connectedOrganizationMembers`, connectedOrganizationId: FABRIKAM }, { '@odata.type': `${T}requestorManager`, managerLevel: 2 },
      { '@odata.type': `${T}internalSponsors` }, { '@odata.type': `${T}externalSponsors` }, { '@odata.type': `${T}targetUserSponsors` },
    ];
    for (const s of sets) assert.deepEqual(toSubject(fromSubject(s)), s);
    const described = { '@odata.type': `${T}groupMembers`, groupId: SALES, description: 'Sales team (EMEA)' };
    assert.deepEqual(toSubject(fromSubject(described)), described);
  });

  it('takes the @odata.type with or without the namespace, and names relative approvers', () => {
    assert.deepEqual(fromSubject({ '@odata.type': 'microsoft.graph.singleUser', userId: ALICE, description: 'Alice' }), { kind: 'singleUser', id: ALICE, name: 'Alice', description: 'Alice' });
    assert.deepEqual(fromSubject({ '@odata.type': `${T}requestorManager` }), { kind: 'requestorManager', name: 'Manager of the requestor', managerLevel: 1 });
    assert.equal(fromSubject({ '@odata.type': `${T}requestorManager`, managerLevel: 2 }).name, 'Second-level manager of the requestor');
  });

  it('asks for fallbacks only when a manager or sponsors approve', () => {
    assert.equal(needsFallback([fromSubject(user(ALICE)), fromSubject({ '@odata.type': `${T}groupMembers`, groupId: SALES })]), false);
    assert.equal(needsFallback([fromSubject(user(ALICE)), fromSubject({ '@odata.type': `${T}requestorManager` })]), true);
    assert.equal(needsFallback([fromSubject({ '@odata.type': `${T}externalSponsors` })]), true);
  });
});

describe('web policy form: durations', () => {
  it('reads day and hour counts', () => {
    assert.equal(durationDays('P14D'), 14);
    assert.equal(durationDays('P2W'), 14);
    assert.equal(durationDays('PT36H'), 1.5);
    assert.equal(durationDays('p1dt12h'), 1.5);
    assert.equal(durationHours('P3D'), 72);
    assert.equal(durationHours('PT90M'), 1.5);
  });

  it('is undefined for what is not a plain duration', () => {
    assert.equal(durationDays(''), undefined);
    assert.equal(durationDays(null), undefined);
    assert.equal(durationDays('P1Y'), undefined);
    assert.equal(durationHours('14 days'), undefined);
  });
});

describe('web policy form: policy ⇄ form', () => {
  it('reads an approval policy with stages, fallbacks and escalation into the form', () => {
    const f = formFromPolicy(approvalPolicy());
    assert.equal(f.scope, 'specificDirectoryUsers');
    assert.deepEqual(f.targets.map((t) => [t.kind, t.id]), [['singleUser', ALICE], ['groupMembers', SALES]]);
    assert.deepEqual(f.organizations, []);
    assert.equal(f.approvalRequired, true);
    assert.equal(f.requestorJustification, true);
    assert.equal(f.expiration, 'afterDays');
    assert.equal(f.expirationAmount, '180');
    assert.equal(f.allowExtension, true);
    assert.equal(f.extensionNeedsApproval, true);
    assert.equal(f.allowCustomSchedule, true);
    assert.equal(f.notificationsDisabled, true);
    assert.equal(f.stages.length, 2);
    const [s1, s2] = f.stages;
    assert.deepEqual([s1.denyAfterDays, s1.escalationEnabled, s1.escalateAfterHours, s1.approverJustification], ['7', true, '72', true]);
    assert.deepEqual(s1.primary.map((s) => [s.kind, s.managerLevel]), [['requestorManager', 2]]);
    assert.deepEqual(s1.fallback.map((s) => s.id), [BOB]);
    assert.deepEqual(s1.escalation.map((s) => s.kind), ['targetUserSponsors']);
    assert.deepEqual(s1.fallbackEscalation.map((s) => s.id), [SALES]);
    assert.deepEqual([s2.denyAfterDays, s2.escalationEnabled, s2.escalateAfterHours, s2.approvalsRequired], ['14', false, '48', '2']);
    assert.deepEqual(validatePolicyForm(f, NOW), {});
  });

  it('round-trips an approval policy with stages, fallbacks and escalation', () => {
    roundTrip(approvalPolicy());
  });

  it('round-trips questions: text with a pattern, multi-line text, single and multiple choice', () => {
    const p = stored({
      displayName: 'With questions', allowedTargetScope: 'allMemberUsers', expiration: { type: 'noExpiration' },
      requestorSettings: { enableTargetsToSelfAddAccess: true, enableTargetsToSelfRemoveAccess: true },
      questions: [
        { '@odata.type': `${T}accessPackageTextInputQuestion`, id: Q1, sequence: 1, isRequired: true, text: 'What do you do for work?', isSingleLineQuestion: true, regexPattern: '[a-zA-Z]+[a-zA-Z\\s]*' },
        { '@odata.type': `${T}accessPackageMultipleChoiceQuestion`, id: Q2, sequence: 2, isRequired: false, text: 'Which tools?', isMultipleSelectionAllowed: true,
          choices: [{ actualValue: 'Git', text: 'Git' }, { actualValue: 'Jira', text: 'Jira' }] },
        { '@odata.type': `${T}accessPackageTextInputQuestion`, id: Q3, sequence: 3, isRequired: false, text: 'Anything else?', isSingleLineQuestion: false },
      ],
    });
    const f = formFromPolicy(p);
    assert.deepEqual(f.questions.map((q) => [q.id, q.kind, q.required, q.multiline, q.regexPattern, q.multipleSelection, q.choices]), [
      [Q1, 'text', true, false, '[a-zA-Z]+[a-zA-Z\\s]*', false, []],
      [Q2, 'choice', false, false, '', true, ['Git', 'Jira']],
      [Q3, 'text', false, true, '', false, []],
    ]);
    roundTrip(p);
  });

  it('keeps the actual values and translations of choices it did not change', () => {
    const p = stored({
      displayName: 'Country', allowedTargetScope: 'allMemberUsers', expiration: { type: 'noExpiration' },
      requestorSettings: { enableTargetsToSelfAddAccess: true },
      questions: [{
        '@odata.type': `${T}accessPackageMultipleChoiceQuestion`, id: Q1, sequence: 1, isRequired: true, isAnswerEditable: false, text: 'What country are you working from?',
        localizations: [{ languageCode: 'fr', text: 'De quel pays travaillez-vous ?' }],
        choices: [
          { actualValue: 'KE', text: 'Kenya', localizations: [{ languageCode: 'fr', text: 'Kenya' }] },
          { actualValue: 'US', text: 'United States', localizations: [{ languageCode: 'fr', text: 'États-Unis' }] },
        ],
      }],
    });
    const f = roundTrip(p) as PolicyForm;
    assert.deepEqual(f.questions[0].choices, ['Kenya', 'United States']);
    // a choice added in the form gets its text as actual value; the others keep theirs
    f.questions[0].choices.push('Brazil');
    const choices = (bodyFromForm(f).questions as { choices: unknown[] }[])[0].choices;
    assert.deepEqual(choices, [
      { actualValue: 'KE', text: 'Kenya', localizations: [{ languageCode: 'fr', text: 'Kenya' }] },
      { actualValue: 'US', text: 'United States', localizations: [{ languageCode: 'fr', text: 'États-Unis' }] },
      { actualValue: 'Brazil', text: 'Brazil' },
    ]);
  });

  it('round-trips each expiration: none, a number of days, of hours, and an end date (read back as that local day)', () => {
    const base = { displayName: 'Expiry', allowedTargetScope: 'allDirectoryUsers', requestorSettings: { enableTargetsToSelfAddAccess: true } };
    const none = formFromPolicy(stored({ ...base, expiration: { type: 'noExpiration' } }));
    assert.equal(none.expiration, 'noExpiration');
    const days = formFromPolicy(stored({ ...base, expiration: { type: 'afterDuration', duration: 'P30D' } }));
    assert.deepEqual([days.expiration, days.expirationAmount], ['afterDays', '30']);
    const hours = formFromPolicy(stored({ ...base, expiration: { type: 'afterDuration', duration: 'PT12H' } }));
    assert.deepEqual([hours.expiration, hours.expirationAmount], ['afterHours', '12']);
    const endLocal = new Date(2030, 5, 30, 23, 59, 59).toISOString();
    const date = formFromPolicy(stored({ ...base, expiration: { type: 'afterDateTime', endDateTime: endLocal } }));
    assert.deepEqual([date.expiration, date.expirationDate], ['afterDateTime', '2030-06-30']);
    for (const f of [none, days, hours, date]) assert.deepEqual(validatePolicyForm(f, NOW), {}, f.expiration);
    assert.deepEqual(bodyFromForm(date).expiration, { type: 'afterDateTime', endDateTime: endLocal });
    for (const expiration of [{ type: 'noExpiration' }, { type: 'afterDuration', duration: 'P30D' }, { type: 'afterDuration', duration: 'PT12H' }, { type: 'afterDateTime', endDateTime: endLocal }]) {
      roundTrip(stored({ ...base, expiration }));
    }
  });

  it('reads a duration of days and hours as hours, so it can be saved again', () => {
    const f = formFromPolicy(stored({ displayName: 'x', allowedTargetScope: 'allMemberUsers', expiration: { type: 'afterDuration', duration: 'P1DT12H' } }));
    assert.deepEqual([f.expiration, f.expirationAmount], ['afterHours', '36']);
    assert.deepEqual(validatePolicyForm(f, NOW), {});
  });

  it('round-trips connected-organization requestors, specific and all', () => {
    const specific = stored({
      displayName: 'Partners', allowedTargetScope: 'specificConnectedOrganizationUsers',
      specificAllowedTargets: [{ '@odata.type': `${T}connectedOrganizationMembers`, connectedOrganizationId: FABRIKAM }, { '@odata.type': `${T}connectedOrganizationMembers`, connectedOrganizationId: WOODGROVE }],
      expiration: { type: 'afterDuration', duration: 'P90D' },
      requestorSettings: { enableTargetsToSelfAddAccess: true },
      requestApprovalSettings: {
        isApprovalRequiredForAdd: true,
        stages: [{ durationBeforeAutomaticDenial: 'P14D', primaryApprovers: [{ '@odata.type': `${T}externalSponsors` }, { '@odata.type': `${T}internalSponsors` }], fallbackPrimaryApprovers: [user(ALICE)] }],
      },
    });
    const f = formFromPolicy(specific);
    assert.deepEqual(f.targets, []);
    assert.deepEqual(f.organizations.map((o) => o.id), [FABRIKAM, WOODGROVE]);
    roundTrip(specific);
    // switching the form to "all configured" drops the picked organizations from the body
    f.scope = 'allConfiguredConnectedOrganizationUsers';
    assert.deepEqual(bodyFromForm(f).specificAllowedTargets, []);
    roundTrip(stored({ displayName: 'All partners', allowedTargetScope: 'allConfiguredConnectedOrganizationUsers', requestorSettings: { enableTargetsToSelfAddAccess: true } }));
    roundTrip(stored({ displayName: 'Anyone outside', allowedTargetScope: 'allExternalUsers', requestorSettings: { enableTargetsToSelfAddAccess: true } }));
  });

  it('round-trips a direct-assignment-only policy, and sends no requests, approval or questions for one', () => {
    const p = stored({
      displayName: 'Admins assign', allowedTargetScope: 'notSpecified', expiration: { type: 'afterDuration', duration: 'P365D' },
      requestorSettings: { enableTargetsToSelfUpdateAccess: true, acceptRequests: true },
    });
    const f = formFromPolicy(p);
    assert.equal(f.scope, 'notSpecified');
    assert.equal(f.allowExtension, true);
    roundTrip(p);
    // leftovers of another scope do not reach the body
    f.approvalRequired = true;
    f.requestorJustification = true;
    f.allowSelfRemove = true;
    f.questions = [{ ...emptyQuestion(), text: 'Why?' }];
    f.targets = [fromSubject(user(ALICE))];
    const body = bodyFromForm(f) as { requestorSettings: Record<string, boolean>; requestApprovalSettings: Record<string, unknown>; questions: unknown[]; specificAllowedTargets: unknown[] };
    assert.equal(body.requestorSettings.enableTargetsToSelfAddAccess, false);
    assert.equal(body.requestorSettings.enableTargetsToSelfRemoveAccess, false);
    assert.equal(body.requestApprovalSettings.isApprovalRequiredForAdd, false);
    assert.equal(body.requestApprovalSettings.isRequestorJustificationRequired, false);
    assert.deepEqual(body.questions, []);
    assert.deepEqual(body.specificAllowedTargets, []);
    validatePolicySettings(body, NOW);
  });

  it('keeps stages for extension approval alone, and drops them when nothing needs approval', () => {
    const f: PolicyForm = { ...emptyPolicyForm(), displayName: 'x', scope: 'allMemberUsers', allowExtension: true, extensionNeedsApproval: true, stages: [{ ...emptyStage(), primary: [fromSubject(user(ALICE))] }] };
    assert.equal(stagesApply(f), true);
    let ap = bodyFromForm(f).requestApprovalSettings as { isApprovalRequiredForAdd: boolean; isApprovalRequiredForUpdate: boolean; stages: unknown[] };
    assert.deepEqual([ap.isApprovalRequiredForAdd, ap.isApprovalRequiredForUpdate, ap.stages.length], [false, true, 1]);
    // extension means nothing for access that does not end
    f.expiration = 'noExpiration';
    assert.equal(stagesApply(f), false);
    ap = bodyFromForm(f).requestApprovalSettings as typeof ap;
    assert.deepEqual([ap.isApprovalRequiredForAdd, ap.isApprovalRequiredForUpdate, ap.stages.length], [false, false, 0]);
    assert.equal((bodyFromForm(f).requestorSettings as { enableTargetsToSelfUpdateAccess: boolean }).enableTargetsToSelfUpdateAccess, false);
  });

  it('trims the name, sends an empty description as null and leaves blank choices out', () => {
    const f: PolicyForm = {
      ...emptyPolicyForm(), displayName: '  Trimmed  ', description: '   ', scope: 'allMemberUsers',
      questions: [{ ...emptyQuestion('choice'), text: ' Pick ', choices: [' a ', '', 'b'] }],
    };
    const body = bodyFromForm(f) as { displayName: string; description: unknown; questions: { text: string; choices: unknown[] }[] };
    assert.equal(body.displayName, 'Trimmed');
    assert.equal(body.description, null);
    assert.equal(body.questions[0].text, 'Pick');
    assert.deepEqual(body.questions[0].choices, [{ actualValue: 'a', text: 'a' }, { actualValue: 'b', text: 'b' }]);
    validatePolicySettings(body, NOW);
  });
});

describe('web policy form: validation', () => {
  const stage = (over: Partial<StageForm> = {}): StageForm => ({ ...emptyStage(), primary: [fromSubject(user(ALICE))], ...over });
  const valid = (over: Partial<PolicyForm> = {}): PolicyForm => ({
    ...emptyPolicyForm(), displayName: 'Policy', scope: 'specificDirectoryUsers', targets: [fromSubject(user(ALICE))], ...over,
  });
  const errors = (over: Partial<PolicyForm>) => validatePolicyForm(valid(over), NOW);

  it('accepts a complete form', () => {
    assert.deepEqual(errors({}), {});
    assert.deepEqual(errors({ approvalRequired: true, stages: [stage()] }), {});
  });

  it('needs a name, and requestors for the specific scopes', () => {
    assert.deepEqual(Object.keys(errors({ displayName: '  ' })), ['displayName']);
    assert.deepEqual(Object.keys(errors({ targets: [] })), ['targets']);
    assert.deepEqual(Object.keys(errors({ scope: 'specificConnectedOrganizationUsers', organizations: [] })), ['organizations']);
    assert.deepEqual(errors({ scope: 'allMemberUsers', targets: [] }), {});
  });

  it('needs a stage with approvers when approval is on, and fallbacks for managers and sponsors', () => {
    assert.deepEqual(Object.keys(errors({ approvalRequired: true, stages: [] })), ['stages']);
    assert.deepEqual(Object.keys(errors({ approvalRequired: true, stages: [stage({ primary: [] })] })), ['stages.0.primary']);
    const manager = fromSubject({ '@odata.type': `${T}requestorManager` });
    assert.deepEqual(Object.keys(errors({ approvalRequired: true, stages: [stage(), stage({ primary: [manager] })] })), ['stages.1.fallback']);
    assert.deepEqual(errors({ approvalRequired: true, stages: [stage({ primary: [manager], fallback: [fromSubject(user(BOB))] })] }), {});
    // approval off: stages are not checked
    assert.deepEqual(errors({ approvalRequired: false, stages: [stage({ primary: [] })] }), {});
  });

  it('checks the decision deadline and the number of approvals', () => {
    for (const bad of ['0', '91', '1.5', 'x', '']) {
      assert.deepEqual(Object.keys(errors({ approvalRequired: true, stages: [stage({ denyAfterDays: bad })] })), ['stages.0.denyAfterDays'], `denyAfterDays ${bad}`);
    }
    assert.deepEqual(errors({ approvalRequired: true, stages: [stage({ denyAfterDays: '90' })] }), {});
    assert.deepEqual(Object.keys(errors({ approvalRequired: true, stages: [stage({ approvalsRequired: '0' })] })), ['stages.0.approvalsRequired']);
    const two = errors({ approvalRequired: true, stages: [stage({ approvalsRequired: '2', primary: [fromSubject(user(ALICE)), fromSubject(user(ALICE))] })] });
    assert.match(two['stages.0.approvalsRequired'] ?? '', /only 1 approver/);
    assert.deepEqual(errors({ approvalRequired: true, stages: [stage({ approvalsRequired: '2', fallback: [fromSubject(user(BOB))] })] }), {});
    // a group's size is known per request only
    assert.deepEqual(errors({ approvalRequired: true, stages: [stage({ approvalsRequired: '5', primary: [fromSubject({ '@odata.type': `${T}groupMembers`, groupId: SALES })] })] }), {});
  });

  it('checks escalation: approvers, their fallbacks, and escalating before the deadline', () => {
    const esc = (over: Partial<StageForm>) => errors({ approvalRequired: true, stages: [stage({ escalationEnabled: true, escalation: [fromSubject(user(BOB))], ...over })] });
    assert.deepEqual(esc({}), {});
    assert.deepEqual(Object.keys(esc({ escalation: [] })), ['stages.0.escalation']);
    assert.deepEqual(Object.keys(esc({ escalation: [fromSubject({ '@odata.type': `${T}internalSponsors` })] })), ['stages.0.fallbackEscalation']);
    assert.match(esc({ denyAfterDays: '2', escalateAfterHours: '48' })['stages.0.escalateAfterHours'] ?? '', /before the decision deadline \(48 hours\)/);
    assert.deepEqual(esc({ denyAfterDays: '2', escalateAfterHours: '47' }), {});
    assert.deepEqual(Object.keys(esc({ escalateAfterHours: '0' })), ['stages.0.escalateAfterHours']);
  });

  it('checks questions unless nobody requests', () => {
    assert.deepEqual(Object.keys(errors({ questions: [{ ...emptyQuestion(), text: '' }] })), ['questions.0.text']);
    assert.deepEqual(Object.keys(errors({ questions: [{ ...emptyQuestion('choice'), text: 'Q', choices: ['', ' '] }] })), ['questions.0.choices']);
    assert.match(errors({ questions: [{ ...emptyQuestion('choice'), text: 'Q', choices: ['a', ' a'] }] })['questions.0.choices'] ?? '', /same/);
    assert.deepEqual(Object.keys(errors({ questions: [{ ...emptyQuestion(), text: 'Q', regexPattern: '([a-z]' }] })), ['questions.0.regexPattern']);
    for (const unsupported of ['(?=a)a', '(?<!a)b', '(a)\\1']) {
      assert.match(errors({ questions: [{ ...emptyQuestion(), text: 'Q', regexPattern: unsupported }] })['questions.0.regexPattern'] ?? '', /look-around|back-reference/, unsupported);
    }
    assert.deepEqual(errors({ questions: [{ ...emptyQuestion(), text: 'Q', regexPattern: '[A-Z]{2}\\d+' }] }), {});
    assert.deepEqual(errors({ scope: 'notSpecified', questions: [{ ...emptyQuestion(), text: '' }] }), {});
  });

  it('checks the expiration: a future date, whole days up to 3660, whole hours', () => {
    assert.deepEqual(Object.keys(errors({ expiration: 'afterDateTime', expirationDate: '' })), ['expirationDate']);
    assert.match(errors({ expiration: 'afterDateTime', expirationDate: '2029-12-31' }).expirationDate ?? '', /future/);
    assert.deepEqual(errors({ expiration: 'afterDateTime', expirationDate: '2030-06-30' }), {});
    assert.deepEqual(Object.keys(errors({ expiration: 'afterDays', expirationAmount: '3661' })), ['expirationAmount']);
    assert.deepEqual(Object.keys(errors({ expiration: 'afterDays', expirationAmount: '0' })), ['expirationAmount']);
    assert.deepEqual(errors({ expiration: 'afterDays', expirationAmount: '3660' }), {});
    assert.deepEqual(Object.keys(errors({ expiration: 'afterHours', expirationAmount: '2.5' })), ['expirationAmount']);
    assert.deepEqual(errors({ expiration: 'afterHours', expirationAmount: '12' }), {});
    assert.deepEqual(errors({ expiration: 'noExpiration', expirationAmount: 'junk' }), {});
  });

  it('accepts only what the server accepts at the limits (the form checks first, the server has the last word)', () => {
    for (const over of [
      { expiration: 'afterDays', expirationAmount: '3660' },
      { expiration: 'afterHours', expirationAmount: String(3660 * 24) },
      { approvalRequired: true, stages: [stage({ denyAfterDays: '90', escalationEnabled: true, escalation: [fromSubject(user(BOB))], escalateAfterHours: String(90 * 24 - 1) })] },
    ] as Partial<PolicyForm>[]) {
      const f = valid(over);
      assert.deepEqual(validatePolicyForm(f, NOW), {}, JSON.stringify(over));
      validatePolicySettings(bodyFromForm(f), NOW);
    }
  });
});
