import { useId } from 'react';
import { Field } from '../components/ui';
import { MULTIPLE_CHOICE, type Answer, type Question } from './types';

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
    let ok = true;
    try {
      ok = new RegExp(`^(?:${q.regexPattern})$`, 'u').test(text);
    } catch {
      // a pattern the browser cannot read: the server still checks it
    }
    if (!ok) return `The answer does not have the expected format (${q.regexPattern}).`;
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
        out.push({ '@odata.type': '#microsoft.graph.accessPackageAnswerString', value: actual, displayValue: choice?.text ?? actual, answeredQuestion });
      }
    } else if (typeof v === 'string' && v.trim()) {
      out.push({ '@odata.type': '#microsoft.graph.accessPackageAnswerString', value: v.trim(), displayValue: v.trim(), answeredQuestion });
    }
  }
  return out;
}

const labelOf = (q: Question) => `${q.text}${q.isRequired ? ' (required)' : ' (optional)'}`;

/** The inputs for a policy's questions, in their order. */
export function QuestionFields({
  questions,
  values,
  errors,
  onChange,
}: {
  questions: Question[];
  values: AnswerValues;
  errors: Record<string, string | null>;
  onChange: (id: string, value: string | string[]) => void;
}) {
  if (questions.length === 0) return null;
  return (
    <fieldset>
      <legend>Questions</legend>
      {sortedQuestions(questions).map((q) =>
        q['@odata.type'] === MULTIPLE_CHOICE && q.isMultipleSelectionAllowed ? (
          <MultipleChoices key={q.id} q={q} value={values[q.id]} error={errors[q.id]} onChange={(v) => onChange(q.id, v)} />
        ) : q['@odata.type'] === MULTIPLE_CHOICE ? (
          <Field key={q.id} label={labelOf(q)} error={errors[q.id]}>
            {(props) => (
              <select {...props} required={q.isRequired} value={typeof values[q.id] === 'string' ? (values[q.id] as string) : ''} onChange={(e) => onChange(q.id, e.target.value)}>
                <option value="">Choose…</option>
                {(q.choices ?? []).map((c) => (
                  <option key={c.actualValue} value={c.actualValue}>
                    {c.text}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : (
          <Field key={q.id} label={labelOf(q)} error={errors[q.id]} hint={q.regexPattern ? `Format: ${q.regexPattern}` : undefined}>
            {(props) =>
              q.isSingleLineQuestion === false ? (
                <textarea {...props} required={q.isRequired} value={(values[q.id] as string) ?? ''} onChange={(e) => onChange(q.id, e.target.value)} />
              ) : (
                <input {...props} type="text" required={q.isRequired} value={(values[q.id] as string) ?? ''} onChange={(e) => onChange(q.id, e.target.value)} />
              )
            }
          </Field>
        ),
      )}
    </fieldset>
  );
}

function MultipleChoices({ q, value, error, onChange }: { q: Question; value: string | string[] | undefined; error?: string | null; onChange: (v: string[]) => void }) {
  const chosen = Array.isArray(value) ? value : [];
  const errorId = useId();
  return (
    <fieldset className="ma-choices" aria-describedby={error ? errorId : undefined}>
      <legend>{labelOf(q)}</legend>
      {(q.choices ?? []).map((c) => (
        <label key={c.actualValue} className="checkbox">
          <input
            type="checkbox"
            checked={chosen.includes(c.actualValue)}
            onChange={(e) => onChange(e.target.checked ? [...chosen, c.actualValue] : chosen.filter((x) => x !== c.actualValue))}
          />
          {c.text}
        </label>
      ))}
      {error && (
        <small id={errorId} className="field-error">
          {error}
        </small>
      )}
    </fieldset>
  );
}
