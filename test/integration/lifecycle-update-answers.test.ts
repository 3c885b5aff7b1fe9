import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EM } from '../support/client.js';
import { DAY, auditActivities, getAssignment, getRequest, makePackage, makePolicy, submit, userAdd } from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// adminUpdate that edits answers: the reference's example (§ assignment requests, "adminUpdate (edit
// answers or extend)") carries answers and no schedule. It changes the assignment's stored answers and
// nothing of its schedule.

const COUNTRY = {
  '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', sequence: 1, isRequired: true, isAnswerEditable: true,
  text: 'What country are you working from?', isMultipleSelectionAllowed: false,
  choices: [{ actualValue: 'KE', text: 'Kenya' }, { actualValue: 'US', text: 'United States' }],
};

const answer = (questionId: string, value: string, displayValue: string) => ({
  '@odata.type': '#microsoft.graph.accessPackageAnswerString', value, displayValue,
  answeredQuestion: { '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', id: questionId },
});

describe('lifecycle: adminUpdate with answers only', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  /** A delivered assignment under a policy asking COUNTRY, answered 'KE'. */
  async function answered(expiration: Record<string, unknown>) {
    const u = await t.user();
    const fx = await makePackage(t);
    const policyId = await makePolicy(t, fx.packageId, { questions: [COUNTRY], expiration });
    const policy = await t.admin.get(`${EM}/assignmentPolicies/${policyId}`);
    const questionId: string = policy.body.questions[0].id;
    const r = await userAdd(u.client, fx.packageId, policyId, { answers: [answer(questionId, 'KE', 'Kenya')] });
    assert.equal(r.status, 201, r.text);
    await t.drain();
    const req = await getRequest(t, r.body.id, '?$expand=assignment');
    assert.equal(req.state, 'delivered');
    return { questionId, assignmentId: req.assignment.id as string };
  }

  const storedAnswers = async (assignmentId: string) => {
    const row = await t.store.db.selectFrom('assignments').select('answers').where('id', '=', assignmentId).executeTakeFirstOrThrow();
    return (JSON.parse(row.answers) as { value: string }[]).map((a) => a.value);
  };

  for (const [kind, expiration] of [
    ['an expiring', { type: 'afterDuration', duration: 'P30D' }],
    ['a never-expiring', { type: 'noExpiration' }],
  ] as const) {
    it(`the reference's example updates the answers of ${kind} assignment and leaves its schedule as it was`, async () => {
      const { questionId, assignmentId } = await answered(expiration);
      const before = await getAssignment(t, assignmentId);
      t.clock.advance(2 * DAY); // an extension would now move the end; this update must not

      // the reference's example, with its answers filled in
      const r = await submit(t.admin, { requestType: 'adminUpdate', assignment: { id: assignmentId }, answers: [answer(questionId, 'US', 'United States')] });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.requestType, 'adminUpdate');
      assert.deepEqual(r.body.answers.map((a: { value: string }) => a.value), ['US']);
      const req = await getRequest(t, r.body.id);
      assert.equal(req.state, 'delivered');
      assert.deepEqual(req.answers.map((a: { value: string; displayValue: string }) => [a.value, a.displayValue]), [['US', 'United States']]);

      assert.deepEqual(await storedAnswers(assignmentId), ['US'], 'the assignment holds the new answers');
      const after = await getAssignment(t, assignmentId);
      assert.deepEqual(after.schedule, before.schedule, 'the schedule is unchanged');
      assert.equal(after.state, 'delivered');
      const activities = await auditActivities(t, assignmentId);
      assert.ok(activities.includes('Update access package assignment answers'), activities.join(', '));
      assert.ok(!activities.includes('Extend access package assignment'), 'nothing was extended');
      const event = await t.store.db.selectFrom('auditEvents').selectAll().where('targetId', '=', assignmentId).where('activity', '=', 'Update access package assignment answers').executeTakeFirstOrThrow();
      assert.match(event.modifiedProperties, /KE/);
      assert.match(event.modifiedProperties, /US/);
    });
  }

  it('the answers are checked against the policy\'s questions; an extension with answers stores them on the assignment too', async () => {
    const { questionId, assignmentId } = await answered({ type: 'afterDuration', duration: 'P30D' });
    const bad = await submit(t.admin, { requestType: 'adminUpdate', assignment: { id: assignmentId }, answers: [answer(questionId, 'FR', 'France')] });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.body.error.target, /^answers/);
    assert.deepEqual(await storedAnswers(assignmentId), ['KE'], 'unchanged');

    const before = await getAssignment(t, assignmentId);
    t.clock.advance(DAY);
    const ext = await submit(t.admin, {
      requestType: 'adminUpdate', assignment: { id: assignmentId }, answers: [answer(questionId, 'US', 'United States')],
      schedule: { expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    assert.equal(ext.status, 201, ext.text);
    const after = await getAssignment(t, assignmentId);
    assert.ok(after.schedule.expiration.endDateTime > before.schedule.expiration.endDateTime, 'extended');
    assert.deepEqual(await storedAnswers(assignmentId), ['US']);
  });
});
