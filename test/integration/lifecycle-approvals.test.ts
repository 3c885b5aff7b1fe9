import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EM } from '../support/client.js';
import {
  DAY, HOUR, auditActivities, countRows, decide, getRequest, groupMemberIds, makePackage, makePolicy, outbox, stage, stagesOf, userAdd,
} from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Approvals end to end: serial stages, deny, timeout, escalation, quorum, justifications and questions.

const single = (userId: string) => ({ '@odata.type': '#microsoft.graph.singleUser', userId });

describe('lifecycle: approvals', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  const inbox = async (client: TestServer['admin']) => {
    const r = await client.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`);
    assert.equal(r.status, 200, r.text);
    return r.body.value.map((a: { id: string }) => a.id) as string[];
  };

  it('1-, 2- and 3-stage approval: stages open in order, only their own approvers decide them, the last approval delivers', async () => {
    for (const n of [1, 2, 3]) {
      const requestor = await t.user();
      const approvers = await Promise.all(Array.from({ length: n }, () => t.user()));
      const fx = await makePackage(t, `${n}-stage package`);
      const policyId = await makePolicy(t, fx.packageId, { stages: approvers.map((a) => stage([a.id])) });
      const r = await userAdd(requestor.client, fx.packageId, policyId);
      assert.equal(r.status, 201, r.text);
      for (let i = 0; i < n; i++) {
        const stages = await stagesOf(t, r.body.id);
        assert.deepEqual(stages.map((s) => s.status), stages.map((_, j) => (j < i ? 'Completed' : j === i ? 'InProgress' : 'Initializing')), `${n} stages, at stage ${i + 1}`);
        for (const [j, a] of approvers.entries()) assert.equal((await inbox(a.client)).includes(r.body.id), j === i, `approver ${j + 1} inbox at stage ${i + 1}`);
        if (i + 1 < n) {
          // the next stage's approver cannot decide the current stage
          const wrong = await decide(t, approvers[i + 1].client, r.body.id, 'Approve');
          assert.equal(wrong.status, 403, wrong.text);
        }
        const ok = await decide(t, approvers[i].client, r.body.id, 'Approve', `ok ${i + 1}`);
        assert.equal(ok.status, 204, ok.text);
        const now = await getRequest(t, r.body.id);
        if (i + 1 < n) assert.equal(now.state, 'pendingApproval');
      }
      await t.drain();
      const done = await getRequest(t, r.body.id);
      assert.equal(done.state, 'delivered');
      assert.deepEqual(await groupMemberIds(t, fx.groupId), [requestor.id]);
      const stages = await stagesOf(t, r.body.id);
      assert.deepEqual(stages.map((s) => [s.status, s.reviewResult]), stages.map(() => ['Completed', 'Approved']));
      assert.deepEqual(stages.map((s) => s.justification), stages.map((_, i) => `ok ${i + 1}`));
      const mails = await outbox(t, { to: requestor.upn });
      // no 'ends in 14 days' mail for 7-day access
      assert.deepEqual(mails.map((m) => m.template).sort(), ['accessDelivered', 'requestApproved']);
    }
  });

  it('deny: a deny at stage 2 ends the request, stage 3 never opens, the requestor is mailed the approver’s justification', async () => {
    const requestor = await t.user();
    const [a1, a2, a3] = [await t.user(), await t.user(), await t.user()];
    const fx = await makePackage(t, 'Deny package');
    const policyId = await makePolicy(t, fx.packageId, { stages: [stage([a1.id]), stage([a2.id]), stage([a3.id])] });
    const r = await userAdd(requestor.client, fx.packageId, policyId);
    assert.equal((await decide(t, a1.client, r.body.id, 'Approve')).status, 204);
    const denied = await decide(t, a2.client, r.body.id, 'deny', 'Not for contractors');
    assert.equal(denied.status, 204, denied.text);
    const req = await getRequest(t, r.body.id);
    assert.equal(req.state, 'denied');
    assert.equal(req.status, 'Denied');
    assert.ok(req.completedDateTime, 'expected: req.completedDateTime');
    assert.deepEqual((await stagesOf(t, r.body.id)).map((s) => [s.status, s.reviewResult]), [['Completed', 'Approved'], ['Completed', 'Denied'], ['Initializing', 'NotReviewed']]);
    assert.deepEqual(await inbox(a3.client), []);
    await t.drain();
    assert.equal((await t.store.db.selectFrom('assignments').select('id').where('requestId', '=', r.body.id).execute()).length, 0);
    assert.deepEqual(await groupMemberIds(t, fx.groupId), []);
    const mails = await outbox(t, { to: requestor.upn });
    assert.deepEqual(mails.map((m) => m.template), ['requestDenied']);
    assert.match(mails[0].body, /Approver justification: Not for contractors/);
    assert.equal((await decide(t, a3.client, r.body.id, 'Approve').catch(() => ({ status: 0 }))).status, 0, 'no stage in progress any more');
  });

  it('timeout: past the deadline the request is denied with status Expired, audited as timed out, and the requestor is told', async () => {
    const requestor = await t.user();
    const approver = await t.user();
    const fx = await makePackage(t, 'Timeout package');
    const policyId = await makePolicy(t, fx.packageId, { stages: [stage([approver.id], { durationBeforeAutomaticDenial: 'P2D' })] });
    const r = await userAdd(requestor.client, fx.packageId, policyId);
    const [s] = await stagesOf(t, r.body.id);
    t.clock.advance(2 * DAY - 1000);
    await t.drain();
    assert.equal((await getRequest(t, r.body.id)).state, 'pendingApproval', 'not yet due');
    t.clock.advance(2000);
    await t.drain();
    const req = await getRequest(t, r.body.id);
    assert.equal(req.state, 'denied');
    assert.equal(req.status, 'Expired');
    assert.deepEqual((await stagesOf(t, r.body.id)).map((x) => x.status), ['Expired']);
    assert.ok((await auditActivities(t, r.body.id)).some((a) => /timed out/.test(a)), 'expected: (await auditActivities(t, r.body.id)).some((a) => /timed out/.test(a))');
    assert.deepEqual((await outbox(t, { to: requestor.upn })).map((m) => m.template), ['requestTimedOut']);
    const late = await approver.client.patch(`${EM}/accessPackageAssignmentApprovals/${r.body.id}/stages/${s.id}`, { reviewResult: 'Approve' });
    assert.equal(late.status, 409, late.text);
    assert.deepEqual(await inbox(approver.client), []);
  });

  it('escalation: alternates join at the escalation time and can decide; the primary approver still can too', async () => {
    const primary = await t.user();
    const alternate = await t.user();
    const fx = await makePackage(t, 'Escalation package');
    const policyId = await makePolicy(t, fx.packageId, {
      stages: [stage([primary.id], { durationBeforeAutomaticDenial: 'P3D', isEscalationEnabled: true, durationBeforeEscalation: 'PT12H', escalationApprovers: [single(alternate.id)] })],
    });
    const [r1, r2] = [await t.user(), await t.user()];
    const q1 = await userAdd(r1.client, fx.packageId, policyId);
    const q2 = await userAdd(r2.client, fx.packageId, policyId);
    assert.equal(q1.status, 201, q1.text);
    assert.equal((await decide(t, alternate.client, q1.body.id, 'Approve')).status, 403, 'not an approver before escalation');
    assert.deepEqual(await inbox(alternate.client), []);

    t.clock.advance(12 * HOUR + 1000);
    await t.drain();
    for (const q of [q1, q2]) {
      const req = await getRequest(t, q.body.id);
      assert.equal(req.state, 'pendingApproval');
      assert.equal(req.status, 'PendingApprovalEscalated');
    }
    assert.deepEqual((await inbox(alternate.client)).sort(), [q1.body.id, q2.body.id].sort());
    assert.deepEqual((await outbox(t, { to: alternate.upn })).map((m) => m.template), ['approvalEscalated', 'approvalEscalated']);
    assert.equal((await decide(t, alternate.client, q1.body.id, 'Approve')).status, 204);
    assert.equal((await decide(t, primary.client, q2.body.id, 'Approve')).status, 204);
    await t.drain();
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [r1.id, r2.id].sort());
    // escalation happens once
    t.clock.advance(HOUR);
    await t.drain();
    assert.equal((await outbox(t, { to: alternate.upn })).length, 2);
  });

  it('quorum: approvalsRequired 2 waits for a second approval; one deny ends it', async () => {
    const [a, b, c] = [await t.user(), await t.user(), await t.user()];
    const fx = await makePackage(t, 'Quorum package');
    const policyId = await makePolicy(t, fx.packageId, { stages: [stage([a.id, b.id, c.id], { approvalsRequired: 2 })] });
    const policy = await t.admin.get(`${EM}/assignmentPolicies/${policyId}`);
    assert.equal(policy.body.requestApprovalSettings.stages[0].approvalsRequired, 2);

    const r1 = await t.user();
    const q1 = await userAdd(r1.client, fx.packageId, policyId);
    assert.equal((await decide(t, a.client, q1.body.id, 'Approve')).status, 204);
    assert.equal((await getRequest(t, q1.body.id)).state, 'pendingApproval', 'one approval of two');
    assert.equal((await stagesOf(t, q1.body.id))[0].status, 'InProgress');
    assert.equal((await decide(t, a.client, q1.body.id, 'Approve')).status, 409, 'the same approver counts once');
    assert.ok(!(await inbox(a.client)).includes(q1.body.id), 'expected: !(await inbox(a.client)).includes(q1.body.id)');
    assert.ok((await inbox(b.client)).includes(q1.body.id), 'expected: (await inbox(b.client)).includes(q1.body.id)');
    assert.equal((await decide(t, b.client, q1.body.id, 'Approve')).status, 204);
    await t.drain();
    assert.equal((await getRequest(t, q1.body.id)).state, 'delivered');
    assert.equal((await decide(t, c.client, q1.body.id, 'Approve').catch(() => ({ status: 0 }))).status, 0, 'stage closed');

    const r2 = await t.user();
    const q2 = await userAdd(r2.client, fx.packageId, policyId);
    assert.equal((await decide(t, a.client, q2.body.id, 'Approve')).status, 204);
    assert.equal((await decide(t, c.client, q2.body.id, 'Deny', 'no')).status, 204);
    const denied = await getRequest(t, q2.body.id);
    assert.equal(denied.state, 'denied');
    const [s] = await stagesOf(t, q2.body.id);
    assert.equal(s.reviewResult, 'Denied');
    assert.equal(s.decisions.length, 2);
    await t.drain();
    assert.deepEqual(await groupMemberIds(t, fx.groupId), [r1.id]);
  });

  it('approver justification required: 400 without it, nothing recorded; accepted with it', async () => {
    const requestor = await t.user();
    const approver = await t.user();
    const fx = await makePackage(t, 'Approver reason package');
    const policyId = await makePolicy(t, fx.packageId, { stages: [stage([approver.id], { isApproverJustificationRequired: true })] });
    const r = await userAdd(requestor.client, fx.packageId, policyId);
    const bare = await decide(t, approver.client, r.body.id, 'Approve');
    assert.equal(bare.status, 400, bare.text);
    assert.equal(bare.body.error.target, 'justification');
    const blank = await decide(t, approver.client, r.body.id, 'Approve', '   ');
    assert.equal(blank.status, 400);
    assert.equal((await stagesOf(t, r.body.id))[0].decisions.length, 0);
    assert.equal((await getRequest(t, r.body.id)).state, 'pendingApproval');
    assert.equal((await decide(t, approver.client, r.body.id, 'Approve', 'Manager confirmed')).status, 204);
    assert.equal((await stagesOf(t, r.body.id))[0].justification, 'Manager confirmed');
  });

  it('requestor justification and questions: validated, stored on the request, shown to approvers and in their email', async () => {
    const requestor = await t.user({ displayName: 'Quinn Questioned' });
    const approver = await t.user();
    const fx = await makePackage(t, 'Questions package');
    const policyId = await makePolicy(t, fx.packageId, {
      stages: [stage([approver.id])], justification: true,
      questions: [
        { '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', sequence: 1, isRequired: true, isAnswerEditable: true, text: 'Which region?',
          isMultipleSelectionAllowed: false, choices: [{ actualValue: 'KE', text: 'Kenya' }, { actualValue: 'US', text: 'United States' }] },
        { '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', sequence: 2, isRequired: true, isAnswerEditable: true, text: 'Cost centre?',
          isSingleLineQuestion: true, regexPattern: 'CC-[0-9]{4}' },
      ],
    });
    const qs = (await t.admin.get(`${EM}/assignmentPolicies/${policyId}`)).body.questions as { id: string; text: string }[];
    const region = qs.find((q) => q.text === 'Which region?')!.id;
    const cc = qs.find((q) => q.text === 'Cost centre?')!.id;
    const ans = (id: string, value: string) => ({ '@odata.type': '#microsoft.graph.accessPackageAnswerString', value, answeredQuestion: { id } });
    const before = await countRows(t, 'assignmentRequests');

    const noJust = await userAdd(requestor.client, fx.packageId, policyId, { answers: [ans(region, 'KE'), ans(cc, 'CC-1234')] });
    assert.equal(noJust.status, 400);
    assert.equal(noJust.body.error.target, 'justification');
    const missing = await userAdd(requestor.client, fx.packageId, policyId, { justification: 'j', answers: [ans(region, 'KE')] });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.target, 'answers');
    const badFormat = await userAdd(requestor.client, fx.packageId, policyId, { justification: 'j', answers: [ans(region, 'KE'), ans(cc, 'twelve')] });
    assert.equal(badFormat.status, 400);
    assert.equal(badFormat.body.error.target, 'answers[1]');
    const badChoice = await userAdd(requestor.client, fx.packageId, policyId, { justification: 'j', answers: [ans(region, 'FR'), ans(cc, 'CC-1234')] });
    assert.equal(badChoice.status, 400);
    assert.equal(badChoice.body.error.target, 'answers[0]');
    assert.equal(await countRows(t, 'assignmentRequests'), before, 'refusals store nothing');

    const ok = await userAdd(requestor.client, fx.packageId, policyId, { justification: 'Audit season', answers: [ans(cc, 'CC-4242'), ans(region, 'ke')] });
    assert.equal(ok.status, 201, ok.text);
    const seen = await approver.client.get(`${EM}/assignmentRequests/${ok.body.id}`);
    assert.equal(seen.status, 200, seen.text);
    assert.equal(seen.body.justification, 'Audit season');
    assert.deepEqual(seen.body.answers.map((a: { value: string; displayValue: string; answeredQuestion: { id: string } }) => [a.answeredQuestion.id, a.value, a.displayValue]),
      [[region, 'KE', 'Kenya'], [cc, 'CC-4242', 'CC-4242']]);
    const [mail] = await outbox(t, { to: approver.upn, template: 'approvalRequired' });
    assert.ok(mail, 'the approver was mailed');
    assert.match(mail.body, /Quinn Questioned/);
    assert.match(mail.body, /Justification: Audit season/);
    assert.match(mail.body, /- Which region\?\n {4}Kenya/);
    assert.match(mail.body, /- Cost centre\?\n {4}CC-4242/);
  });
});
