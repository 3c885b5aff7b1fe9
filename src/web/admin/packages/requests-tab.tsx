import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, EM, errorMessage, query } from '../../api/client';
import { isCancellableRequest } from '../../api/request-states';
import { PagedContent, Pager, usePaged } from '../../components/paged';
import { ErrorBanner, formatDate, Notice, StatusBadge } from '../../components/ui';
import { useSettle } from './assignment-actions';
import { statusText } from '../../components/status-text';
import { REQUEST_STATE_CHOICES, REQUEST_TYPE_TEXT, requestFilter } from './assignment-filters';
import { ConfirmDialog } from '../../components/dialogs';
import { FulfillmentErrors } from './fulfillment-errors';
import { NO_ASSIGNMENT_WRITE, usePackage } from './package-context';
import type { AssignmentRequest } from './types';
import { StagesList } from '../../myaccess/request-details';


/** Requests: newest first, filtered by state; detail with fulfilment errors; cancel pending ones, reprocess failed ones. */
export function RequestsTab() {
  const { pkg, canReadAssignments, canWriteAssignments } = usePackage();
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? '';
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [canceling, setCanceling] = useState<AssignmentRequest | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const path = canReadAssignments
    ? `${EM}/assignmentRequests${query({ $filter: requestFilter(pkg.id, state), $expand: 'target,requestor', $orderby: 'createdDateTime desc', $top: 20, $count: true })}`
    : null;
  const paged = usePaged<AssignmentRequest>(path);
  useSettle(paged.reload, notice);

  if (!canReadAssignments) {
    return <p className="warning">You need to be a catalog owner, access package manager or assignment manager of this catalog to see its requests.</p>;
  }
  const selected = paged.items.find((r) => r.id === selectedId) ?? null;

  async function reprocess(r: AssignmentRequest) {
    setActionError(null);
    try {
      await api(`${EM}/assignmentRequests/${r.id}/reprocess`, { method: 'POST' });
      setNotice(`Reprocessing the request of ${r.target?.displayName ?? 'the target'}: failed deliveries are retried.`);
      paged.reload();
    } catch (e) {
      setNotice(null);
      setActionError(errorMessage(e));
    }
  }

  return (
    <div>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="request-state">Status</label>
          <select
            id="request-state"
            value={state}
            onChange={(e) => {
              setSelectedId(null);
              setParams((p) => {
                const n = new URLSearchParams(p);
                if (e.target.value) n.set('state', e.target.value);
                else n.delete('state');
                return n;
              }, { replace: true });
            }}
          >
            {REQUEST_STATE_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>{c.label}</option>
            ))}
          </select>
        </div>
      </div>
      <Notice>{notice}</Notice>
      <ErrorBanner error={paged.error ?? actionError} />
      <div className={selected ? 'split pkg-split' : undefined}>
        <div>
          <PagedContent paged={paged} what="requests" empty={<>No requests{state ? ' in this state' : ''}.</>}>
            <div className="table-wrap">
              <table className="responsive">
                <caption className="visually-hidden">Requests</caption>
                <thead>
                  <tr>
                    <th scope="col">For</th>
                    <th scope="col">Type</th>
                    <th scope="col">Status</th>
                    <th scope="col">Submitted</th>
                    <th scope="col">Errors</th>
                  </tr>
                </thead>
                <tbody>
                  {paged.items.map((r) => (
                    <tr key={r.id} className={r.id === selectedId ? 'selected' : undefined}>
                      <td data-label="For">
                        <button type="button" className="link" aria-pressed={r.id === selectedId} onClick={() => setSelectedId(r.id === selectedId ? null : r.id)}>
                          {r.target?.displayName ?? '(unknown)'}
                        </button>
                      </td>
                      <td data-label="Type">{REQUEST_TYPE_TEXT[r.requestType] ?? r.requestType}</td>
                      <td data-label="Status"><StatusBadge status={statusText(r.status)} /></td>
                      <td data-label="Submitted">{formatDate(r.createdDateTime)}</td>
                      <td data-label="Errors">{r.fulfillmentErrorCount ? r.fulfillmentErrorCount : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </PagedContent>
          <Pager paged={paged} label="Requests" />
        </div>
        {selected && (
          <aside className="panel detail" aria-label="Request details">
            <div className="detail-head">
              <h2 className="panel-title">Request of {selected.target?.displayName ?? 'unknown'}</h2>
              <button type="button" className="icon" aria-label="Close details" onClick={() => setSelectedId(null)}>×</button>
            </div>
            <dl className="props">
              <dt>Target</dt>
              <dd>{selected.target?.displayName ?? '—'}{selected.target?.email ? ` (${selected.target.email})` : ''}</dd>
              <dt>Requestor</dt>
              <dd>{selected.requestor?.displayName ?? '—'}</dd>
              <dt>Type</dt>
              <dd>{REQUEST_TYPE_TEXT[selected.requestType] ?? selected.requestType}</dd>
              <dt>Status</dt>
              <dd><StatusBadge status={statusText(selected.status)} /></dd>
              <dt>Submitted</dt>
              <dd>{formatDate(selected.createdDateTime)}</dd>
              <dt>Completed</dt>
              <dd>{formatDate(selected.completedDateTime)}</dd>
              <dt>Access starts</dt>
              <dd>{formatDate(selected.schedule.startDateTime)}</dd>
              <dt>Access ends</dt>
              <dd>{selected.schedule.expiration.endDateTime ? formatDate(selected.schedule.expiration.endDateTime) : 'Never'}</dd>
              <dt>Justification</dt>
              <dd>{selected.justification || '—'}</dd>
              {selected.answers.map((a, i) => (
                <AnswerRow key={i} question={a.answeredQuestion?.text ?? `Answer ${i + 1}`} value={a.displayValue ?? a.value ?? ''} />
              ))}
            </dl>
            <h3>Approval history</h3>
            <StagesList requestId={selected.id} />
            <h3>Fulfilment</h3>
            <FulfillmentErrors request={selected} />
            <div className="toolbar">
              {isCancellableRequest(selected.state) && (
                <button type="button" className="danger" disabled={!canWriteAssignments} title={canWriteAssignments ? undefined : NO_ASSIGNMENT_WRITE} onClick={() => setCanceling(selected)}>
                  Cancel request
                </button>
              )}
              {(selected.state === 'deliveryFailed' || selected.state === 'partiallyDelivered') && (
                <button type="button" disabled={!canWriteAssignments} title={canWriteAssignments ? undefined : NO_ASSIGNMENT_WRITE} onClick={() => void reprocess(selected)}>
                  Reprocess
                </button>
              )}
            </div>
          </aside>
        )}
      </div>
      <ConfirmDialog
        title="Cancel request"
        open={!!canceling}
        confirmText="Cancel request"
        onClose={() => setCanceling(null)}
        onConfirm={async () => {
          if (!canceling) return;
          await api(`${EM}/assignmentRequests/${canceling.id}/cancel`, { method: 'POST' });
          setNotice(`The request of ${canceling.target?.displayName ?? 'the target'} was canceled.`);
          paged.reload();
          setCanceling(null);
        }}
      >
        <p>Cancel the pending request of <strong>{canceling?.target?.displayName}</strong>? Its approvers are no longer asked.</p>
      </ConfirmDialog>
    </div>
  );
}

function AnswerRow({ question, value }: { question: string; value: string }) {
  return (
    <>
      <dt>{question}</dt>
      <dd>{value || '—'}</dd>
    </>
  );
}
