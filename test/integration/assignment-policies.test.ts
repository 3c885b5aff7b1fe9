import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoleDefinitionIds as R } from '../../src/domain/authorization.js';
import { newId } from '../../src/domain/ids.js';
import { loadSubjectFacts } from '../../src/services/subject-facts.js';
import { EM, type ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const POLICIES = `${EM}/assignmentPolicies`;
const ALLOWED = `${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')`;

/** The reference's direct-assignment-only example. */
const directOnly = (accessPackageId: string) => ({
  displayName: 'New Policy', description: 'policy for assignment', allowedTargetScope: 'notSpecified', specificAllowedTargets: [],
  expiration: { endDateTime: null, duration: null, type: 'noExpiration' },
  requestorSettings: {
    enableTargetsToSelfAddAccess: false, enableTargetsToSelfUpdateAccess: false, enableTargetsToSelfRemoveAccess: false, allowCustomAssignmentSchedule: true,
    enableOnBehalfRequestorsToAddAccess: false, enableOnBehalfRequestorsToUpdateAccess: false, enableOnBehalfRequestorsToRemoveAccess: false, onBehalfRequestors: [],
  },
  requestApprovalSettings: { isApprovalRequiredForAdd: false, isApprovalRequiredForUpdate: false, stages: [] },
  accessPackage: { id: accessPackageId },
});

/** The reference's external 2-stage example, with this test's approvers. */
const external2Stage = (accessPackageId: string, approverId: string, groupId: string, approver2Id: string) => ({
  displayName: 'policy for external access requests', allowedTargetScope: 'allConfiguredConnectedOrganizationUsers', specificAllowedTargets: [],
  expiration: { type: 'noExpiration' },
  requestorSettings: { enableTargetsToSelfAddAccess: true, enableTargetsToSelfUpdateAccess: true, enableTargetsToSelfRemoveAccess: true, allowCustomAssignmentSchedule: false, onBehalfRequestors: [] },
  requestApprovalSettings: {
    isApprovalRequiredForAdd: true, isApprovalRequiredForUpdate: false, stages: [
      { durationBeforeAutomaticDenial: 'P14D', isApproverJustificationRequired: false, isEscalationEnabled: false, durationBeforeEscalation: 'PT0S',
        primaryApprovers: [{ '@odata.type': '#microsoft.graph.internalSponsors' }],
        fallbackPrimaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: approverId }, { '@odata.type': '#microsoft.graph.groupMembers', groupId }],
        escalationApprovers: [], fallbackEscalationApprovers: [] },
      { durationBeforeAutomaticDenial: 'P14D', isApproverJustificationRequired: false, isEscalationEnabled: false, durationBeforeEscalation: 'PT0S',
        primaryApprovers: [], fallbackPrimaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: approver2Id }],
        escalationApprovers: [], fallbackEscalationApprovers: [] },
    ],
  },
  reviewSettings: { isEnabled: true, expirationBehavior: 'keepAccess', isRecommendationEnabled: true, isReviewerJustificationRequired: true, isSelfReview: false,
    primaryReviewers: [{ '@odata.type': '#microsoft.graph.groupMembers', groupId }], fallbackReviewers: [] },
  accessPackage: { id: accessPackageId },
});

const QUESTIONS = [
  { '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', sequence: 1, isRequired: true, isAnswerEditable: true,
    text: 'What country are you working from?', isMultipleSelectionAllowed: false,
    choices: [{ actualValue: 'KE', text: 'Kenya' }, { actualValue: 'US', text: 'United States' }] },
  { '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', sequence: 2, isRequired: true, isAnswerEditable: true,
    text: 'What do you do for work?', localizations: [{ languageCode: 'fr-CA', text: 'Que fais-tu comme travail?' }],
    isSingleLineQuestion: false, regexPattern: '[a-zA-Z]+[a-zA-Z\\s]*' },
];

const selfService = (accessPackageId: string, scope: string, extra: Record<string, unknown> = {}) => ({
  displayName: `${scope} ${newId().slice(0, 6)}`, allowedTargetScope: scope,
  requestorSettings: { enableTargetsToSelfAddAccess: true, enableTargetsToSelfUpdateAccess: true },
  accessPackage: { id: accessPackageId }, ...extra,
});

