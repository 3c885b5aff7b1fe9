import { useState } from 'react';
import { Link } from 'react-router';
import { EM, getAll, query } from '../api/client';
import { Pager, usePaged } from '../components/paged';
import { ActionButton, Empty, ErrorBanner, Loading, Notice, PageHeader, StatusBadge, formatDate } from '../components/ui';
import { ExtendDialog, RemoveDialog } from './access-dialogs';
import { statusText } from '../components/status-text';
import { daysLeft, endOf, EXTEND_WINDOW_DAYS, extendBlockedReason } from './format';
import type { Assignment, AssignmentRequest } from './types';
import { useLoad } from '../components/use-load';

type View = 'active' | 'expired';

const pathOf = (view: View) =>
  `${EM}/assignments/filterByCurrentUser(on='target')${query({
    $filter: view === 'active' ? "state ne 'expired'" : "state eq 'expired'",
    $expand: 'accessPackage,assignmentPolicy',
    $orderby: view === 'active' ? 'schedule/startDateTime desc' : 'expiredDateTime desc',
    $top: 20,
    $count: true,
  })}`;

/** Extensions waiting for approval, by assignment id: Extend is not offered twice. */
async function pendingExtensions(signal: AbortSignal): Promise<Set<string>> {
  const open = await getAll<AssignmentRequest & { assignment?: { id: string } | null }>(
    `${EM}/assignmentRequests/filterByCurrentUser(on='target')${query({
      $filter: "requestType eq 'userUpdate' and (state eq 'submitted' or state eq 'pendingApproval')",
      $expand: 'assignment',
      $top: 100,
    })}`,
    signal,
  );
  return new Set(open.map((r) => r.assignment?.id).filter((x): x is string => !!x));
}

/** The person's access: active and expired assignments, with Extend near the end and Remove. */
export function MyAccessPage() {
  const [view, setView] = useState<View>('active');
  const paged = usePaged<Assignment>(pathOf(view));
  const pending = useLoad('pending', pendingExtensions);
  const [extending, setExtending] = useState<Assignment | null>(null);
  const [removing, setRemoving] = useState<Assignment | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const done = (message: string) => {
    setExtending(null);
    setRemoving(null);
    setNotice(message);
    paged.reload();
    pending.reload();
  };

  return (
    <section>
      <PageHeader title="My assignments">
        <p className="muted">
          The access packages you have. You can extend access in its last {EXTEND_WINDOW_DAYS} days (the last half of a shorter access) when its policy allows it.
        </p>
      </PageHeader>
      <div className="ma-switch" role="group" aria-label="Show">
        <button type="button" aria-pressed={view === 'active'} onClick={() => setView('active')}>
          Active
        </button>
        <button type="button" aria-pressed={view === 'expired'} onClick={() => setView('expired')}>
          Expired
        </button>
      </div>
      <Notice>{notice}</Notice>
      <ErrorBanner error={paged.error ?? pending.error} />
      {paged.loading ? (
        <Loading what="your access" />
      ) : paged.items.length === 0 ? (
        <Empty>
          {view === 'active' ? (
            <>
              You have no active access. <Link to="/myaccess/packages">Request an access package</Link>.
            </>
          ) : (
            'You have no expired access.'
          )}
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="responsive">
            <caption className="visually-hidden">{view === 'active' ? 'Active access' : 'Expired access'}</caption>
            <thead>
              <tr>
                <th scope="col">Access package</th>
                <th scope="col">Status</th>
                <th scope="col">Since</th>
                <th scope="col">{view === 'active' ? 'Ends' : 'Ended'}</th>
                {view === 'active' && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {paged.items.map((a) => (
                <AccessRow key={a.id} a={a} view={view} extensionPending={!!pending.data?.has(a.id)} onExtend={setExtending} onRemove={setRemoving} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager paged={paged} label="Access" />
      <ExtendDialog assignment={extending} onClose={() => setExtending(null)} onDone={done} />
      <RemoveDialog assignment={removing} onClose={() => setRemoving(null)} onDone={done} />
    </section>
  );
}

function AccessRow({
  a,
  view,
  extensionPending,
  onExtend,
  onRemove,
}: {
  a: Assignment;
  view: View;
  extensionPending: boolean;
  onExtend: (a: Assignment) => void;
  onRemove: (a: Assignment) => void;
}) {
  const end = endOf(a);
  const left = end ? daysLeft(end) : null;
  const name = a.accessPackage?.displayName ?? 'access package';
  const extendWhy = extensionPending ? 'An extension of this access is waiting for approval.' : extendBlockedReason(a);
  const removeWhy = a.assignmentPolicy?.requestorSettings.enableTargetsToSelfRemoveAccess ? null : 'The policy of this access does not let you remove it yourself; ask an administrator.';
  return (
    <tr>
      <td data-label="Package">{name}</td>
      <td data-label="Status">
        <StatusBadge status={statusText(a.state)} />
      </td>
      <td data-label="Since">{formatDate(a.schedule?.startDateTime)}</td>
      <td data-label={view === 'active' ? 'Ends' : 'Ended'}>
        {view === 'expired' ? (
          // the schedule of ended access ends when it actually ended
          formatDate(end ?? a.expiredDateTime)
        ) : end ? (
          <span>
            {formatDate(end)}
            {left !== null && left <= EXTEND_WINDOW_DAYS && <span className="ma-soon"> · ends in {left <= 1 ? 'less than a day' : `${left} days`}</span>}
          </span>
        ) : (
          'Never'
        )}
      </td>
      {view === 'active' && (
        <td data-label="Actions">
          <div className="ma-row-actions">
            <ActionButton disabledReason={extendWhy} onClick={() => onExtend(a)} aria-label={`Extend ${name}`}>
              Extend
            </ActionButton>
            <ActionButton className="danger" disabledReason={removeWhy} onClick={() => onRemove(a)} aria-label={`Remove my access to ${name}`}>
              Remove
            </ActionButton>
            {extendWhy && (
              // the button's description already carries the reason for screen readers
              <small className="ma-why" aria-hidden="true">
                {extendWhy}
              </small>
            )}
          </div>
        </td>
      )}
    </tr>
  );
}
