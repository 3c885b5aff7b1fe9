import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { api, EM, getPage, odataString, query } from '../api/client';
import { Pager, usePaged } from '../components/paged';
import { TabNav } from '../components/layout';
import { Empty, ErrorBanner, Loading, Notice, PageHeader, StatusBadge, formatDate } from '../components/ui';
import { DecideDialog, type Decision } from './decide-dialog';
import { statusText } from '../components/status-text';
import { requestTypeText } from './format';
import { AnswersList, scheduleText, StagesList } from './request-details';
import type { Approval, ApprovalStage, AssignmentRequest } from './types';
import { useLoad } from '../components/use-load';

const PAGE_SIZE = 20;
const EXPAND = 'requestor,accessPackage';

/** The approvals waiting for this person (open stages assigned to them), oldest first. */
async function loadInbox(signal: AbortSignal): Promise<Approval[]> {
  return (await api<{ value: Approval[] }>(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, { signal })).value;
}

const isExtension = (r: AssignmentRequest) => r.requestType === 'userUpdate' || r.requestType === 'adminUpdate';

const idsFilter = (ids: string[]) => `id in (${ids.map(odataString).join(',')})`;

/** Approvals: pending decisions (Approve/Deny) and past ones with their outcome. */
export function ApprovalsPage({ view }: { view: 'pending' | 'history' }) {
  const inbox = useLoad('inbox', loadInbox);
  const [notice, setNotice] = useState<string | null>(null);
  const pendingCount = inbox.data?.length;
  return (
    <section>
      <PageHeader title="Approvals">
        <p className="muted">Requests where you are an approver.</p>
      </PageHeader>
      <TabNav
        label="Approvals"
        links={[
          { to: '/myaccess/approvals', text: `Pending${pendingCount !== undefined ? ` (${pendingCount})` : ''}`, end: true },
          { to: '/myaccess/approvals/history', text: 'History' },
        ]}
      />
      <Notice>{notice}</Notice>
      <ErrorBanner error={inbox.error} />
      {inbox.loading && !inbox.data ? (
        <Loading what="approvals" />
      ) : !inbox.data ? null : view === 'pending' ? (
        <Pending
          inbox={inbox.data}
          onDecided={(message) => {
            setNotice(message);
            inbox.reload();
          }}
        />
      ) : (
        <History pendingIds={inbox.data.map((a) => a.id)} />
      )}
    </section>
  );
}

