import { api } from '../../api/client';
import { ErrorBanner, formatDate, Loading, StatusBadge } from '../../components/ui';
import { useLoad } from '../../components/use-load';

/** One resource role of an assignment and its delivery (GET /latchkey/v1/assignments/{id}/resourceRoles). */
export interface RoleDelivery {
  id: string;
  resourceRole: { id: string; displayName: string };
  resource: { id: string; displayName: string; originSystem: string };
  state: 'pending' | 'delivered' | 'failed' | 'revoking' | 'revoked' | string;
  attempts: number;
  lastError: string | null;
  willRetryAt: string | null;
  deliveredDateTime: string | null;
  revokedDateTime: string | null;
}

const STATE_TEXT: Record<string, string> = {
  pending: 'Delivering', delivered: 'Delivered', failed: 'Delivery failed', revoking: 'Removing', revoked: 'Removed',
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
          <div className="muted small">
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
