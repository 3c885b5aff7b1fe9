import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ApiClient, EM } from '../support/client.js';
import { makePackage, makePolicy, userAdd, type PackageFixture } from '../support/lifecycle.js';
import { processSuite, within } from '../support/processes.js';
import type { TestServer } from '../support/server.js';

// A text question's regexPattern is run by a linear-time engine (RE2): a catastrophic pattern cannot hold
// the event loop, patterns that engine cannot run are refused when the policy is saved, and a policy stored
// with one before (or by hand) does not crash anything.

const TEXT = '#microsoft.graph.accessPackageTextInputQuestion';
const ans = (id: string, value: string) => ({ '@odata.type': '#microsoft.graph.accessPackageAnswerString', value, answeredQuestion: { id } });

describe('question regexPattern: linear-time matching', () => {
  const s = processSuite();
  let t: TestServer;
  let fx: PackageFixture;

  before(async () => {
    t = s.t;
    fx = await makePackage(t);
  });

  it('a catastrophic pattern with a 4,000-character answer is answered at once, and /healthz answers while it is checked', { timeout: 240_000 }, async () => {
    const policyId = await makePolicy(t, fx.packageId, {
      questions: [{ '@odata.type': TEXT, sequence: 1, isRequired: true, text: 'Code?', isSingleLineQuestion: true, regexPattern: '((a+)+)+b' }],
    });
    const questionId = (await t.admin.get(`${EM}/assignmentPolicies/${policyId}?$expand=questions`)).body.questions[0].id as string;
    // the request goes to a server in another process, so that a blocked event loop shows as a /healthz
    // that does not answer (in this process it would block the test itself)
    const { url } = await s.serve(s.url);
    const requestor = await t.user();
    const client = new ApiClient(url, requestor.client.token);

    let settled = false;
    const pending = userAdd(client, fx.packageId, policyId, { answers: [ans(questionId, 'a'.repeat(4000))] }).finally(() => { settled = true; });
    // /healthz is asked again and again while the request is in flight (and a few times more): each must answer
    for (let i = 0; i < 5 || !settled; i++) {
      await new Promise((r) => setTimeout(r, 30));
      const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      assert.equal(health.status, 200);
    }
    const refused = await within(pending, 'the request with the long answer to be answered', 10_000);
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.error.target, 'answers[0]', refused.text);
    assert.match(refused.body.error.message, /format/);

    const accepted = await within(userAdd(client, fx.packageId, policyId, { answers: [ans(questionId, `${'a'.repeat(3999)}b`)] }), 'the matching answer', 10_000);
    assert.equal(accepted.status, 201, accepted.text);
  });

  it('refuses, when a policy is saved, patterns the linear-time engine cannot run, naming questions[i].regexPattern', async () => {
    for (const pattern of ['(a)\\1', '(?=a)a', '(?!x)a', '(?<=a)b', '(?<!a)b']) {
      const r = await t.admin.post(`${EM}/assignmentPolicies`, {
        displayName: 'P', allowedTargetScope: 'notSpecified', accessPackage: { id: fx.packageId },
        questions: [
          { '@odata.type': TEXT, sequence: 1, text: 'Fine', regexPattern: '[A-Z]{2}-\\d+' },
          { '@odata.type': TEXT, sequence: 2, text: 'Not fine', regexPattern: pattern },
        ],
      });
      assert.equal(r.status, 400, `${pattern}: ${r.text}`);
      assert.equal(r.body.error.target, 'questions[1].regexPattern', r.text);
      assert.match(r.body.error.message, /questions\[1\]\.regexPattern/);
    }
  });

  it('keeps the whole-answer semantics: the answer must match from start to end, anchors or not', async () => {
    const policyId = await makePolicy(t, fx.packageId, {
      questions: [
        { '@odata.type': TEXT, sequence: 1, isRequired: true, text: 'Cost centre?', regexPattern: 'CC-[0-9]{4}|X' },
        { '@odata.type': TEXT, sequence: 2, isRequired: false, text: 'Anchored', regexPattern: '^[a-z]+$' },
      ],
    });
    const qs = (await t.admin.get(`${EM}/assignmentPolicies/${policyId}?$expand=questions`)).body.questions as { id: string; sequence: number }[];
    const [cc, anchored] = [qs.find((q) => q.sequence === 1)!.id, qs.find((q) => q.sequence === 2)!.id];
    const requestor = await t.user();
    for (const bad of ['CC-12345', 'xCC-1234', 'CC-1234X', 'XX']) {
      const r = await userAdd(requestor.client, fx.packageId, policyId, { answers: [ans(cc, bad)] });
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
      assert.equal(r.body.error.target, 'answers[0]');
    }
    const r = await userAdd(requestor.client, fx.packageId, policyId, { answers: [ans(cc, 'X'), ans(anchored, 'abc\n')] });
    assert.equal(r.status, 400, 'a trailing newline is not part of a single line answer, nor does $ match before it');
    const ok = await userAdd(requestor.client, fx.packageId, policyId, { answers: [ans(cc, 'CC-1234'), ans(anchored, 'abc')] });
    assert.equal(ok.status, 201, ok.text);
  });

  it('a policy stored with a pattern the engine cannot run is read and edited as usual; its answers are refused with a 400, never run', async () => {
    const policyId = await makePolicy(t, fx.packageId, {
      questions: [{ '@odata.type': TEXT, sequence: 1, isRequired: true, text: 'Code?', regexPattern: 'a+' }],
    });
    // as a policy saved before patterns had to suit the engine
    const row = await t.store.db.selectFrom('assignmentPolicies').select('questions').where('id', '=', policyId).executeTakeFirstOrThrow();
    const stored = JSON.parse(row.questions) as { id: string; regexPattern: string }[];
    stored[0].regexPattern = '(a)\\1';
    await t.store.db.updateTable('assignmentPolicies').set({ questions: JSON.stringify(stored) }).where('id', '=', policyId).execute();

    const read = await t.admin.get(`${EM}/assignmentPolicies/${policyId}?$expand=questions`);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.questions[0].regexPattern, '(a)\\1');
    const list = await t.admin.get(`${EM}/assignmentPolicies?$expand=questions`);
    assert.equal(list.status, 200, list.text);

    const requestor = await t.user();
    const r = await userAdd(requestor.client, fx.packageId, policyId, { answers: [ans(stored[0].id, 'aa')] });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.target, 'answers[0]');
    assert.match(r.body.error.message, /cannot be checked/);

    // any save re-checks the whole policy: it names the pattern to change
    const rename = await t.admin.patch(`${EM}/assignmentPolicies/${policyId}`, { displayName: 'Renamed' });
    assert.equal(rename.status, 400, rename.text);
    assert.equal(rename.body.error.target, 'questions[0].regexPattern');
    // the administrator fixes it by saving a pattern the engine runs
    const fixed = await t.admin.patch(`${EM}/assignmentPolicies/${policyId}`, {
      questions: [{ '@odata.type': TEXT, id: stored[0].id, sequence: 1, isRequired: true, text: 'Code?', regexPattern: '(a)a' }],
    });
    assert.ok(fixed.status === 200 || fixed.status === 204, fixed.text);
    const now = await userAdd(requestor.client, fx.packageId, policyId, { answers: [ans(stored[0].id, 'aa')] });
    assert.equal(now.status, 201, now.text);
  });
});
