// Questions of a policy body: text and multiple-choice, with localizations and answer patterns.

import { answerPatternError } from '../answer-pattern.js';
import { newId } from '../ids.js';
import { arrayAt, boolAt, fail, guidAt, isObj, objectAt, odataKind, stringAt } from './fields.js';
import { MAX_CHOICES, MAX_QUESTIONS, MAX_REGEX_LENGTH } from './limits.js';
import { T, type Localization, type Question } from './types.js';

function localizationsAt(v: unknown, field: string): Localization[] {
  const items = arrayAt(v, field);
  if (items.length > 100) fail(field, `'${field}' may list at most 100 localizations.`);
  const seen = new Set<string>();
  return items.map((x, i) => {
    const f = `${field}[${i}]`;
    const o = objectAt(x, f, ['languageCode', 'text']);
    const languageCode = stringAt(o.languageCode, `${f}.languageCode`, { required: true, max: 35 })!;
    if (!/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(languageCode)) fail(`${f}.languageCode`, `'${f}.languageCode' must be a language tag such as 'fr-CA'.`);
    if (seen.has(languageCode.toLowerCase())) fail(`${f}.languageCode`, `'${f}.languageCode' repeats '${languageCode}'.`);
    seen.add(languageCode.toLowerCase());
    return { languageCode, text: stringAt(o.text, `${f}.text`, { required: true })! };
  });
}

const QUESTION_KINDS = ['accessPackageTextInputQuestion', 'accessPackageMultipleChoiceQuestion'] as const;

export function questionsAt(v: unknown, field: string): Question[] {
  const items = arrayAt(v, field);
  if (items.length > MAX_QUESTIONS) fail(field, `'${field}' may list at most ${MAX_QUESTIONS} questions.`);
  const ids = new Set<string>();
  const sequences = new Set<number>();
  const out = items.map((x, i): Question => {
    const f = `${field}[${i}]`;
    if (!isObj(x)) fail(f, `'${f}' must be an object.`);
    // a body without @odata.type is a text question unless it carries choices
    const kind = x['@odata.type'] === undefined ? (x.choices !== undefined ? QUESTION_KINDS[1] : QUESTION_KINDS[0]) : odataKind(x, f, QUESTION_KINDS);
    const multiple = kind === QUESTION_KINDS[1];
    const o = objectAt(x, f, [
      'id', 'sequence', 'isRequired', 'isAnswerEditable', 'text', 'localizations',
      ...(multiple ? ['choices', 'isMultipleSelectionAllowed'] : ['isSingleLineQuestion', 'regexPattern']),
    ]);
    let id: string;
    if (o.id === undefined || o.id === null) id = newId();
    else id = guidAt(o.id, `${f}.id`);
    if (ids.has(id)) fail(`${f}.id`, `'${f}.id' repeats the id of an earlier question.`);
    ids.add(id);
    let sequence = i + 1;
    if (o.sequence !== undefined && o.sequence !== null) {
      if (typeof o.sequence !== 'number' || !Number.isInteger(o.sequence) || o.sequence < 0) fail(`${f}.sequence`, `'${f}.sequence' must be a whole number.`);
      sequence = o.sequence;
    }
    if (sequences.has(sequence)) fail(`${f}.sequence`, `'${f}.sequence' ${sequence} is used by another question; sequences must be unique.`);
    sequences.add(sequence);
    const q: Question = {
      id,
      '@odata.type': `${T}${kind}` as Question['@odata.type'],
      sequence,
      isRequired: boolAt(o, 'isRequired', f, false),
      isAnswerEditable: boolAt(o, 'isAnswerEditable', f, true),
      text: stringAt(o.text, `${f}.text`, { required: true })!,
      localizations: localizationsAt(o.localizations, `${f}.localizations`),
    };
    if (multiple) {
      const choices = arrayAt(o.choices, `${f}.choices`);
      if (choices.length === 0) fail(`${f}.choices`, `'${f}.choices' must list at least one choice.`);
      if (choices.length > MAX_CHOICES) fail(`${f}.choices`, `'${f}.choices' may list at most ${MAX_CHOICES} choices.`);
      const values = new Set<string>();
      q.choices = choices.map((c, j) => {
        const cf = `${f}.choices[${j}]`;
        const co = objectAt(c, cf, ['actualValue', 'text', 'localizations']);
        const actualValue = stringAt(co.actualValue, `${cf}.actualValue`, { required: true })!;
        if (values.has(actualValue)) fail(`${cf}.actualValue`, `'${cf}.actualValue' '${actualValue}' is used by another choice.`);
        values.add(actualValue);
        return { actualValue, text: stringAt(co.text, `${cf}.text`) ?? actualValue, localizations: localizationsAt(co.localizations, `${cf}.localizations`) };
      });
      q.isMultipleSelectionAllowed = boolAt(o, 'isMultipleSelectionAllowed', f, false);
    } else {
      q.isSingleLineQuestion = boolAt(o, 'isSingleLineQuestion', f, true);
      const pattern = stringAt(o.regexPattern, `${f}.regexPattern`, { max: MAX_REGEX_LENGTH });
      if (pattern !== null && pattern !== '') {
        const error = answerPatternError(pattern);
        if (error) fail(`${f}.regexPattern`, `'${f}.regexPattern' is not a valid regular expression (RE2 syntax, matched in linear time: no back-references or look-around): ${error}`);
      }
      q.regexPattern = pattern === '' ? null : pattern;
    }
    return q;
  });
  return out.sort((a, b) => a.sequence - b.sequence);
}

