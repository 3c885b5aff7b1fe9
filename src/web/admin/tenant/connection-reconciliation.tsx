import { useEffect, useState } from 'react';
import { api, errorMessage } from '../../api/client';
import { ErrorBanner, Loading, Notice, StatusBadge, formatDate } from '../../components/ui';
import { useLoad } from '../../components/use-load';
import type { Connection } from './connection-kinds';

/** One reconciliation run (GET /latchkey/v1/connections/{id}/reconciliations). */
export interface ReconciliationRun {
  id: string;
  trigger: string;
  state: 'running' | 'succeeded' | 'failed' | string;
  startedDateTime: string;
  finishedDateTime: string | null;
  rolesChecked: number;
  holdersChecked: number;
  repaired: number;
  unmanaged: number;
  removed: number;
  error: string | null;
}

// the connections' base path (connection-list.tsx has the same; importing it back would make a cycle)
const CONNECTIONS = '/latchkey/v1/connections';

export const RUN_STATE: Record<string, string> = { running: 'Running', succeeded: 'Succeeded', failed: 'Failed' };
const TRIGGER: Record<string, string> = { schedule: 'Scheduled', demand: 'On demand' };

// a run is a job of the worker: while one is running the list is read again until it is over
const POLL_MS = 1000;

/**
 * A connection's reconciliation: starting a run now and the runs so far (what each found and repaired).
 * Reconciliation compares who holds the governed roles in the target with what Latchkey delivered.
 */
export function ConnectionReconciliation({ connection }: { connection: Connection }) {
  const url = `${CONNECTIONS}/${connection.id}/reconciliations`;
  const runs = useLoad(url, (signal) => api<{ value: ReconciliationRun[] }>(url, { signal }).then((r) => r.value));
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const running = runs.data?.some((r) => r.state === 'running') ?? false;
  const { reload } = runs;

  useEffect(() => {
    if (!running) return;
    const t = setTimeout(reload, POLL_MS);
    return () => clearTimeout(t);
  }, [running, runs.data, reload]);

  const start = async () => {
    setStarting(true);
    setError(null);
    setNotice(null);
    try {
      await api(`${CONNECTIONS}/${connection.id}/reconcile`, { method: 'POST' });
      setNotice(`Reconciliation of ${connection.displayName} started.`);
      reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setStarting(false);
    }
  };

  return (
    <div>
      <p className="muted">
        Reconciliation reads who holds each role of this connection that a catalog governs, grants again what Latchkey delivered but is missing, and lists
        holders Latchkey did not grant (removing them on exclusively governed resources).
      </p>
      <div className="toolbar">
        <button type="button" className="primary" onClick={() => void start()} disabled={starting || running}>
          {starting ? 'Starting…' : running ? 'Reconciling…' : 'Reconcile now'}
        </button>
      </div>
      <Notice>{notice}</Notice>
      <ErrorBanner error={error ?? runs.error} />
      {!runs.data ? (
        !runs.error && <Loading what="reconciliation runs" />
      ) : runs.data.length === 0 ? (
        <p className="muted">This connection has not been reconciled yet.</p>
      ) : (
        // eight columns scroll sideways in the dialog: the region takes focus so a keyboard can scroll it
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Runs">
          <table className="responsive lk-table" aria-label={`Reconciliation runs of ${connection.displayName}`}>
            <thead>
              <tr>
                <th scope="col">State</th>
                <th scope="col">When</th>
                <th scope="col">Roles</th>
                <th scope="col">Holders</th>
                <th scope="col">Repaired</th>
                <th scope="col">Unmanaged</th>
                <th scope="col">Removed</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.map((r) => (
                <tr key={r.id}>
                  <td data-label="State">
                    <StatusBadge status={RUN_STATE[r.state] ?? r.state} />
                  </td>
                  <td data-label="When">
                    <div>
                      {formatDate(r.startedDateTime)}
                      <div className="muted">{TRIGGER[r.trigger] ?? r.trigger}</div>
                    </div>
                  </td>
                  <td data-label="Roles">{r.rolesChecked}</td>
                  <td data-label="Holders">{r.holdersChecked}</td>
                  <td data-label="Repaired">{r.repaired}</td>
                  <td data-label="Unmanaged">{r.unmanaged}</td>
                  <td data-label="Removed">{r.removed}</td>
                  <td data-label="Error">{r.error ? <span className="wrap-anywhere">{r.error}</span> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
