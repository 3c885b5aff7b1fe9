// Answers to a policy's questions, as a request carries them: checked against the questions and
// stored in Graph's accessPackageAnswerString shape, so approvers see exactly what was answered.

import { matchAnswerPattern } from './answer-pattern.js';
import { ValidationError } from './errors.js';
import type { Question } from './policy/types.js';
import { isObj } from './json.js';

export interface StoredAnswer {
  '@odata.type': '#microsoft.graph.accessPackageAnswerString';
  value: string;
  displayValue: string;
  answeredQuestion: { id: string; '@odata.type': string; text: string; sequence: number };
}

/** Longest answer accepted: bounds storage and the work a question's regex pattern can do. */
export const MAX_ANSWER_LENGTH = 4000;


const MULTIPLE = '#microsoft.graph.accessPackageMultipleChoiceQuestion';

/**
 * Validates request answers against the policy's questions (required, regex, choice values, single/multiple selection); throws
 * ValidationError naming 'answers' or 'answers[i]'. Returns them normalised, in question order. A multiple-selection question may be
 * answered with one answer per chosen value (or one answer whose value lists them separated by commas); it is stored as one
 * answer per chosen value, each a valid accessPackageAnswerString.
 */
export function validateAnswers(questions: Question[], answers: unknown): StoredAnswer[] {
  if (answers !== undefined && answers !== null && !Array.isArray(answers)) throw new ValidationError("'answers' must be an array.", 'answers');
  const list = (answers ?? []) as unknown[];
  if (list.length > 500) throw new ValidationError("'answers' may hold at most 500 answers.", 'answers');
  const byId = new Map(questions.map((q) => [q.id.toLowerCase(), q]));
  const values = new Map<string, string[]>();
  list.forEach((a, i) => {
    const f = `answers[${i}]`;
    if (!isObj(a)) throw new ValidationError(`'${f}' must be an object.`, f);
    const type = a['@odata.type'];
    if (type !== undefined && (typeof type !== 'string' || !/^#?microsoft\.graph\.accessPackageAnswerString$/i.test(type))) {
      throw new ValidationError(`'${f}.@odata.type' must be '#microsoft.graph.accessPackageAnswerString'.`, f);
    }
    const aq = a.answeredQuestion;
    const qid = isObj(aq) ? aq.id : undefined;
    if (typeof qid !== 'string') throw new ValidationError(`'${f}.answeredQuestion.id' is required: the id of the question answered.`, f);
    const q = byId.get(qid.toLowerCase());
    if (!q) throw new ValidationError(`'${f}' answers question '${qid}', which the policy does not ask.`, f);
    const v = a.value;
    if (typeof v !== 'string') throw new ValidationError(`'${f}.value' must be a string.`, f);
    if (v.length > MAX_ANSWER_LENGTH) throw new ValidationError(`'${f}.value' is longer than ${MAX_ANSWER_LENGTH} characters.`, f);
    const prior = values.get(q.id);
    if (prior && q['@odata.type'] !== MULTIPLE) throw new ValidationError(`'${f}' answers question '${q.text}' a second time.`, f);
    checkValue(q, v, f);
    values.set(q.id, [...(prior ?? []), v]);
  });

  const out: StoredAnswer[] = [];
  for (const q of [...questions].sort((x, y) => x.sequence - y.sequence)) {
    const given = (values.get(q.id) ?? []).filter((v) => v.trim() !== '');
    if (given.length === 0) {
      if (q.isRequired) throw new ValidationError(`Question '${q.text}' requires an answer.`, 'answers');
      continue;
    }
    const answeredQuestion = { id: q.id, '@odata.type': q['@odata.type'], text: q.text, sequence: q.sequence };
    if (q['@odata.type'] === MULTIPLE) {
      const chosen: string[] = [];
      for (const v of given) {
        for (const piece of splitChoices(q, v)) {
          const choice = q.choices!.find((c) => c.actualValue.toLowerCase() === piece.toLowerCase())!;
          if (!chosen.includes(choice.actualValue)) chosen.push(choice.actualValue);
        }
      }
      if (!q.isMultipleSelectionAllowed && chosen.length > 1) {
        throw new ValidationError(`Question '${q.text}' allows only one choice.`, 'answers');
      }
      // in the question's order of choices
      for (const c of q.choices!) {
        if (chosen.includes(c.actualValue)) out.push({ '@odata.type': '#microsoft.graph.accessPackageAnswerString', value: c.actualValue, displayValue: c.text, answeredQuestion });
      }
    } else {
      out.push({ '@odata.type': '#microsoft.graph.accessPackageAnswerString', value: given[0], displayValue: given[0], answeredQuestion });
    }
  }
  return out;
}

/** The actual values an answer names: the whole value if it is a choice, else its comma-separated parts. */
function splitChoices(q: Question, v: string): string[] {
  const is = (s: string) => q.choices!.some((c) => c.actualValue.toLowerCase() === s.toLowerCase());
  if (is(v.trim())) return [v.trim()];
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function checkValue(q: Question, v: string, f: string): void {
  if (v.trim() === '') return;
  if (q['@odata.type'] === MULTIPLE) {
    const pieces = splitChoices(q, v);
    const bad = pieces.find((p) => !q.choices!.some((c) => c.actualValue.toLowerCase() === p.toLowerCase()));
    if (bad !== undefined) {
      throw new ValidationError(`'${f}.value' '${bad}' is not a choice of question '${q.text}'; expected one of: ${q.choices!.map((c) => c.actualValue).join(', ')}.`, f);
    }
    if (!q.isMultipleSelectionAllowed && pieces.length > 1) throw new ValidationError(`Question '${q.text}' allows only one choice.`, f);
    return;
  }
  if (q.isSingleLineQuestion !== false && /[\r\n]/.test(v)) throw new ValidationError(`Question '${q.text}' takes a single line.`, f);
  if (q.regexPattern) {
    const result = matchAnswerPattern(q.regexPattern, v);
    if (result === 'unsupported') {
      // stored before patterns had to suit the linear-time engine: refused rather than run by a backtracking one
      throw new ValidationError(`Question '${q.text}' has a format pattern that cannot be checked (${q.regexPattern}); the policy's question must be changed before it can be answered.`, f);
    }
    if (result === 'mismatch') throw new ValidationError(`'${f}.value' does not have the format question '${q.text}' asks for (${q.regexPattern}).`, f);
  }
}
