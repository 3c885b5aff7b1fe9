import { useEffect, useRef } from 'react';
import { EM, query } from '../../api/client';
import { PagedContent, Pager, usePaged } from '../../components/paged';
import { ErrorBanner, formatDate, StatusBadge } from '../../components/ui';
import { REQUEST_TYPE_TEXT, scheduledFilter } from './assignment-filters';
import type { AssignmentRequest } from './types';

/**
 * Assignments that start later: until its start a direct assignment (or an approved request with a start
 * date) is a scheduled request with no assignment yet, so it is listed from the requests, as Scheduled.
 * `alone`: the status filter chose Scheduled (the empty state is shown); otherwise shown only when there are some.
 */
export function ScheduledAssignments({ packageId, alone, reloadKey }: { packageId: string; alone: boolean; reloadKey?: unknown }) {
  const path = `${EM}/assignmentRequests${query({ $filter: scheduledFilter(packageId), $expand: 'target', $orderby: 'createdDateTime', $top: 20, $count: true })}`;
  const paged = usePaged<AssignmentRequest>(path);
  const { reload } = paged;
  // a new assignment (the tab's notice changes) may be a scheduled one
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else reload();
  }, [reloadKey, reload]);
  if (!alone && paged.items.length === 0) return <ErrorBanner error={paged.error} />;
  const table = (
    <div className="table-wrap">
      <table className="responsive">
        <caption className="visually-hidden">Scheduled assignments{paged.count !== undefined ? `, ${paged.count} in all` : ''}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Starts</th>
            <th scope="col">Ends</th>
          </tr>
        </thead>
        <tbody>
          {paged.items.map((r) => (
            <tr key={r.id}>
              <td data-label="Name" className="wrap">{r.target?.displayName ?? '(unknown)'}</td>
              <td data-label="Email">{r.target?.email ?? '—'}</td>
              <td data-label="Type">{REQUEST_TYPE_TEXT[r.requestType] ?? r.requestType}</td>
              <td data-label="Status"><StatusBadge status="Scheduled" /></td>
              <td data-label="Starts">{formatDate(r.schedule.startDateTime)}</td>
              <td data-label="Ends">{r.schedule.expiration.endDateTime ? formatDate(r.schedule.expiration.endDateTime) : 'Never'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  return (
    <section aria-labelledby="scheduled-assignments" className="scheduled-assignments">
      <h3 id="scheduled-assignments">Scheduled</h3>
      <ErrorBanner error={paged.error} />
      {alone ? <PagedContent paged={paged} what="scheduled assignments" empty="No assignments are scheduled to start later.">{table}</PagedContent> : table}
      <Pager paged={paged} label="Scheduled assignments" />
    </section>
  );
}
