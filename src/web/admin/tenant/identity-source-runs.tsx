import { useEffect } from 'react';
import { api } from '../../api/client';
import { ErrorBanner, Loading, StatusBadge, formatDate } from '../../components/ui';
import { useLoad } from '../../components/use-load';
import { RUN_STATE } from './connection-reconciliation';

/** One run of a directory sync (GET /latchkey/v1/identitySources/{id}/runs). */
export interface SyncRun {
  id: string;
  mode: string;
  dryRun: boolean;
  trigger: string;
  state: string;
  startedDateTime: string;
  finishedDateTime: string | null;
  entriesRead: number;
  entriesWritten: number;
  usersCreated: number;
  usersUpdated: number;
  usersDisabled: number;
  groupsCreated: number;
  groupsUpdated: number;
  groupsDeleted: number;
  membersAdded: number;
  membersRemoved: number;
  errors: string[];
  sample: { action: string; target: string; detail?: string }[];
  error: string | null;
}

export const IDENTITY_SOURCES = '/latchkey/v1/identitySources';
const MODE: Record<string, string> = { full: 'Full', incremental: 'Incremental', compare: 'Compare' };
// a run is a job of the worker: while one is running the list is read again until it is over
const POLL_MS = 1000;

/** A source's runs, newest first: counts, progress while running, errors, and a dry run's sample of changes. */
export function IdentitySourceRuns({ sourceId, name, refresh, onRunning }: { sourceId: string; name: string; refresh: number; onRunning: (running: boolean) => void }) {
  const url = `${IDENTITY_SOURCES}/${sourceId}/runs`;
  const runs = useLoad(`${url}#${refresh}`, (signal) => api<{ value: SyncRun[] }>(url, { signal }).then((r) => r.value));
  const running = runs.data?.some((r) => r.state === 'running') ?? false;
  const { reload } = runs;
  useEffect(() => onRunning(running), [running, onRunning]);
  useEffect(() => {
    if (!running) return;
    const t = setTimeout(reload, POLL_MS);
    return () => clearTimeout(t);
  }, [running, runs.data, reload]);

  if (!runs.data) return runs.error ? <ErrorBanner error={runs.error} /> : <Loading what="runs" />;
  if (runs.data.length === 0) return <p className="muted">{name} has not been synced yet. A dry run shows what the first sync would change.</p>;
  const last = runs.data[0];
  return (
    <div>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Runs">
        <table className="responsive lk-table" aria-label={`Sync runs of ${name}`}>
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">When</th>
              <th scope="col">Read / written</th>
              <th scope="col">Users</th>
              <th scope="col">Groups</th>
              <th scope="col">Members</th>
              <th scope="col">Errors</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.map((r) => (
              <tr key={r.id}>
                <td data-label="State">
                  <div>
                    <StatusBadge status={RUN_STATE[r.state] ?? r.state} />
                    <div className="muted">{`${MODE[r.mode] ?? r.mode}${r.dryRun ? ' (dry run)' : ''}`}</div>
                  </div>
                </td>
                <td data-label="When">
                  <div>
                    {formatDate(r.startedDateTime)}
                    <div className="muted">{r.trigger === 'schedule' ? 'Scheduled' : 'On demand'}</div>
                  </div>
                </td>
                <td data-label="Read / written">{`${r.entriesRead} / ${r.entriesWritten}`}</td>
                <td data-label="Users">{`${r.usersCreated} created, ${r.usersUpdated} updated, ${r.usersDisabled} disabled`}</td>
                <td data-label="Groups">{`${r.groupsCreated} created, ${r.groupsUpdated} updated, ${r.groupsDeleted} deleted`}</td>
                <td data-label="Members">{`+${r.membersAdded} −${r.membersRemoved}`}</td>
                <td data-label="Errors">{r.error ? <span className="wrap-anywhere">{r.error}</span> : r.errors.length ? <span className="wrap-anywhere">{r.errors.join(' ')}</span> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {last.dryRun && last.sample.length > 0 && (
        <div>
          <h3>What the dry run would change</h3>
          <ul aria-label="Changes of the dry run">
            {last.sample.map((c, i) => (
              <li key={i}>{`${c.action}: ${c.target}${c.detail ? ` (${c.detail})` : ''}`}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
