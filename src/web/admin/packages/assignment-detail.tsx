import { EM, getPage, odataString, query } from '../../api/client';
import { ErrorBanner, formatDate, StatusBadge } from '../../components/ui';
import { useLoad } from '../../components/use-load';
import { statusText } from '../../components/status-text';
import { REQUEST_TYPE_TEXT } from './assignment-filters';
import { AssignmentRoles } from './assignment-roles';
import { FulfillmentErrors } from './fulfillment-errors';
import type { Assignment, AssignmentRequest } from './types';

/** The detail pane of an assignment: who, under which policy, when, its status, and the fulfilment errors of its latest request. */
export function AssignmentDetail({ assignment: a, onClose, onRemove }: { assignment: Assignment; onClose: () => void; onRemove?: () => void }) {
  // a new status (after a removal, a delivery) may come from a newer request: look again
  const latest = useLoad(`${a.id}:${a.status}`, async (signal) => {
    const page = await getPage<AssignmentRequest>(
      `${EM}/assignmentRequests${query({ $filter: `assignment/id eq ${odataString(a.id)}`, $orderby: 'createdDateTime desc', $top: 1 })}`,
      signal,
    );
    return page.value[0] ?? null;
  });
  const request = latest.data;

  return (
    <aside className="panel detail" aria-label="Assignment details">
      <div className="detail-head">
        <h2 className="panel-title">{a.target?.displayName ?? 'Assignment'}</h2>
        <button type="button" className="icon" aria-label="Close details" onClick={onClose}>×</button>
      </div>
      <dl className="props">
        <dt>Target</dt>
        <dd>{a.target?.displayName ?? '—'}{a.target?.principalName ? ` (${a.target.principalName})` : ''}</dd>
        <dt>Email</dt>
        <dd>{a.target?.email ?? '—'}</dd>
        <dt>Policy</dt>
        <dd>{a.assignmentPolicy?.displayName ?? '—'}</dd>
        <dt>Status</dt>
        <dd><StatusBadge status={statusText(a.status)} /></dd>
        <dt>Starts</dt>
        <dd>{formatDate(a.schedule.startDateTime)}</dd>
        {/* an ended assignment's schedule ends when access actually ended (removed, given up, expired) */}
        <dt>{a.state === 'expired' ? 'Ended' : 'Ends'}</dt>
        <dd>{a.schedule.expiration.endDateTime ? formatDate(a.schedule.expiration.endDateTime) : 'Never'}</dd>
        {a.expiredDateTime && (
          <>
            <dt>Expired</dt>
            <dd>{formatDate(a.expiredDateTime)}</dd>
          </>
        )}
        <dt>Assignment ID</dt>
        <dd><code>{a.id}</code></dd>
      </dl>
      <h3>Resource roles</h3>
      <AssignmentRoles assignmentId={a.id} reloadKey={a.status} />
      <ErrorBanner error={latest.error} />
      {request && (
        <>
          <h3>Latest request</h3>
          <dl className="props">
            <dt>Type</dt>
            <dd>{REQUEST_TYPE_TEXT[request.requestType] ?? request.requestType}</dd>
            <dt>Status</dt>
            <dd><StatusBadge status={statusText(request.status)} /></dd>
            <dt>Submitted</dt>
            <dd>{formatDate(request.createdDateTime)}</dd>
            <dt>Justification</dt>
            <dd>{request.justification || '—'}</dd>
          </dl>
          <FulfillmentErrors request={request} />
        </>
      )}
      {onRemove && (
        <div className="toolbar">
          <button type="button" className="danger" onClick={onRemove}>Remove assignment</button>
        </div>
      )}
    </aside>
  );
}
