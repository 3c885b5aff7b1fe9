import { api } from '../../api/client';
import { ErrorBanner, formatDate, Loading, StatusBadge } from '../../components/ui';
import { useLoad } from '../../components/use-load';

/** One resource role of an assignment and its delivery (GET /latchkey/v1/assignments/{id}/resourceRoles). */
export interface RoleDelivery {
  id: string;
  resourceRole: { id: string; displayName: string };
  /** connectionId: the connected system the resource is in (null: the directory) */
  resource: { id: string; displayName: string; originSystem: string; connectionId?: string | null };
  /** awaitingConfirmation: a webhook receiver accepted the delivery for later and has not confirmed it */
  state: 'pending' | 'delivered' | 'failed' | 'revoking' | 'revoked' | 'awaitingConfirmation' | string;
  attempts: number;
  lastError: string | null;
  willRetryAt: string | null;
  /** until when the receiver may confirm (then the delivery counts as failed) */
  confirmationDueDateTime?: string | null;
  /** the person's account in the connected system */
  account?: { id: string; display: string } | null;
  deliveredDateTime: string | null;
  revokedDateTime: string | null;
}

const STATE_TEXT: Record<string, string> = {
  pending: 'Delivering', delivered: 'Delivered', failed: 'Delivery failed', revoking: 'Removing', revoked: 'Removed', awaitingConfirmation: 'Awaiting confirmation',
};

/**
 * Each resource role of an assignment with its delivery state and last error: a role added to the package
 * shows here for existing assignees as it is delivered to them, and a refusal shows with the system's words.
 */
export function AssignmentRoles({ assignmentId, reloadKey }: { assignmentId: string; reloadKey: string }) {
  const roles = useLoad(`${assignmentId}:${reloadKey}`, (signal) =>
    api<{ value: RoleDelivery[] }>(`/latchkey/v1/assignments/${encodeURIComponent(assignmentId)}/resourceRoles`, { signal }).then((r) => r.value));
  if (roles.error) return <ErrorBanner error={roles.error} />;
  if (!roles.data) return <Loading what="resource roles" />;
  if (roles.data.length === 0) return <p className="muted">No resource roles.</p>;
  return (
    <ul className="role-deliveries" aria-label="Resource roles of this assignment">
      {roles.data.map((g) => (
        <li key={g.id}>
          <strong>{g.resourceRole.displayName}</strong> of <strong>{g.resource.displayName}</strong>{' '}
          <StatusBadge status={STATE_TEXT[g.state] ?? g.state} />
          {g.account && (
            <div className="small">
              Account: <span className="wrap-anywhere">{g.account.display}</span>
            </div>
          )}
          <div className="muted small">
            {g.state === 'awaitingConfirmation' && `The receiver accepted it and has not confirmed it yet${g.confirmationDueDateTime ? ` (due ${formatDate(g.confirmationDueDateTime)})` : ''}.`}
            {g.state === 'delivered' && g.deliveredDateTime && `Delivered ${formatDate(g.deliveredDateTime)}.`}
            {g.state === 'revoked' && g.revokedDateTime && `Removed ${formatDate(g.revokedDateTime)}.`}
            {g.attempts > 1 && ` ${g.attempts} attempts.`}
            {g.willRetryAt && ` Next attempt ${formatDate(g.willRetryAt)}.`}
          </div>
          {g.lastError && g.state !== 'delivered' && g.state !== 'revoked' && <div className="field-error">Last error: {g.lastError}</div>}
        </li>
      ))}
    </ul>
  );
}
