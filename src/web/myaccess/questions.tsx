import { useId } from 'react';
import { Field } from '../components/ui';
import { localized, sortedQuestions, type AnswerValues } from './answers';
import { MULTIPLE_CHOICE, type Question } from './types';

const labelOf = (q: Question) => `${localized(q.text, q.localizations)}${q.isRequired ? ' (required)' : ' (optional)'}`;

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
                    {localized(c.text, c.localizations)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : (
          <Field key={q.id} label={labelOf(q)} error={errors[q.id]} hint={q.regexPattern ? `Format: ${q.regexPattern}` : undefined}>
            {(props) =>
              q.isSingleLineQuestion === false ? (
                <textarea {...props} required={q.isRequired} maxLength={4000} value={(values[q.id] as string) ?? ''} onChange={(e) => onChange(q.id, e.target.value)} />
              ) : (
                <input {...props} type="text" required={q.isRequired} maxLength={4000} value={(values[q.id] as string) ?? ''} onChange={(e) => onChange(q.id, e.target.value)} />
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
          {localized(c.text, c.localizations)}
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
