import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateAnswers } from '../../src/domain/answers.js';
import { ValidationError } from '../../src/domain/errors.js';
import { validatePolicySettings } from '../../src/domain/policy/validate.js';

const Q_COUNTRY = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const Q_WORK = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const Q_TOOLS = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
const Q_NOTE = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';

const { settings } = validatePolicySettings({
  displayName: 'p',
  questions: [
    { id: Q_COUNTRY, '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', sequence: 1, isRequired: true, text: 'What country are you working from?',
      isMultipleSelectionAllowed: false, choices: [{ actualValue: 'KE', text: 'Kenya' }, { actualValue: 'US', text: 'United States' }] },
    { id: Q_WORK, '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', sequence: 2, isRequired: true, text: 'What do you do for work?',
      isSingleLineQuestion: true, regexPattern: '[a-zA-Z]+[a-zA-Z\\s]*' },
    { id: Q_TOOLS, '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', sequence: 3, isRequired: false, text: 'Which tools?',
      isMultipleSelectionAllowed: true, choices: [{ actualValue: 'git', text: 'Git' }, { actualValue: 'jira', text: 'Jira' }, { actualValue: 'ci', text: 'CI' }] },
    { id: Q_NOTE, sequence: 4, isRequired: false, text: 'Anything else?', isSingleLineQuestion: false },
  ],
}, new Date());
const questions = settings.questions;

const answer = (id: string, value: string, extra: Record<string, unknown> = {}) =>
  ({ '@odata.type': '#microsoft.graph.accessPackageAnswerString', value, answeredQuestion: { id, '@odata.type': '#microsoft.graph.accessPackageQuestion' }, ...extra });
const required = [answer(Q_COUNTRY, 'KE', { displayValue: 'Kenya' }), answer(Q_WORK, 'Software engineer')];

function refused(answers: unknown, target: string, message?: RegExp) {
  assert.throws(() => validateAnswers(questions, answers), (e: unknown) => {
    assert.ok(e instanceof ValidationError, String(e));
    assert.equal(e.target, target, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('validateAnswers', () => {
  it('stores answers in question order with display values and the question answered', () => {
    const out = validateAnswers(questions, [answer(Q_WORK, 'Software engineer'), answer(Q_COUNTRY, 'ke')]);
    assert.deepEqual(out, [
      { '@odata.type': '#microsoft.graph.accessPackageAnswerString', value: 'KE', displayValue: 'Kenya',
        answeredQuestion: { id: Q_COUNTRY, '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', text: 'What country are you working from?', sequence: 1 } },
      { '@odata.type': '#microsoft.graph.accessPackageAnswerString', value: 'Software engineer', displayValue: 'Software engineer',
        answeredQuestion: { id: Q_WORK, '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', text: 'What do you do for work?', sequence: 2 } },
    ]);
  });

  it('requires answers to required questions', () => {
    refused(undefined, 'answers', /What country/);
    refused([answer(Q_COUNTRY, 'KE')], 'answers', /What do you do/);
    refused([answer(Q_COUNTRY, 'KE'), answer(Q_WORK, '   ')], 'answers', /What do you do/);
    assert.deepEqual(validateAnswers([], undefined), []);
  });

  it('checks text answers against the pattern (whole value) and single-line rule', () => {
    refused([answer(Q_COUNTRY, 'KE'), answer(Q_WORK, 'R2D2')], 'answers[1]', /format/);
    refused([answer(Q_COUNTRY, 'KE'), answer(Q_WORK, 'two\nlines')], 'answers[1]', /single line/);
    const multi = validateAnswers(questions, [...required, answer(Q_NOTE, 'line one\nline two')]);
    assert.equal(multi[2].value, 'line one\nline two');
    refused([...required, answer(Q_NOTE, 'x'.repeat(4001))], 'answers[2]', /4000/);
  });

  it('checks choices and single selection', () => {
    refused([answer(Q_COUNTRY, 'FR'), answer(Q_WORK, 'Sales')], 'answers[0]', /not a choice/);
    refused([answer(Q_COUNTRY, 'KE,US'), answer(Q_WORK, 'Sales')], 'answers[0]', /only one choice/);
    refused([answer(Q_COUNTRY, 'KE'), answer(Q_COUNTRY, 'US'), answer(Q_WORK, 'Sales')], 'answers', /only one choice/);
  });

  it('takes several choices for a multiple-selection question, one answer per choice', () => {
    const viaEntries = validateAnswers(questions, [...required, answer(Q_TOOLS, 'ci'), answer(Q_TOOLS, 'git')]);
    assert.deepEqual(viaEntries.slice(2).map((a) => [a.value, a.displayValue]), [['git', 'Git'], ['ci', 'CI']], 'in the order of the choices');
    const viaList = validateAnswers(questions, [...required, answer(Q_TOOLS, 'jira, git')]);
    assert.deepEqual(viaList.slice(2).map((a) => a.value), ['git', 'jira']);
    refused([...required, answer(Q_TOOLS, 'git,svn')], 'answers[2]', /svn/);
  });

  it('rejects malformed answers naming the entry', () => {
    refused('KE', 'answers');
    refused([...required, answer('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', 'x')], 'answers[2]', /does not ask/);
    refused([...required, { value: 'x' }], 'answers[2]', /answeredQuestion.id/);
    refused([answer(Q_COUNTRY, 'KE'), answer(Q_WORK, 'Sales'), answer(Q_WORK, 'Support')], 'answers[2]', /second time/);
    refused([answer(Q_COUNTRY, 'KE', { '@odata.type': '#microsoft.graph.accessPackageAnswerChoice' }), answer(Q_WORK, 'Sales')], 'answers[0]');
    refused([{ ...answer(Q_COUNTRY, 'KE'), value: 3 }, answer(Q_WORK, 'Sales')], 'answers[0]');
  });
});