describe('assignment policies', () => {
  let t: TestServer;
  let catalogId = '';
  let packageId = '';
  let approver = '';
  let approver2 = '';
  let groupId = '';

  const created = async (p: Promise<{ status: number; body: { id: string }; text: string }>) => {
    const r = await p;
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  const newCatalog = (body: Record<string, unknown> = {}) => created(t.admin.post(`${EM}/catalogs`, { displayName: `c ${newId().slice(0, 8)}`, ...body }));
  const newPackage = (catalog: string, body: Record<string, unknown> = {}) =>
    created(t.admin.post(`${EM}/accessPackages`, { displayName: `p ${newId().slice(0, 8)}`, catalog: { id: catalog }, ...body }));
  const newGroup = () => created(t.admin.post('/v1.0/groups', { displayName: `g ${newId().slice(0, 8)}` }));
  const addMember = async (group: string, member: string) => {
    const r = await t.admin.post(`/v1.0/groups/${group}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${member}` });
    assert.equal(r.status, 204, r.text);
  };
  const newOrg = async (domain: string, state = 'configured') => created(t.admin.post(`${EM}/connectedOrganizations`, {
    displayName: domain, state, identitySources: [{ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: domain, displayName: domain }],
  }));
  const policyCount = async () => Number((await t.store.db.selectFrom('assignmentPolicies').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const bad = async (body: unknown, target: RegExp | string, client: ApiClient = t.admin) => {
    const before = await policyCount();
    const r = await client.post(POLICIES, body);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.code, 'BadRequest');
    const where = `${r.body.error.target ?? ''} ${r.body.error.message}`;
    if (typeof target === 'string') assert.ok(where.includes(target), `expected '${target}' in: ${where}`);
    else assert.match(where, target);
    assert.equal(await policyCount(), before, 'nothing written');
    return r;
  };

  before(async () => {
    t = await startTestServer();
    catalogId = await newCatalog();
    packageId = await newPackage(catalogId);
    approver = (await t.user({ displayName: 'Approver One' })).id;
    approver2 = (await t.user({ displayName: 'Approver Two' })).id;
    groupId = await newGroup();
  });
  after(async () => { await t?.close(); });

  it('creates, reads, replaces (PUT), patches and deletes a policy, with ETags and audit events', async () => {
    const c = await t.admin.post(POLICIES, directOnly(packageId));
    assert.equal(c.status, 201, c.text);
    const id = c.body.id as string;
    t.clock.advance(1000);
    assert.equal(c.headers.get('location'), `${POLICIES}/${id}`);
    assert.equal(c.body.displayName, 'New Policy');
    assert.equal(c.body.allowedTargetScope, 'notSpecified');
    assert.deepEqual(c.body.expiration, { type: 'noExpiration', endDateTime: null, duration: null });
    assert.equal(c.body.requestorSettings.allowCustomAssignmentSchedule, true);
    assert.equal(c.body.requestorSettings.acceptRequests, true);
    assert.deepEqual(c.body.questions, []);
    assert.equal(c.body.accessPackage, undefined, 'navigation only when expanded');

    const g = await t.admin.get(`${POLICIES}/${id}`);
    assert.equal(g.status, 200);
    assert.deepEqual(g.body, c.body);
    const etag = g.headers.get('etag')!;
    assert.ok(etag, 'expected: etag');

    // PUT: the whole object is replaced by the reference's external 2-stage policy, with questions
    const put = await t.admin.put(`${POLICIES}/${id}`, { ...external2Stage(packageId, approver, groupId, approver2), questions: QUESTIONS }, { 'if-match': etag });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.allowedTargetScope, 'allConfiguredConnectedOrganizationUsers');
    assert.equal(put.body.description, null, 'left out of the PUT: back to its default');
    assert.equal(put.body.requestorSettings.allowCustomAssignmentSchedule, false);
    assert.equal(put.body.requestApprovalSettings.stages.length, 2);
    assert.deepEqual(put.body.requestApprovalSettings.stages[0].primaryApprovers, [{ '@odata.type': '#microsoft.graph.internalSponsors' }]);
    assert.equal(put.body.requestApprovalSettings.stages[1].fallbackPrimaryApprovers[0].userId, approver2);
    assert.equal(put.body.reviewSettings.expirationBehavior, 'keepAccess');
    assert.equal(put.body.questions.length, 2);
    t.clock.advance(1000);
    const qids = put.body.questions.map((q: { id: string }) => q.id);
    assert.equal(put.body.questions[0]['@odata.type'], '#microsoft.graph.accessPackageMultipleChoiceQuestion');
    assert.deepEqual(put.body.questions[1].localizations, [{ languageCode: 'fr-CA', text: 'Que fais-tu comme travail?' }]);

    const stale = await t.admin.put(`${POLICIES}/${id}`, directOnly(packageId), { 'if-match': etag });
    assert.equal(stale.status, 412);

    // a GET-modify-PUT round trip keeps question ids
    const g2 = await t.admin.get(`${POLICIES}/${id}`);
    assert.deepEqual(g2.body, put.body);
    const again = { ...g2.body, displayName: 'external (renamed)' };
    const put2 = await t.admin.put(`${POLICIES}/${id}`, again, { 'if-match': g2.headers.get('etag')! });
    assert.equal(put2.status, 200, put2.text);
    assert.deepEqual(put2.body.questions.map((q: { id: string }) => q.id), qids);
    assert.equal(put2.body.displayName, 'external (renamed)');

    t.clock.advance(1000);
    // PATCH changes only what it sends
    const patch = await t.admin.patch(`${POLICIES}/${id}`, { requestApprovalSettings: { isApprovalRequiredForAdd: false, isApprovalRequiredForUpdate: false, stages: [] } });
    assert.equal(patch.status, 200, patch.text);
    assert.equal(patch.body.displayName, 'external (renamed)');
    assert.equal(patch.body.requestApprovalSettings.stages.length, 0);
    assert.deepEqual(patch.body.questions.map((q: { id: string }) => q.id), qids);
    assert.equal(patch.body.reviewSettings.expirationBehavior, 'keepAccess');
    const stalePatch = await t.admin.patch(`${POLICIES}/${id}`, { displayName: 'x' }, { 'if-match': etag });
    assert.equal(stalePatch.status, 412);

    t.clock.advance(1000);
    const d = await t.admin.delete(`${POLICIES}/${id}`);
    assert.equal(d.status, 204);
    assert.equal((await t.admin.get(`${POLICIES}/${id}`)).status, 404);

    const events = await t.store.db.selectFrom('auditEvents').selectAll().where('targetId', '=', id).orderBy('occurredAt').orderBy('id').execute();
    const activities = events.map((e) => e.activity);
    assert.equal(activities[0], 'Create access package assignment policy');
    assert.equal(activities.filter((a) => a === 'Update access package assignment policy').length, 3);
    assert.equal(activities.at(-1), 'Delete access package assignment policy');
    const lastUpdate = events.filter((e) => e.activity === 'Update access package assignment policy').at(-1)!;
    assert.deepEqual(JSON.parse(lastUpdate.modifiedProperties).map((p: { displayName: string }) => p.displayName), ['requestApprovalSettings']);
  });

  it('accepts the beta accessPackageId and case-insensitive enums', async () => {
    const r = await t.admin.post(POLICIES, { displayName: 'beta', allowedTargetScope: 'ALLMEMBERUSERS', accessPackageId: packageId });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.allowedTargetScope, 'allMemberUsers');
    const list = await t.admin.get(`${POLICIES}?$filter=accessPackage/id eq '${packageId}' and allowedTargetScope eq 'allMemberUsers'&$expand=accessPackage,catalog`);
    assert.equal(list.status, 200, list.text);
    const found = list.body.value.find((p: { id: string }) => p.id === r.body.id);
    assert.ok(found, 'expected: found');
    assert.equal(found.accessPackage.id, packageId);
    assert.equal(found.catalog.id, catalogId);
  });

  it('refuses bad bodies with a 400 naming the field, writing nothing', async () => {
    await bad({ displayName: 'x' }, 'accessPackage.id');
    await bad({ displayName: 'x', accessPackage: { id: packageId }, allowedTargetScope: 'everybody' }, 'allowedTargetScope');
    await bad({ displayName: 'x', accessPackage: { id: packageId }, allowedTargetScope: 'specificDirectoryUsers', specificAllowedTargets: [] }, 'specificAllowedTargets');
    await bad({ ...directOnly(packageId), requestApprovalSettings: { isApprovalRequiredForAdd: true, stages: [] } }, 'requestApprovalSettings.stages');
    await bad({ ...directOnly(packageId), requestApprovalSettings: { isApprovalRequiredForAdd: true, stages: [{ durationBeforeAutomaticDenial: 'fortnight', primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: approver }] }] } },
      'requestApprovalSettings.stages[0].durationBeforeAutomaticDenial');
    await bad({ ...directOnly(packageId), expiration: { type: 'afterDuration', duration: 'P4000D' } }, 'expiration.duration');
    await bad({ ...directOnly(packageId), questions: [{ text: 'q', regexPattern: '(' }] }, 'questions[0].regexPattern');
    await bad({ ...directOnly(packageId), unknownProperty: 1 }, /unknownProperty/);
    // references that do not exist
    const ghost = newId();
    await bad({ displayName: 'x', accessPackage: { id: packageId }, allowedTargetScope: 'specificDirectoryUsers',
      specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.singleUser', userId: approver }, { '@odata.type': '#microsoft.graph.singleUser', userId: ghost }] },
    'specificAllowedTargets[1].userId');
    await bad({ displayName: 'x', accessPackage: { id: packageId }, allowedTargetScope: 'specificDirectoryUsers',
      specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.groupMembers', groupId: ghost }] }, 'specificAllowedTargets[0].groupId');
    await bad({ displayName: 'x', accessPackage: { id: packageId }, allowedTargetScope: 'specificConnectedOrganizationUsers',
      specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.connectedOrganizationMembers', connectedOrganizationId: ghost }] }, 'specificAllowedTargets[0].connectedOrganizationId');
    await bad({ ...external2Stage(packageId, ghost, groupId, approver2) }, 'requestApprovalSettings.stages[0].fallbackPrimaryApprovers[0].userId');
    const unknownPackage = await t.admin.post(POLICIES, directOnly(ghost));
    assert.equal(unknownPackage.status, 404);

    // a PUT or PATCH that fails validation changes nothing
    const ok = await t.admin.post(POLICIES, directOnly(packageId));
    const put = await t.admin.put(`${POLICIES}/${ok.body.id}`, { ...directOnly(packageId), expiration: { type: 'afterDateTime', endDateTime: '2001-01-01T00:00:00Z' } });
    assert.equal(put.status, 400);
    assert.equal(put.body.error.target, 'expiration.endDateTime');
    const patch = await t.admin.patch(`${POLICIES}/${ok.body.id}`, { allowedTargetScope: 'specificDirectoryUsers' });
    assert.equal(patch.status, 400);
    assert.deepEqual((await t.admin.get(`${POLICIES}/${ok.body.id}`)).body, ok.body);
    const other = await newPackage(catalogId);
    const move = await t.admin.patch(`${POLICIES}/${ok.body.id}`, { accessPackage: { id: other } });
    assert.equal(move.status, 400);
  });

  it('refuses to delete a policy with live assignments or open requests (409)', async () => {
    const pol = await t.admin.post(POLICIES, directOnly(packageId));
    const id = pol.body.id as string;
    const at = t.clock.now().toISOString();
    const target = (await t.user()).id;
    const assignmentId = newId();
    await t.store.db.insertInto('assignments').values({
      id: assignmentId, accessPackageId: packageId, policyId: id, targetId: target, state: 'delivered', status: 'Delivered', startAt: at, endAt: null,
      expiredAt: null, createdAt: at, modifiedAt: at, requestId: null, justification: null, answers: '[]',
    } as never).execute();
    const d1 = await t.admin.delete(`${POLICIES}/${id}`);
    assert.equal(d1.status, 409, d1.text);
    assert.match(d1.body.error.message, /assignments/);
    await t.store.db.updateTable('assignments').set({ state: 'expired', expiredAt: at }).where('id', '=', assignmentId).execute();

    const requestId = newId();
    await t.store.db.insertInto('assignmentRequests').values({
      id: requestId, accessPackageId: packageId, policyId: id, assignmentId: null, requestType: 'userAdd', state: 'pendingApproval', status: 'PendingApproval',
      requestorId: target, targetId: target, targetEmail: null, justification: null, answers: '[]', schedule: '{}', idempotencyKey: null, createdAt: at,
      completedAt: null, startAt: null, endAt: null, modifiedAt: at, reason: null,
    }).execute();
    const d2 = await t.admin.delete(`${POLICIES}/${id}`);
    assert.equal(d2.status, 409, d2.text);
    assert.match(d2.body.error.message, /open requests/);
    await t.store.db.updateTable('assignmentRequests').set({ state: 'denied' }).where('id', '=', requestId).execute();

    assert.equal((await t.admin.delete(`${POLICIES}/${id}`)).status, 204);
  });

  it('scopes reads and writes to the catalog roles of the caller', async () => {
    const otherCatalog = await newCatalog();
    const otherPackage = await newPackage(otherCatalog);
    const otherPolicy = await t.admin.post(POLICIES, directOnly(otherPackage));
    const mine = await t.admin.post(POLICIES, directOnly(packageId));
    const manager = await t.user();
    const reader = await t.user();
    await t.grantRole(manager.id, R.accessPackageManager, catalogId);
    await t.grantRole(reader.id, R.catalogReader, catalogId);

    assert.equal((await manager.client.post(POLICIES, directOnly(packageId))).status, 201);
    assert.equal((await manager.client.post(POLICIES, directOnly(otherPackage))).status, 403);
    assert.equal((await reader.client.post(POLICIES, directOnly(packageId))).status, 403);
    assert.equal((await reader.client.patch(`${POLICIES}/${mine.body.id}`, { displayName: 'no' })).status, 403);
    assert.equal((await reader.client.get(`${POLICIES}/${mine.body.id}`)).status, 200);
    assert.equal((await reader.client.get(`${POLICIES}/${otherPolicy.body.id}`)).status, 403);
    const list = await reader.client.get(`${POLICIES}?$top=500`);
    assert.equal(list.status, 200);
    const ids = list.body.value.map((p: { id: string }) => p.id);
    assert.ok(ids.includes(mine.body.id), 'expected: ids.includes(mine.body.id)');
    assert.ok(!ids.includes(otherPolicy.body.id), 'policies of other catalogs are not listed');
    const plain = await t.user();
    assert.deepEqual((await plain.client.get(POLICIES)).body.value, []);
  });

  it('pages the list and expands the full policies of a package', async () => {
    const pkg = await newPackage(catalogId);
    for (let i = 0; i < 3; i++) assert.equal((await t.admin.post(POLICIES, { ...directOnly(pkg), displayName: `page ${i}` })).status, 201);
    const p1 = await t.admin.get(`${POLICIES}?$filter=accessPackage/id eq '${pkg}'&$top=2&$count=true&$select=displayName`);
    assert.equal(p1.status, 200, p1.text);
    assert.equal(p1.body['@odata.count'], 3);
    assert.deepEqual(p1.body.value.map((p: { displayName: string }) => p.displayName), ['page 0', 'page 1']);
    assert.equal(p1.body.value[0].questions, undefined, '$select leaves out questions');
    const next = new URL(p1.body['@odata.nextLink']);
    const p2 = await t.admin.get(next.pathname + next.search);
    assert.deepEqual(p2.body.value.map((p: { displayName: string }) => p.displayName), ['page 2']);
    const expanded = await t.admin.get(`${EM}/accessPackages/${pkg}?$expand=assignmentPolicies`);
    assert.equal(expanded.status, 200, expanded.text);
    assert.equal(expanded.body.assignmentPolicies.length, 3);
    assert.equal(expanded.body.assignmentPolicies[0].requestorSettings.allowCustomAssignmentSchedule, true, 'the full policy object');
  });

  it('loads subject facts for users and for external email addresses', async () => {
    const configured = `conf${newId().slice(0, 6)}.example`;
    const proposed = `prop${newId().slice(0, 6)}.example`;
    const confId = await newOrg(configured);
    const propId = await newOrg(proposed, 'proposed');
    const g = await newGroup();
    const inner = await newGroup();
    await addMember(g, inner);
    const m = await t.user({ displayName: 'facts member' });
    await addMember(inner, m.id);
    const mf = await loadSubjectFacts(t.store.db, { userId: m.id });
    assert.equal(mf.userType, 'Member');
    assert.deepEqual([...mf.groupIds].sort(), [g, inner].sort(), 'transitive groups');
    assert.equal(mf.connectedOrganizationId, null);
    // a guest without a recorded organization is matched by the domain of its address
    const guestUser = await t.user({ userType: 'Guest', userPrincipalName: `x_${newId().slice(0, 6)}@${configured}`, mail: `x@${configured.toUpperCase()}` });
    const gf = await loadSubjectFacts(t.store.db, { userId: guestUser.id });
    assert.deepEqual([gf.userType, gf.connectedOrganizationId, gf.connectedOrganizationState], ['Guest', confId, 'configured']);
    // an address of a directory user is that user
    const byMail = await loadSubjectFacts(t.store.db, { email: `X@${configured}` });
    assert.equal(byMail.userId, guestUser.id);
    // external addresses: configured, proposed, unknown
    const ext = await loadSubjectFacts(t.store.db, { email: `someone@${configured}` });
    assert.deepEqual([ext.userId, ext.userType, ext.connectedOrganizationId, ext.connectedOrganizationState], [null, null, confId, 'configured']);
    const extP = await loadSubjectFacts(t.store.db, { email: `someone@${proposed}` });
    assert.deepEqual([extP.connectedOrganizationId, extP.connectedOrganizationState], [propId, 'proposed']);
    const unknown = await loadSubjectFacts(t.store.db, { email: 'someone@nowhere.example' });
    assert.deepEqual([unknown.userType, unknown.connectedOrganizationId], [null, null]);
    await assert.rejects(loadSubjectFacts(t.store.db, { userId: newId() }), /was not found/);
  });

  describe('what a person may request', () => {
    let member: { id: string; client: ApiClient };
    let groupMember: { id: string; client: ApiClient };
    let guest: { id: string; client: ApiClient };
    let outsider: { id: string; client: ApiClient };
    let allowedGroup = '';

    before(async () => {
      member = await t.user({ displayName: 'Member' });
      groupMember = await t.user({ displayName: 'Nested member' });
      outsider = await t.user({ displayName: 'Outsider (guest of an unknown org)', userType: 'Guest' });
      const domain = `partner${newId().slice(0, 6)}.example`;
      const orgId = await newOrg(domain);
      guest = await t.user({ displayName: 'Guest', userType: 'Guest', userPrincipalName: `g_${newId().slice(0, 6)}@${domain}`, mail: `g@${domain}` });
      await t.store.db.updateTable('users').set({ connectedOrganizationId: orgId }).where('id', '=', guest.id).execute();
      await t.store.db.updateTable('users').set({ connectedOrganizationId: null }).where('id', '=', outsider.id).execute();
      // nested: groupMember ∈ inner ∈ allowedGroup
      allowedGroup = await newGroup();
      const inner = await newGroup();
      await addMember(allowedGroup, inner);
      await addMember(inner, groupMember.id);
    });

    const requirements = async (client: ApiClient, pkg: string) => {
      const r = await client.post(`${EM}/accessPackages/${pkg}/getApplicablePolicyRequirements`);
      assert.equal(r.status, 200, r.text);
      return r.body.value as { policyId: string; policyDisplayName: string; isApprovalRequiredForAdd: boolean; questions: unknown[] }[];
    };
    const allowedIds = async (client: ApiClient) => {
      const r = await client.get(`${ALLOWED}?$top=999`);
      assert.equal(r.status, 200, r.text);
      return (r.body.value as { id: string }[]).map((p) => p.id);
    };

    it('returns the requirements of the best-priority policies for each kind of person', async () => {
      const pkg = await newPackage(catalogId);
      const group = await t.admin.post(POLICIES, selfService(pkg, 'specificDirectoryUsers', {
        specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.groupMembers', groupId: allowedGroup }],
        requestApprovalSettings: { isApprovalRequiredForAdd: true, isRequestorJustificationRequired: true,
          stages: [{ durationBeforeAutomaticDenial: 'P7D', primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: approver }] }] },
        questions: QUESTIONS,
      }));
      const members = await t.admin.post(POLICIES, selfService(pkg, 'allMemberUsers'));
      const external = await t.admin.post(POLICIES, selfService(pkg, 'allConfiguredConnectedOrganizationUsers'));
      await t.admin.post(POLICIES, directOnly(pkg));
      for (const r of [group, members, external]) assert.equal(r.status, 201, r.text);

      const forGroupMember = await requirements(groupMember.client, pkg);
      assert.deepEqual(forGroupMember.map((r) => r.policyId), [group.body.id], 'P1 (specific group, nested) beats P2 (all members)');
      assert.equal(forGroupMember[0].isApprovalRequiredForAdd, true);
      assert.equal(forGroupMember[0].questions.length, 2);
      assert.deepEqual((await requirements(member.client, pkg)).map((r) => r.policyId), [members.body.id]);
      assert.deepEqual((await requirements(guest.client, pkg)).map((r) => r.policyId), [external.body.id]);
      assert.deepEqual(await requirements(outsider.client, pkg), [], 'a guest of no configured organization is outside every scope');

      // equals are offered together; a disabled policy is not
      const members2 = await t.admin.post(POLICIES, selfService(pkg, 'allMemberUsers'));
      assert.deepEqual((await requirements(member.client, pkg)).map((r) => r.policyId).sort(), [members.body.id, members2.body.id].sort());
      const off = await t.admin.patch(`${POLICIES}/${members2.body.id}`, { requestorSettings: { enableTargetsToSelfAddAccess: true, acceptRequests: false } });
      assert.equal(off.status, 200, off.text);
      assert.equal(off.body.requestorSettings.acceptRequests, false);
      assert.deepEqual((await requirements(member.client, pkg)).map((r) => r.policyId), [members.body.id]);

      // a requestor may open the policy they can use, but not others
      assert.equal((await member.client.get(`${POLICIES}/${members.body.id}`)).status, 200);
      assert.equal((await member.client.get(`${POLICIES}/${group.body.id}`)).status, 403);
      assert.equal((await t.anonymous.post(`${EM}/accessPackages/${pkg}/getApplicablePolicyRequirements`)).status, 401);
      assert.equal((await member.client.post(`${EM}/accessPackages/${newId()}/getApplicablePolicyRequirements`)).status, 404);
    });

    it('lists the packages a person may request (allowedRequestor)', async () => {
      const visible = await newPackage(catalogId);
      await t.admin.post(POLICIES, selfService(visible, 'allMemberUsers'));
      const hidden = await newPackage(catalogId, { isHidden: true });
      await t.admin.post(POLICIES, selfService(hidden, 'allMemberUsers'));
      const adminOnly = await newPackage(catalogId);
      await t.admin.post(POLICIES, directOnly(adminOnly));
      const disabled = await newPackage(catalogId);
      await t.admin.post(POLICIES, selfService(disabled, 'allMemberUsers', { requestorSettings: { enableTargetsToSelfAddAccess: true, acceptRequests: false } }));
      const unpublishedCatalog = await newCatalog({ state: 'unpublished' });
      const unpublished = await newPackage(unpublishedCatalog);
      await t.admin.post(POLICIES, selfService(unpublished, 'allDirectoryUsers'));
      const groupOnly = await newPackage(catalogId);
      await t.admin.post(POLICIES, selfService(groupOnly, 'specificDirectoryUsers', { specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.groupMembers', groupId: allowedGroup }] }));
      const internalCatalog = await newCatalog({ isExternallyVisible: false });
      const guestsButInternal = await newPackage(internalCatalog);
      await t.admin.post(POLICIES, selfService(guestsButInternal, 'allDirectoryUsers'));
      const forGuests = await newPackage(catalogId);
      await t.admin.post(POLICIES, selfService(forGuests, 'allConfiguredConnectedOrganizationUsers'));

      const ours = new Set([visible, hidden, adminOnly, disabled, unpublished, groupOnly, guestsButInternal, forGuests]);
      const seen = async (client: ApiClient) => (await allowedIds(client)).filter((id) => ours.has(id)).sort();
      assert.deepEqual(await seen(member.client), [visible, guestsButInternal].sort());
      assert.deepEqual(await seen(groupMember.client), [visible, groupOnly, guestsButInternal].sort());
      assert.deepEqual(await seen(guest.client), [forGuests], 'a guest: only externally visible catalogs, only external scopes');
      assert.deepEqual(await seen(outsider.client), []);

      // $filter and $select work as on the package list
      const r = await member.client.get(`${ALLOWED}?$filter=id eq '${visible}'&$select=displayName`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.value.map((p: { id: string }) => p.id), [visible]);
      assert.deepEqual(Object.keys(r.body.value[0]).sort(), ['displayName', 'id']);
      // the percent-encoded form of the function call reaches the same route
      const enc = await member.client.get(`${EM}/accessPackages/filterByCurrentUser(on=%27allowedRequestor%27)?$filter=id eq '${visible}'`);
      assert.equal(enc.status, 200, enc.text);
      assert.equal(enc.body.value.length, 1);
    });
  });
});
