import { useState } from 'react';
import { Link } from 'react-router';
import { api, EM, query } from '../api/client';
import { ConfirmDialog } from '../components/dialogs';
import { Pager, usePaged } from '../components/paged';
import { Empty, ErrorBanner, Loading, Modal, Notice, PageHeader, StatusBadge, formatDate } from '../components/ui';
import { isCancellableRequest } from '../api/request-states';
import { statusText } from '../components/status-text';
import { requestTypeText } from './format';
import { RequestDetails } from './request-details';
import type { AssignmentRequest } from './types';

const PATH = `${EM}/assignmentRequests/filterByCurrentUser(on='target')${query({ $expand: 'accessPackage', $orderby: 'createdDateTime desc', $top: 20, $count: true })}`;

/** The person's requests, newest first, with details and Cancel for the ones not started yet. */
export function HistoryPage() {
  const paged = usePaged<AssignmentRequest>(PATH);
  const [shown, setShown] = useState<AssignmentRequest | null>(null);
  const [cancelling, setCancelling] = useState<AssignmentRequest | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <section>
      <PageHeader title="Request history">
        <p className="muted">Your requests and what became of them.</p>
      </PageHeader>
      <Notice>{notice}</Notice>
      <ErrorBanner error={paged.error} />
      {paged.loading ? (
        <Loading what="your requests" />
      ) : paged.items.length === 0 ? (
        <Empty>You have not requested anything yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="responsive">
            <caption className="visually-hidden">Your requests</caption>
            <thead>
              <tr>
                <th scope="col">Access package</th>
                <th scope="col">Request</th>
                <th scope="col">Requested</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((r) => (
                <tr key={r.id}>
                  <td data-label="Package">{r.accessPackage?.displayName ?? '—'}</td>
                  <td data-label="Request">{requestTypeText(r.requestType)}</td>
                  <td data-label="Requested">{formatDate(r.createdDateTime)}</td>
                  <td data-label="Status">
                    <StatusBadge status={statusText(r.status)} />
                  </td>
                  <td data-label="Actions">
                    <div className="ma-row-actions">
                      <button type="button" onClick={() => setShown(r)} aria-label={`Details of the request for ${r.accessPackage?.displayName ?? 'a package'}`}>
                        Details
                      </button>
                      {r.requestType === 'userAdd' && ['denied', 'canceled'].includes(r.state) && r.accessPackage && (
                        <Link className="button" to={`/myaccess/packages/${r.accessPackage.id}`} aria-label={`Request ${r.accessPackage.displayName} again`}>
                          Request again
                        </Link>
                      )}
                      {isCancellableRequest(r.state) && (
                        <button type="button" className="danger" onClick={() => setCancelling(r)} aria-label={`Cancel the request for ${r.accessPackage?.displayName ?? 'a package'}`}>
                          Cancel
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager paged={paged} label="Requests" />
      <Modal title="Request details" open={!!shown} onClose={() => setShown(null)}>
        {shown && <RequestDetails request={shown} />}
        <div className="dialog-actions">
          <button type="button" onClick={() => setShown(null)}>
            Close
          </button>
        </div>
      </Modal>
      <CancelDialog
        request={cancelling}
        onClose={() => setCancelling(null)}
        onCancelled={(r) => {
          setCancelling(null);
          setNotice(`Your request for ${r.accessPackage?.displayName ?? 'the package'} was canceled.`);
          paged.reload();
        }}
      />
    </section>
  );
}

function CancelDialog({ request, onClose, onCancelled }: { request: AssignmentRequest | null; onClose: () => void; onCancelled: (r: AssignmentRequest) => void }) {
  return (
    <ConfirmDialog
      title="Cancel request"
      open={!!request}
      onClose={onClose}
      confirmText="Cancel request"
      busyText="Canceling…"
      cancelText="Keep request"
      onConfirm={async () => {
        if (!request) return;
        await api(`${EM}/assignmentRequests/${request.id}/cancel`, { method: 'POST' });
        onCancelled(request);
      }}
    >
      <p>
        Cancel your request for <strong>{request?.accessPackage?.displayName}</strong>? Approvers will no longer be asked, and you can request again later.
      </p>
    </ConfirmDialog>
  );
}
