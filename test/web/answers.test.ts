import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answersOf, localized, questionError, sortedQuestions } from '../../src/web/myaccess/answers';
import { MULTIPLE_CHOICE, type Question } from '../../src/web/myaccess/types';

const TEXT = '#microsoft.graph.accessPackageTextInputQuestion';
const country: Question = {
  '@odata.type': MULTIPLE_CHOICE, id: 'q-country', sequence: 1, isRequired: true, text: 'What country are you working from?',
  isMultipleSelectionAllowed: false,
  choices: [
    { actualValue: 'KE', text: 'Kenya', localizations: [{ languageCode: 'fr', text: 'Kenya (fr)' }] },
    { actualValue: 'US', text: 'United States', localizations: [{ languageCode: 'fr', text: 'États-Unis' }] },
  ],
};
const work: Question = {
  '@odata.type': TEXT, id: 'q-work', sequence: 2, isRequired: true, text: 'What do you do for work?', isSingleLineQuestion: true, regexPattern: '[a-zA-Z]+[a-zA-Z\\s]*',
};
const tools: Question = {
  '@odata.type': MULTIPLE_CHOICE, id: 'q-tools', sequence: 3, isRequired: false, text: 'Which tools?', isMultipleSelectionAllowed: true,
  choices: [{ actualValue: 'git', text: 'Git' }, { actualValue: 'jira', text: 'Jira' }],
};
const note: Question = { '@odata.type': TEXT, id: 'q-note', sequence: 4, isRequired: false, text: 'Anything else?', isSingleLineQuestion: false, regexPattern: null };

describe('web my access: localized', () => {
  const locs = [{ languageCode: 'fr-CA', text: 'Québec' }, { languageCode: 'de', text: 'Deutsch' }];

  it('takes the exact language first, then the language alone, in the order of the browser languages', () => {
    assert.equal(localized('Default', locs, ['fr-CA', 'de']), 'Québec');
    assert.equal(localized('Default', locs, ['DE-at']), 'Deutsch');
    assert.equal(localized('Default', locs, ['fr-FR']), 'Québec');
    assert.equal(localized('Default', locs, ['de', 'fr-CA']), 'Deutsch');
  });

  it('prefers an exact match over a language-only match of the same language', () => {
    assert.equal(localized('Default', [{ languageCode: 'pt', text: 'pt' }, { languageCode: 'pt-BR', text: 'pt-BR' }], ['pt-BR']), 'pt-BR');
  });

  it('falls back to the default text with no match or no localizations', () => {
    assert.equal(localized('Default', locs, ['en-US']), 'Default');
    assert.equal(localized('Default', undefined, ['fr-CA']), 'Default');
    assert.equal(localized('Default', [], ['fr-CA']), 'Default');
    assert.equal(localized('Default', locs, []), 'Default');
  });
});

describe('web my access: sortedQuestions', () => {
  it('orders by sequence without changing the list it was given', () => {
    const given = [tools, country, note, work];
    assert.deepEqual(sortedQuestions(given).map((q) => q.id), ['q-country', 'q-work', 'q-tools', 'q-note']);
    assert.deepEqual(given.map((q) => q.id), ['q-tools', 'q-country', 'q-note', 'q-work']);
  });
});

describe('web my access: questionError', () => {
  it('a required choice needs an answer; a single-choice question takes one', () => {
    assert.equal(questionError(country, undefined), 'Choose an answer.');
    assert.equal(questionError(country, []), 'Choose an answer.');
    assert.equal(questionError(country, 'KE'), null);
    assert.equal(questionError(country, ['KE']), null);
    assert.equal(questionError(country, ['KE', 'US']), 'Choose only one answer.');
  });

  it('an optional multiple-selection question takes none or several', () => {
    assert.equal(questionError(tools, undefined), null);
    assert.equal(questionError(tools, ['git', 'jira']), null);
  });

  it('a required text question needs non-blank text', () => {
    assert.equal(questionError(work, undefined), 'This question needs an answer.');
    assert.equal(questionError(work, '   '), 'This question needs an answer.');
    assert.equal(questionError(note, '  '), null);
  });

  it('a single-line question refuses line breaks; a multi-line one takes them', () => {
    assert.equal(questionError(work, 'Sales\nEngineer'), 'Answer on a single line.');
    assert.equal(questionError(note, 'line one\r\nline two'), null);
  });

  it('the pattern must match the whole answer', () => {
    assert.equal(questionError(work, 'Sales engineer'), null);
    assert.match(questionError(work, 'R2D2') ?? '', /expected format/);
    assert.match(questionError(work, 'Sales 2') ?? '', /expected format/, 'a prefix match is not enough');
  });

  it('matches with the linear-time engine the server uses: a catastrophic pattern and a 4,000-character answer take no time', () => {
    const started = Date.now();
    assert.match(questionError({ ...work, regexPattern: '((a+)+)+b' }, 'a'.repeat(4000)) ?? '', /expected format/);
    assert.equal(questionError({ ...work, regexPattern: '((a+)+)+b' }, `${'a'.repeat(3999)}b`), null);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  it('says so, as the server refuses it, when a stored pattern is one the engine cannot run (look-around, back-references)', () => {
    assert.match(questionError({ ...work, regexPattern: '(?=a)a' }, 'a') ?? '', /cannot be checked/);
    assert.match(questionError({ ...work, regexPattern: '(' }, 'anything') ?? '', /cannot be checked/);
  });
});

describe('web my access: answersOf', () => {
  it('sends one answer string per text answer and per chosen value, in question order, with the choice text to display', () => {
    const answers = answersOf([tools, note, work, country], { 'q-country': 'KE', 'q-work': '  Sales  ', 'q-tools': ['git', 'jira'], 'q-note': '' });
    assert.deepEqual(answers.map((a) => [a.answeredQuestion.id, a.value, a.displayValue]), [
      ['q-country', 'KE', 'Kenya'],
      ['q-work', 'Sales', 'Sales'],
      ['q-tools', 'git', 'Git'],
      ['q-tools', 'jira', 'Jira'],
    ]);
    for (const a of answers) assert.equal(a['@odata.type'], '#microsoft.graph.accessPackageAnswerString');
    const typeOf = (i: number) => (answers[i].answeredQuestion as Record<string, unknown>)['@odata.type'];
    assert.equal(typeOf(0), MULTIPLE_CHOICE);
    assert.equal(typeOf(1), TEXT);
  });

  it('shows the actual value when it is not one of the choices', () => {
    assert.deepEqual(answersOf([tools], { 'q-tools': ['svn'] }).map((a) => [a.value, a.displayValue]), [['svn', 'svn']]);
  });

  it('sends nothing for unanswered questions', () => {
    assert.deepEqual(answersOf([country, work, tools, note], {}), []);
  });
});
