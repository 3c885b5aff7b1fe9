import { api, ApiError, EM } from '../api/client';
import { ErrorBanner, Loading, StatusBadge, formatDate } from '../components/ui';
import { statusText } from '../components/status-text';
import { expirationText, requestTypeText } from './format';
import type { Answer, ApprovalStage, AssignmentRequest } from './types';
import { useLoad } from '../components/use-load';

/** A request's answers grouped by question (a multiple choice may have several values). */
export function AnswersList({ answers }: { answers: Answer[] }) {
  if (!answers?.length) return <span className="muted">None</span>;
  const byQuestion = new Map<string, { text: string; values: string[] }>();
  for (const a of answers) {
    const key = a.answeredQuestion?.id ?? a.value;
    const entry = byQuestion.get(key) ?? { text: a.answeredQuestion?.text ?? 'Answer', values: [] };
    entry.values.push(a.displayValue || a.value);
    byQuestion.set(key, entry);
  }
  return (
    <dl className="ma-answers">
      {[...byQuestion.entries()].map(([k, v]) => (
        <div key={k}>
          <dt>{v.text}</dt>
          <dd>{v.values.join(', ')}</dd>
        </div>
      ))}
    </dl>
  );
}

export function scheduleText(r: { schedule?: AssignmentRequest['schedule'] }): string {
  const s = r.schedule;
  if (!s) return '—';
  const end = s.expiration?.endDateTime ? `until ${formatDate(s.expiration.endDateTime)}` : expirationText(s.expiration);
  return `${s.startDateTime ? `From ${formatDate(s.startDateTime)} ` : ''}${end}`;
}

/** The approval stages of a request, as the requestor sees them (none when no approval was needed). */
export function StagesList({ requestId }: { requestId: string }) {
  const stages = useLoad(requestId, async (signal) => {
    try {
      return (await api<{ value: ApprovalStage[] }>(`${EM}/accessPackageAssignmentApprovals/${requestId}/stages`, { signal })).value;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return [];
      throw e;
    }
  });
  if (stages.loading) return <Loading what="approval" />;
  if (stages.error) return <ErrorBanner error={stages.error} />;
  if (!stages.data?.length) return <span className="muted">No approval needed</span>;
  return (
    <ol className="ma-stages">
      {stages.data.map((s) => (
        <li key={s.id}>
          <strong>{s.displayName}</strong>: <StatusBadge status={s.reviewResult === 'NotReviewed' ? (s.status === 'InProgress' ? 'Waiting for a decision' : s.status === 'Initializing' ? 'Not started' : s.status) : s.reviewResult} />
          {s.reviewedBy && ` by ${s.reviewedBy.displayName}`}
          {s.reviewedDateTime && ` on ${formatDate(s.reviewedDateTime)}`}
          {s.status === 'InProgress' && s.dueDateTime && ` · decision due ${formatDate(s.dueDateTime)}`}
          {s.justification && <div className="ma-quote">“{s.justification}”</div>}
        </li>
      ))}
    </ol>
  );
}

export function RequestDetails({ request }: { request: AssignmentRequest }) {
  return (
    <dl className="props">
      <dt>Access package</dt>
      <dd>{request.accessPackage?.displayName ?? '—'}</dd>
      <dt>Request</dt>
      <dd>{requestTypeText(request.requestType)}</dd>
      <dt>Status</dt>
      <dd>
        <StatusBadge status={statusText(request.status)} />
      </dd>
      <dt>Requested</dt>
      <dd>{formatDate(request.createdDateTime)}</dd>
      <dt>Completed</dt>
      <dd>{formatDate(request.completedDateTime)}</dd>
      <dt>Access period</dt>
      <dd>{scheduleText(request)}</dd>
      <dt>Justification</dt>
      <dd>{request.justification || <span className="muted">None</span>}</dd>
      <dt>Answers</dt>
      <dd>
        <AnswersList answers={request.answers} />
      </dd>
      <dt>Approval</dt>
      <dd>
        <StagesList requestId={request.id} />
      </dd>
    </dl>
  );
}
