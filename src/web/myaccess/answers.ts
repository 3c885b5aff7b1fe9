import { matchAnswerPattern } from '../../domain/answer-pattern';
import { MULTIPLE_CHOICE, type Answer, type Localization, type Question } from './types';

// What the request form checks and sends for a policy's questions: the same rules the API applies
// (src/domain/answers.ts), checked before sending so people see them next to the field.

function browserLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

/**
 * The text in the browser's language when the question has it (exact code first, then the language alone,
 * e.g. fr-CA then fr), else the default text.
 */
export function localized(text: string, localizations: Localization[] | undefined, languages: readonly string[] = browserLanguages()): string {
  if (!localizations?.length) return text;
  for (const lang of languages) {
    const l = lang.toLowerCase();
    const hit = localizations.find((x) => x.languageCode.toLowerCase() === l) ?? localizations.find((x) => x.languageCode.toLowerCase().split('-')[0] === l.split('-')[0]);
    if (hit?.text) return hit.text;
  }
  return text;
}

/** What the person entered per question id: the text, or the chosen actual values. */
export type AnswerValues = Record<string, string | string[]>;

export function sortedQuestions(questions: Question[]): Question[] {
  return [...questions].sort((a, b) => a.sequence - b.sequence);
}

/** The validation message for one question's answer, or null when it may be sent. */
export function questionError(q: Question, value: string | string[] | undefined): string | null {
  if (q['@odata.type'] === MULTIPLE_CHOICE) {
    const chosen = Array.isArray(value) ? value : value ? [value] : [];
    if (q.isRequired && chosen.length === 0) return 'Choose an answer.';
    if (!q.isMultipleSelectionAllowed && chosen.length > 1) return 'Choose only one answer.';
    return null;
  }
  const text = typeof value === 'string' ? value : '';
  if (!text.trim()) return q.isRequired ? 'This question needs an answer.' : null;
  if (q.isSingleLineQuestion !== false && /[\r\n]/.test(text)) return 'Answer on a single line.';
  if (q.regexPattern) {
    const result = matchAnswerPattern(q.regexPattern, text);
    if (result === 'unsupported') return 'This question\'s format cannot be checked; the server refuses answers to it until an administrator changes the question.';
    if (result === 'mismatch') return `The answer does not have the expected format (${q.regexPattern}).`;
  }
  return null;
}

/** Graph accessPackageAnswerString objects for the answers given (one per chosen value of a multiple choice). */
export function answersOf(questions: Question[], values: AnswerValues): Answer[] {
  const out: Answer[] = [];
  for (const q of sortedQuestions(questions)) {
    const v = values[q.id];
    const answeredQuestion = { '@odata.type': q['@odata.type'], id: q.id } as Answer['answeredQuestion'];
    if (q['@odata.type'] === MULTIPLE_CHOICE) {
      for (const actual of Array.isArray(v) ? v : v ? [v] : []) {
        const choice = q.choices?.find((c) => c.actualValue === actual);
        out.push({ '@odata.type': '#microsoft.graph.accessPackageAnswerString', value: actual, displayValue: choice ? localized(choice.text, choice.localizations) : actual, answeredQuestion });
      }
    } else if (typeof v === 'string' && v.trim()) {
      out.push({ '@odata.type': '#microsoft.graph.accessPackageAnswerString', value: v.trim(), displayValue: v.trim(), answeredQuestion });
    }
  }
  return out;
}
