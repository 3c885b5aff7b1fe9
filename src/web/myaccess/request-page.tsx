import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError, EM, errorMessage, getPage, odataString, query } from '../api/client';
import { Empty, ErrorBanner, Loading, PageHeader, StatusBadge, formatDate } from '../components/ui';
import { isCancellableRequest, openRequestFilter } from '../api/request-states';
import { statusText } from '../components/status-text';
import { endOf } from './format';
import { RequestForm } from './request-form';
import type { AccessPackage, Assignment, AssignmentRequest, Requirements } from './types';
import { useLoad } from '../components/use-load';

interface PackageView {
  pkg: AccessPackage;
  requirements: Requirements[];
  /** an open request of this person for the package, if any */
  open: AssignmentRequest | null;
  active: Assignment | null;
}

async function loadPackage(id: string, signal: AbortSignal): Promise<PackageView> {
  let pkg: AccessPackage;
  try {
    pkg = await api<AccessPackage>(`${EM}/accessPackages/${encodeURIComponent(id)}`, { signal });
  } catch (e) {
    // the API's wording names permissions; a requestor only needs to know the link leads nowhere for them
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) throw new Error('This access package does not exist, or the link is wrong.', { cause: e });
    if (e instanceof ApiError && e.status === 403) throw new Error('You cannot open this access package: its catalog is not available to you.', { cause: e });
    throw e;
  }
  const [req, open, active] = await Promise.all([
    api<{ value: Requirements[] }>(`${EM}/accessPackages/${pkg.id}/getApplicablePolicyRequirements`, { method: 'POST', signal }),
    getPage<AssignmentRequest>(
      `${EM}/assignmentRequests/filterByCurrentUser(on='target')${query({
        $filter: `accessPackage/id eq ${odataString(pkg.id)} and ${openRequestFilter()}`,
        $top: 1,
      })}`,
      signal,
    ),
    getPage<Assignment>(
      `${EM}/assignments/filterByCurrentUser(on='target')${query({ $filter: `accessPackage/id eq ${odataString(pkg.id)} and state ne 'expired'`, $top: 1 })}`,
      signal,
    ),
  ]);
  return { pkg, requirements: req.value, open: open.value[0] ?? null, active: active.value[0] ?? null };
}

/**
 * One package's request page, also reached by a direct link (the admin portal's "My Access link"), which
 * works for hidden packages too.
 */
export function RequestPage() {
  const { id = '' } = useParams();
  const view = useLoad(id, (signal) => loadPackage(id, signal));
  const [submitted, setSubmitted] = useState<AssignmentRequest | null>(null);

  useEffect(() => setSubmitted(null), [id]);

  if (view.loading && !view.data) return <Loading what="the access package" />;
  if (view.error || !view.data) {
    return (
      <section>
        <PageHeader title="Access package" />
        <ErrorBanner error={view.error} />
        <p>
          <Link to="/myaccess/packages">Back to access packages</Link>
        </p>
      </section>
    );
  }
  const { pkg, requirements, open, active } = view.data;
  return (
    <section>
      <p className="ma-back">
        <Link to="/myaccess/packages">← Access packages</Link>
      </p>
      <PageHeader title={pkg.displayName}>
        <p className="muted">{pkg.description || 'No description.'}</p>
      </PageHeader>
      {submitted ? (
        <Submitted request={submitted} />
      ) : active ? (
        <div className="panel" role="status">
          <p>
            You already have this access <StatusBadge status={active.state} />
            {endOf(active) ? ` until ${formatDate(endOf(active))}` : ''}.
          </p>
          <Link to="/myaccess/access">See my access</Link>
        </div>
      ) : open ? (
        <div className="panel" role="status">
          <p>
            You have already requested this package: <StatusBadge status={statusText(open.status)} /> since {formatDate(open.createdDateTime)}.
          </p>
          <Link to="/myaccess/requests">See your request history</Link>
          {isCancellableRequest(open.state) ? ' (you can cancel it there)' : ''}
        </div>
      ) : requirements.length === 0 ? (
        <Empty>You cannot request this access package: none of its policies lets you request it. Ask the person who shared it with you.</Empty>
      ) : (
        <RequestForm pkg={pkg} requirements={requirements} onSubmitted={setSubmitted} />
      )}
    </section>
  );
}

/** The created request, followed for a few seconds while it moves past submitted/delivering. */
function Submitted({ request }: { request: AssignmentRequest }) {
  const [r, setR] = useState(request);
  const [error, setError] = useState<string | null>(null);
  // at most 10 looks, a second apart: delivery that takes longer shows in the request history
  const tries = useRef(0);
  useEffect(() => {
    let stop = false;
    const tick = async () => {
      if (stop || tries.current++ >= 10 || !['submitted', 'delivering'].includes(r.state)) return;
      try {
        const next = await api<AssignmentRequest>(`${EM}/assignmentRequests/${request.id}`);
        if (!stop) setR(next);
      } catch (e) {
        if (!stop && !(e instanceof ApiError && e.status === 404)) setError(errorMessage(e));
      }
    };
    const t = setTimeout(tick, 1000);
    return () => {
      stop = true;
      clearTimeout(t);
    };
  }, [r, request.id]);
  return (
    <div className="notice ma-submitted" role="status">
      <p>
        Your request was submitted. Status: <strong>{statusText(r.status)}</strong>.
      </p>
      {r.state === 'pendingApproval' && <p>An approver has been asked to decide. You will get an email with the decision.</p>}
      {r.state === 'delivered' && <p>Your access is ready.</p>}
      <ErrorBanner error={error} />
      <p>
        <Link to="/myaccess/requests">Request history</Link> · <Link to="/myaccess/access">My assignments</Link>
      </p>
    </div>
  );
}
