import { Field } from '../../components/ui';
import { emptyQuestion, type QuestionForm } from './policy-form';

/** Questions asked of requestors: free text (one line or several, optional pattern) or multiple choice. */
export function QuestionsEditor({ questions, errors, onChange }: { questions: QuestionForm[]; errors: Record<string, string>; onChange: (q: QuestionForm[]) => void }) {
  const update = (i: number, patch: Partial<QuestionForm>) => onChange(questions.map((q, j) => (j === i ? { ...q, ...patch } : q)));
  const move = (i: number, by: number) => {
    const next = questions.slice();
    const [q] = next.splice(i, 1);
    next.splice(i + by, 0, q);
    onChange(next);
  };
  return (
    <div>
      {questions.length === 0 && <p className="muted">No questions: requestors are asked nothing beyond the justification.</p>}
      {questions.map((q, i) => (
        <fieldset key={q.key} className="question">
          <legend>Question {i + 1}</legend>
          <Field label={`Question ${i + 1} text`} error={errors[`questions.${i}.text`]}>
            {(p) => <input {...p} value={q.text} maxLength={1000} onChange={(e) => update(i, { text: e.target.value })} />}
          </Field>
          <Field label={`Question ${i + 1} answer format`}>
            {(p) => (
              <select {...p} value={q.kind} onChange={(e) => update(i, { kind: e.target.value as QuestionForm['kind'], choices: e.target.value === 'choice' && q.choices.length === 0 ? ['', ''] : q.choices })}>
                <option value="text">Short or long text</option>
                <option value="choice">Multiple choice</option>
              </select>
            )}
          </Field>
          <label className="checkbox">
            <input type="checkbox" checked={q.required} onChange={(e) => update(i, { required: e.target.checked })} /> Required
          </label>
          {q.kind === 'text' ? (
            <>
              <label className="checkbox">
                <input type="checkbox" checked={q.multiline} onChange={(e) => update(i, { multiline: e.target.checked })} /> Allow several lines
              </label>
              <Field label={`Question ${i + 1} answer pattern (optional)`} hint="A regular expression the answer must match, e.g. ^[A-Z]{2}-\d+$" error={errors[`questions.${i}.regexPattern`]}>
                {(p) => <input {...p} value={q.regexPattern} maxLength={200} onChange={(e) => update(i, { regexPattern: e.target.value })} />}
              </Field>
            </>
          ) : (
            <>
              <label className="checkbox">
                <input type="checkbox" checked={q.multipleSelection} onChange={(e) => update(i, { multipleSelection: e.target.checked })} /> Allow several choices
              </label>
              <ol className="choices">
                {q.choices.map((c, k) => (
                  <li key={k}>
                    <label className="visually-hidden" htmlFor={`${q.key}-c${k}`}>{`Question ${i + 1} choice ${k + 1}`}</label>
                    <input id={`${q.key}-c${k}`} value={c} maxLength={1000} onChange={(e) => update(i, { choices: q.choices.map((x, j) => (j === k ? e.target.value : x)) })} />
                    <button type="button" className="small-button" aria-label={`Remove choice ${k + 1} of question ${i + 1}`} onClick={() => update(i, { choices: q.choices.filter((_, j) => j !== k) })}>
                      Remove
                    </button>
                  </li>
                ))}
              </ol>
              {errors[`questions.${i}.choices`] && <p className="field-error">{errors[`questions.${i}.choices`]}</p>}
              <button type="button" className="small-button" onClick={() => update(i, { choices: [...q.choices, ''] })}>Add choice</button>
            </>
          )}
          <div className="toolbar">
            <button type="button" className="small-button" disabled={i === 0} onClick={() => move(i, -1)}>Move up</button>
            <button type="button" className="small-button" disabled={i === questions.length - 1} onClick={() => move(i, 1)}>Move down</button>
            <button type="button" className="small-button danger" onClick={() => onChange(questions.filter((_, j) => j !== i))}>Remove question {i + 1}</button>
          </div>
        </fieldset>
      ))}
      <div className="toolbar">
        <button type="button" onClick={() => onChange([...questions, emptyQuestion('text')])}>Add text question</button>
        <button type="button" onClick={() => onChange([...questions, emptyQuestion('choice')])}>Add multiple-choice question</button>
      </div>
    </div>
  );
}
