import { useId, useState, type FormEvent } from 'react';
import { api, EM, errorMessage } from '../api/client';
import { ErrorBanner, Field } from '../components/ui';
import { endOfDayIso, requirementsSummary, startOfDayIso, todayValue } from './format';
import { answersOf, questionError, type AnswerValues } from './answers';
import { QuestionFields } from './questions';
import type { AccessPackage, AssignmentRequest, Requirements } from './types';

interface Errors {
  policy?: string | null;
  justification?: string | null;
  start?: string | null;
  end?: string | null;
  questions: Record<string, string | null>;
}

const hasErrors = (e: Errors) => !!(e.policy || e.justification || e.start || e.end || Object.values(e.questions).some(Boolean));

/** The request form: policy (when several apply), the policy's questions, justification, optional dates. */
export function RequestForm({ pkg, requirements, onSubmitted }: { pkg: AccessPackage; requirements: Requirements[]; onSubmitted: (r: AssignmentRequest) => void }) {
  const [policyId, setPolicyId] = useState<string | null>(requirements.length === 1 ? requirements[0].policyId : null);
  const [answers, setAnswers] = useState<AnswerValues>({});
  const [justification, setJustification] = useState('');
  const [customDates, setCustomDates] = useState(false);
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [errors, setErrors] = useState<Errors>({ questions: {} });
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const policyGroupId = useId();

  const policy = requirements.find((r) => r.policyId === policyId) ?? null;

  function validate(): Errors {
    const e: Errors = { questions: {} };
    if (!policy) {
      e.policy = 'Choose the policy to request under.';
      return e;
    }
    for (const q of policy.questions) e.questions[q.id] = questionError(q, answers[q.id]);
    if (policy.isRequestorJustificationRequired && !justification.trim()) e.justification = 'This policy asks for a business justification.';
    if (customDates && policy.allowCustomAssignmentSchedule) {
      const today = todayValue();
      if (start && start < today) e.start = 'The start cannot be in the past.';
      if (!start && !end) e.end = 'Choose a start date, an end date, or both (or untick “Request for a specific period”).';
      if (end && end < (start || today)) e.end = 'The end must be on or after the start.';
    }
    return e;
  }

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    setFailure(null);
    const e = validate();
    setErrors(e);
    if (hasErrors(e) || !policy) return;
    const body: Record<string, unknown> = {
      requestType: 'userAdd',
      assignment: { accessPackageId: pkg.id, assignmentPolicyId: policy.policyId },
      justification: justification.trim() || null,
      answers: answersOf(policy.questions, answers),
    };
    if (customDates && policy.allowCustomAssignmentSchedule && (start || end)) {
      body.schedule = {
        ...(start && start > todayValue() ? { startDateTime: startOfDayIso(start) } : {}),
        ...(end ? { expiration: { type: 'afterDateTime', endDateTime: endOfDayIso(end) } } : {}),
      };
    }
    setBusy(true);
    try {
      onSubmitted(await api<AssignmentRequest>(`${EM}/assignmentRequests`, { method: 'POST', body }));
    } catch (err) {
      setFailure(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="ma-form" onSubmit={submit} noValidate aria-label={`Request ${pkg.displayName}`}>
      {requirements.length > 1 ? (
        <fieldset aria-describedby={errors.policy ? `${policyGroupId}-error` : undefined}>
          <legend>Policy (required)</legend>
          <p className="muted">Several policies let you request this package. Choose the one that fits your need.</p>
          <div role="radiogroup" aria-label="Policy" className="ma-policies">
            {requirements.map((r) => (
              <label key={r.policyId} className={`ma-policy${r.policyId === policyId ? ' chosen' : ''}`}>
                <input type="radio" name={policyGroupId} value={r.policyId} checked={r.policyId === policyId} onChange={() => setPolicyId(r.policyId)} />
                <span>
                  <strong>{r.policyDisplayName}</strong>
                  {r.policyDescription && <span className="ma-policy-desc">{r.policyDescription}</span>}
                  <span className="ma-facts">{requirementsSummary(r).join(' · ')}</span>
                </span>
              </label>
            ))}
          </div>
          {errors.policy && (
            <small id={`${policyGroupId}-error`} className="field-error">
              {errors.policy}
            </small>
          )}
        </fieldset>
      ) : (
        policy && (
          <div className="panel">
            <strong>{policy.policyDisplayName}</strong>
            {policy.policyDescription && <p className="ma-policy-desc">{policy.policyDescription}</p>}
            <p className="ma-facts">{requirementsSummary(policy).join(' · ')}</p>
          </div>
        )
      )}

      {policy && (
        <>
          <QuestionFields
            questions={policy.questions}
            values={answers}
            errors={errors.questions}
            onChange={(id, v) => setAnswers((a) => ({ ...a, [id]: v }))}
          />
          <Field
            label={`Business justification${policy.isRequestorJustificationRequired ? ' (required)' : ' (optional)'}`}
            hint="Why you need this access; approvers read it."
            error={errors.justification}
          >
            {(props) => <textarea {...props} required={policy.isRequestorJustificationRequired} maxLength={4000} value={justification} onChange={(e) => setJustification(e.target.value)} />}
          </Field>
          {policy.allowCustomAssignmentSchedule && (
            <>
              <label className="checkbox">
                <input type="checkbox" checked={customDates} onChange={(e) => setCustomDates(e.target.checked)} />
                Request for a specific period
              </label>
              {customDates && (
                <div className="ma-dates">
                  <Field label="Start date" hint="Leave empty to start now." error={errors.start}>
                    {(props) => <input {...props} type="date" min={todayValue()} value={start} onChange={(e) => setStart(e.target.value)} />}
                  </Field>
                  <Field label="End date" hint="The policy may limit how long access lasts." error={errors.end}>
                    {(props) => <input {...props} type="date" min={start || todayValue()} value={end} onChange={(e) => setEnd(e.target.value)} />}
                  </Field>
                </div>
              )}
            </>
          )}
        </>
      )}
      <ErrorBanner error={failure} />
      {hasErrors(errors) && <p className="field-error" role="alert">Please correct the fields marked above.</p>}
      <div className="dialog-actions ma-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Submitting…' : 'Submit request'}
        </button>
      </div>
    </form>
  );
}
