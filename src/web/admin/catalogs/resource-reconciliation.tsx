import { useId, useState } from 'react';
import { api, errorMessage } from '../../api/client';
import { ErrorBanner, Loading, Notice, StatusBadge, formatDate } from '../../components/ui';
import { useLoad } from '../../components/use-load';
import { RUN_STATE, type ReconciliationRun } from '../tenant/connection-reconciliation';
import type { Resource } from './types';

/** GET /latchkey/v1/resources/{id}/reconciliation */
interface ResourceReconciliationView {
  lastRun: ReconciliationRun | null;
  exclusive: boolean;
  unmanaged: {
    roleId: string;
    roleName: string;
    accountId: string;
    display: string;
    firstSeenDateTime: string;
    lastSeenDateTime: string;
    removedDateTime: string | null;
  }[];
}

/**
 * What reconciliation found on a connected resource of the catalog: its connection's last run, the
 * holders of its roles Latchkey did not grant, and whether the catalog governs it exclusively (then
 * reconciliation removes those holders). Turning that on is asked for first: it takes access away from
 * people in the target system.
 */
export function ResourceReconciliation({ resource, canWrite }: { resource: Resource; canWrite: boolean }) {
  const url = `/latchkey/v1/resources/${encodeURIComponent(resource.id)}`;
  const view = useLoad(url, (signal) => api<ResourceReconciliationView>(`${url}/reconciliation`, { signal }));
  const [confirming, setConfirming] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // the answer of the PATCH, shown at once: the view read again after it would flip the switch back meanwhile
  const [saved, setSaved] = useState<boolean | null>(null);
  const explainId = useId();

  const setExclusive = async (exclusive: boolean) => {
    setSaving(true);
    setError(null);
    setNotice(null);
    try {
      const r = await api<{ exclusive: boolean }>(url, { method: 'PATCH', body: { exclusive } });
      setSaved(r.exclusive);
      setConfirming(false);
      setNotice(exclusive ? `${resource.displayName} is now exclusively governed.` : `${resource.displayName} is no longer exclusively governed.`);
      view.reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  if (!view.data) return view.error ? <ErrorBanner error={view.error} /> : <Loading what="reconciliation" />;
  const { lastRun, unmanaged } = view.data;
  const exclusive = saved ?? view.data.exclusive;
  const present = unmanaged.filter((u) => !u.removedDateTime);
  const removed = unmanaged.filter((u) => u.removedDateTime);

  return (
    <div className="resource-reconciliation">
      <h3>Last reconciliation</h3>
      {lastRun ? (
        <p>
          <StatusBadge status={RUN_STATE[lastRun.state] ?? lastRun.state} /> {formatDate(lastRun.startedDateTime)}: {lastRun.holdersChecked} holders checked,{' '}
          {lastRun.repaired} repaired, {lastRun.unmanaged} unmanaged, {lastRun.removed} removed.
          {lastRun.error && <span className="field-error"> {lastRun.error}</span>}
        </p>
      ) : (
        <p className="muted">Its connection has not been reconciled yet.</p>
      )}

      <h3>Exclusive governance</h3>
      <div className="field">
        <label className="switch">
          <input
            type="checkbox"
            role="switch"
            checked={exclusive || confirming}
            disabled={!canWrite || saving}
            aria-describedby={explainId}
            onChange={(e) => (e.target.checked ? setConfirming(true) : confirming ? setConfirming(false) : void setExclusive(false))}
          />{' '}
          Exclusively governed
        </label>
        <p id={explainId} className="muted">
          When on, holders of this resource’s roles that Latchkey did not grant are removed from {resource.environment?.displayName ?? 'the target system'} at
          the next reconciliation. When off, they are only listed below.
          {!canWrite && ' Only the catalog’s owners can change this.'}
        </p>
      </div>
      {confirming && (
        <div className="confirm-box" role="group" aria-label="Confirm exclusive governance">
          <p>
            Turn on exclusive governance of <strong>{resource.displayName}</strong>? The next reconciliation removes{' '}
            {present.length === 1 ? 'the 1 unmanaged holder' : `the ${present.length} unmanaged holders`} listed here, and anyone added later outside Latchkey.
          </p>
          <div className="dialog-actions">
            <button type="button" onClick={() => setConfirming(false)} disabled={saving}>
              Cancel
            </button>
            <button type="button" className="danger" onClick={() => void setExclusive(true)} disabled={saving}>
              {saving ? 'Saving…' : 'Turn on'}
            </button>
          </div>
        </div>
      )}
      <Notice>{notice}</Notice>
      <ErrorBanner error={error} />

      <h3>Unmanaged holders</h3>
      {present.length === 0 ? (
        <p className="muted">None: every holder the last reconciliation read was granted by Latchkey.</p>
      ) : (
        <ul aria-label={`Unmanaged holders of ${resource.displayName}`}>
          {present.map((u) => (
            <li key={`${u.roleId}:${u.accountId}`}>
              <strong className="wrap-anywhere">{u.display}</strong> holds <strong>{u.roleName}</strong>
              <div className="muted small">
                First seen {formatDate(u.firstSeenDateTime)}, last seen {formatDate(u.lastSeenDateTime)}.
              </div>
            </li>
          ))}
        </ul>
      )}
      {removed.length > 0 && (
        <>
          <h3>Removed by reconciliation</h3>
          <ul aria-label={`Holders removed from ${resource.displayName}`}>
            {removed.map((u) => (
              <li key={`${u.roleId}:${u.accountId}`}>
                <span className="wrap-anywhere">{u.display}</span> ({u.roleName}), removed {formatDate(u.removedDateTime)}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