function Pending({ inbox, onDecided }: { inbox: Approval[]; onDecided: (message: string) => void }) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(inbox.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const slice = inbox.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  const ids = slice.map((a) => a.id);
  const key = ids.join(',');
  const requests = useLoad(ids.length ? key : null, async (signal) => {
    const p = await getPage<AssignmentRequest>(`${EM}/assignmentRequests/filterByCurrentUser(on='approver')${query({ $filter: idsFilter(ids), $expand: EXPAND, $top: PAGE_SIZE })}`, signal);
    return new Map(p.value.map((r) => [r.id, r]));
  });
  const [deciding, setDeciding] = useState<{ requestId: string; stage: ApprovalStage; decision: Decision; what: string } | null>(null);

  if (inbox.length === 0) return <Empty>Nothing is waiting for your decision.</Empty>;
  if (requests.loading && !requests.data) return <Loading what="requests" />;
  return (
    <>
      <ErrorBanner error={requests.error} />
      <ul className="ma-approvals" aria-label="Requests waiting for your decision">
        {slice.map((a) => {
          const r = requests.data?.get(a.id);
          const stage = a.stages.find((s) => s.assignedToMe) ?? a.stages.find((s) => s.status === 'InProgress');
          // every item of the inbox is listed, as the Pending (n) count counts them: one whose request
          // cannot be read says so rather than vanishing from under the count
          if (!r || !stage) {
            return (
              <li key={a.id} className="ma-approval">
                <h2 className="ma-card-title">Request {a.id}</h2>
                <p className="muted">The details of this request could not be loaded; it still waits for a decision.</p>
              </li>
            );
          }
          const who = r.requestor?.displayName ?? r.target?.displayName ?? 'Someone';
          const what = isExtension(r)
            ? `${who} asks to extend ${r.accessPackage?.displayName ?? 'an access package'}${r.schedule?.expiration?.endDateTime ? ` until ${formatDate(r.schedule.expiration.endDateTime)}` : ''}.`
            : `${who} asks for ${r.accessPackage?.displayName ?? 'an access package'}.`;
          return (
            <li key={a.id} className="ma-approval">
              <h2 className="ma-card-title">{r.accessPackage?.displayName ?? 'Access package'}</h2>
              <dl className="props">
                <dt>Requestor</dt>
                <dd>
                  {who}
                  {r.requestor?.email && <span className="muted"> ({r.requestor.email})</span>}
                </dd>
                <dt>Request</dt>
                <dd>{requestTypeText(r.requestType)}</dd>
                <dt>Requested</dt>
                <dd>{formatDate(r.createdDateTime)}</dd>
                {isExtension(r) ? (
                  <>
                    {/* an extension keeps the access it has: what is decided is the new end */}
                    <dt>Extends access until</dt>
                    <dd>{r.schedule?.expiration?.endDateTime ? formatDate(r.schedule.expiration.endDateTime) : scheduleText(r)}</dd>
                  </>
                ) : (
                  <>
                    <dt>Access period</dt>
                    <dd>{scheduleText(r)}</dd>
                  </>
                )}
                <dt>Justification</dt>
                <dd>{r.justification || <span className="muted">None given</span>}</dd>
                <dt>Answers</dt>
                <dd>
                  <AnswersList answers={r.answers} />
                </dd>
                <dt>Stage</dt>
                <dd>
                  {stage.displayName} of {a.stages.length}
                  {stage.escalated ? ' (forwarded to you)' : ''}
                </dd>
                <dt>Decide by</dt>
                <dd>{formatDate(stage.dueDateTime)}</dd>
              </dl>
              <div className="dialog-actions ma-actions">
                <button type="button" className="danger" onClick={() => setDeciding({ requestId: a.id, stage, decision: 'Deny', what })} aria-label={`Deny ${who}'s request for ${r.accessPackage?.displayName ?? 'the package'}`}>
                  Deny
                </button>
                <button type="button" className="primary" onClick={() => setDeciding({ requestId: a.id, stage, decision: 'Approve', what })} aria-label={`Approve ${who}'s request for ${r.accessPackage?.displayName ?? 'the package'}`}>
                  Approve
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      {pages > 1 && (
        <nav className="pager" aria-label="Pending approvals pages">
          <button type="button" onClick={() => setPage(current - 1)} disabled={current === 0}>
            Previous
          </button>
          <span>
            Page {current + 1} of {pages} · {inbox.length} in all
          </span>
          <button type="button" onClick={() => setPage(current + 1)} disabled={current + 1 >= pages}>
            Next
          </button>
        </nav>
      )}
      <DecideDialog
        target={deciding}
        onClose={() => setDeciding(null)}
        onDecided={(d) => {
          const what = deciding?.what ?? '';
          setDeciding(null);
          onDecided(`${d === 'Approve' ? 'Approved' : 'Denied'}: ${what} It is now under History.`);
        }}
      />
    </>
  );
}

/** Requests the person was asked to approve, except those still waiting for them, newest first. */
function History({ pendingIds }: { pendingIds: string[] }) {
  // the id list goes into the URL; past a few dozen open items the history simply shows them too (marked)
  const exclude = pendingIds.length > 0 && pendingIds.length <= 40 ? `not (${idsFilter(pendingIds)})` : undefined;
  const path = useMemo(
    () => `${EM}/assignmentRequests/filterByCurrentUser(on='approver')${query({ $filter: exclude, $expand: EXPAND, $orderby: 'createdDateTime desc', $top: PAGE_SIZE, $count: true })}`,
    [exclude],
  );
  const paged = usePaged<AssignmentRequest>(path);
  const pending = new Set(pendingIds);
  if (paged.loading) return <Loading what="past approvals" />;
  return (
    <>
      <ErrorBanner error={paged.error} />
      {paged.items.length === 0 ? (
        <Empty>You have not decided any request yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="responsive">
            <caption className="visually-hidden">Past approvals</caption>
            <thead>
              <tr>
                <th scope="col">Access package</th>
                <th scope="col">Requestor</th>
                <th scope="col">Requested</th>
                <th scope="col">Request status</th>
                <th scope="col">Decisions</th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((r) => (
                <tr key={r.id}>
                  <td data-label="Package">{r.accessPackage?.displayName ?? '—'}</td>
                  <td data-label="Requestor">{r.requestor?.displayName ?? '—'}</td>
                  <td data-label="Requested">{formatDate(r.createdDateTime)}</td>
                  <td data-label="Status">
                    <StatusBadge status={statusText(r.status)} />
                    {pending.has(r.id) && (
                      <>
                        {' '}
                        <Link to="/myaccess/approvals">Waiting for you</Link>
                      </>
                    )}
                  </td>
                  <td data-label="Decisions">
                    <StagesList requestId={r.id} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager paged={paged} label="Past approvals" />
    </>
  );
}
