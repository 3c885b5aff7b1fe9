import { useState, type FormEvent } from 'react';
import { api, ApiError, EM, errorMessage, getAll, odataString, query } from '../../api/client';
import { DialogActions, useAction } from '../../components/dialogs';
import { ErrorBanner, Field, formatDate, Loading } from '../../components/ui';
import { useLoad } from '../../components/use-load';
import { beyondLimitText, checkDirectSchedule, limitHint, policyLimit, readableDates } from './direct-schedule';
import { usePackage } from './package-context';
import type { PickedSubject } from './policy-form';
import { expirationText } from './policies-tab';
import { SubjectPicker } from './subject-picker';
import type { Policy } from './types';

/** Direct assignment: users, the policy that governs them, optional start and end, justification (an adminAdd request each). */
export function NewAssignmentForm({ onClose, onDone }: { onClose: () => void; onDone: (text: string) => void }) {
  const { pkg } = usePackage();
  const loaded = useLoad(pkg.id, (signal) =>
    getAll<Policy>(`${EM}/assignmentPolicies${query({ $filter: `accessPackage/id eq ${odataString(pkg.id)}`, $orderby: 'displayName' })}`, signal),
  );
  const policies = loaded.data;
  const [users, setUsers] = useState<PickedSubject[]>([]);
  // null until the person chooses: then the only policy that accepts requests is preselected
  const [chosenPolicyId, setPolicyId] = useState<string | null>(null);
  const policyId = chosenPolicyId ?? onlyUsablePolicy(policies ?? []);
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [justification, setJustification] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  // one line per person: each is a request of its own, so some may be refused while others go through
  const [failures, setFailures] = useState<string[]>([]);
  const action = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (users.length === 0) found.users = 'Pick at least one user.';
    if (!policyId) found.policy = 'Choose the policy that governs these assignments.';
    const { errors: dates, startAt, endAt } = checkDirectSchedule(policies?.find((p) => p.id === policyId), start, end);
    Object.assign(found, dates);
    setErrors(found);
    if (Object.keys(found).length) return;
    setFailures([]);
    await action.run(() => assign(startAt, endAt));
  }

  async function assign(startAt: Date | null, endAt: Date | null) {
    const schedule: Record<string, unknown> = {};
    if (startAt) schedule.startDateTime = startAt.toISOString();
    if (endAt) schedule.expiration = { type: 'afterDateTime', endDateTime: endAt.toISOString() };
    const failed: string[] = [];
    const done: PickedSubject[] = [];
    let startsAt: string | null = null;
    // one request per person: one refusal (e.g. already assigned) does not stop the others
    for (const u of users) {
      try {
        const created = await api<{ state: string; schedule: { startDateTime: string } }>(`${EM}/assignmentRequests`, {
          method: 'POST',
          body: {
            requestType: 'adminAdd',
            assignment: { accessPackageId: pkg.id, assignmentPolicyId: policyId, targetId: u.id },
            justification: justification.trim() || null,
            ...(Object.keys(schedule).length ? { schedule } : {}),
          },
        });
        done.push(u);
        if (created.state === 'scheduled') startsAt = created.schedule.startDateTime;
      } catch (err) {
        // the schedule is the same for everyone: a refusal of it is said once, at the field, in words
        if (err instanceof ApiError && err.target?.startsWith('schedule')) {
          setErrors({ [err.target.startsWith('schedule.startDateTime') ? 'start' : 'end']: scheduleRefusal(err) });
          break;
        }
        failed.push(`${u.name}: ${errorMessage(err)}`);
      }
    }
    if (done.length === users.length) {
      const names = done.map((u) => u.name).join(', ');
      onDone(startsAt
        ? `Assigned ${names}, starting ${formatDate(startsAt)}: the assignment is listed as Scheduled until then, and access is delivered when it starts.`
        : `Assigned ${names}. Access is being delivered.`);
    } else {
      setUsers((l) => l.filter((u) => !done.includes(u)));
      setFailures(done.length ? [`Assigned ${done.map((u) => u.name).join(', ')}.`, ...failed] : failed);
    }
  }

  /** The server's schedule refusal (ISO dates) in the form's words when the limit can be worked out here. */
  function scheduleRefusal(err: ApiError): string {
    const p = policies?.find((x) => x.id === policyId);
    const from = start && new Date(start).getTime() > Date.now() ? new Date(start) : new Date();
    const limit = p ? policyLimit(p.expiration, from) : undefined;
    return p && limit && err.target === 'schedule.expiration' ? beyondLimitText(p.displayName, limit) : readableDates(err.message);
  }

  if (loaded.error) return <ErrorBanner error={loaded.error} />;
  if (!policies) return <Loading what="policies" />;
  if (policies.length === 0) {
    return (
      <div>
        <p className="warning">This access package has no policy. Add one (for direct assignments choose “None (administrator direct assignments only)”) first.</p>
        <div className="dialog-actions"><button type="button" onClick={onClose}>Close</button></div>
      </div>
    );
  }
  const policy = policies.find((p) => p.id === policyId);
  return (
    <form onSubmit={submit} noValidate>
      <ErrorBanner error={action.error} />
      {failures.length > 0 && (
        <div className="error-banner" role="alert">
          <ul className="tight">{failures.map((f) => <li key={f}>{f}</li>)}</ul>
        </div>
      )}
      <SubjectPicker label="Users" value={users} onChange={setUsers} groups={false} error={errors.users} />
      <Field label="Policy" error={errors.policy} hint={policy ? limitHint(expirationText(policy.expiration), policy.expiration) : undefined}>
        {(p) => (
          <select {...p} value={policyId} onChange={(e) => setPolicyId(e.target.value)}>
            <option value="">Choose a policy…</option>
            {policies.map((x) => (
              <option key={x.id} value={x.id} disabled={!x.requestorSettings.acceptRequests}>
                {x.displayName}{x.requestorSettings.acceptRequests ? '' : ' (disabled)'}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div className="field-row">
        <Field label="Start date and time (optional)" hint="Empty: now. A later start is scheduled." error={errors.start}>
          {(p) => <input {...p} type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />}
        </Field>
        <Field label="End date and time (optional)" error={errors.end} hint="Empty: the policy’s expiration.">
          {(p) => <input {...p} type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} />}
        </Field>
      </div>
      <Field label="Justification (optional)">
        {(p) => <textarea {...p} value={justification} maxLength={4000} onChange={(e) => setJustification(e.target.value)} />}
      </Field>
      <DialogActions onCancel={onClose} busy={action.busy} submitText="Add" busyText="Assigning…" />
    </form>
  );
}

function onlyUsablePolicy(policies: Policy[]): string {
  const usable = policies.filter((p) => p.requestorSettings.acceptRequests);
  return usable.length === 1 ? usable[0].id : '';
}
