import { useCallback, useState } from 'react';
import { api, errorMessage } from '../../api/client';
import { ConfirmDialog } from '../../components/dialogs';
import { Empty, ErrorBanner, Loading, Modal, Notice, PageHeader, formatDate } from '../../components/ui';
import { useLoad } from '../../components/use-load';
import type { Connection } from './connection-kinds';
import { IdentitySourceForm, type LdapSourceInput } from './identity-source-form';
import { IDENTITY_SOURCES, IdentitySourceRuns, type SyncRun } from './identity-source-runs';

interface IdentitySource {
  id: string;
  kind: 'ldap' | 'scim' | string;
  displayName: string;
  description: string | null;
  connectionId: string | null;
  settings: Record<string, unknown>;
  nextSyncDateTime: string | null;
  userCount: number;
  groupCount: number;
  lastRun: SyncRun | null;
  provisioningTokens: { id: string; name: string; createdDateTime: string; lastUsedDateTime: string | null; revokedDateTime: string | null }[];
}

/** A SCIM source's tokens in a line: their names, and when each was last used or revoked. */
function tokenSummary(s: IdentitySource): string {
  if (s.provisioningTokens.length === 0) return 'No provisioning token: make one with latchkey token create --scim';
  return s.provisioningTokens
    .map((t) => `${t.name} (${t.revokedDateTime ? 'revoked' : t.lastUsedDateTime ? `last used ${formatDate(t.lastUsedDateTime)}` : 'never used'})`)
    .join(', ');
}

const CONNECTIONS = '/latchkey/v1/connections';

// Where people and groups come from: LDAP directories synced through a connection, and identity providers
// pushing SCIM. For an LDAP source: sync now, a dry run first, and its runs with counts, errors and progress.
export function IdentitySourceList() {
  const list = useLoad(IDENTITY_SOURCES, (signal) => api<{ value: IdentitySource[] }>(IDENTITY_SOURCES, { signal }));
  const connections = useLoad(CONNECTIONS, (signal) => api<{ value: Connection[] }>(CONNECTIONS, { signal }));
  const [creating, setCreating] = useState(false);
  const [viewing, setViewing] = useState<IdentitySource | null>(null);
  const [deleting, setDeleting] = useState<IdentitySource | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);
  const [running, setRunning] = useState(false);
  const items = list.data?.value ?? [];
  const onRunning = useCallback((r: boolean) => setRunning(r), []);
  // the list's counts and last run are read again once the runs dialog closes
  const closeRuns = () => {
    setViewing(null);
    list.reload();
  };

  const create = async (input: LdapSourceInput) => {
    const created = await api<IdentitySource>(IDENTITY_SOURCES, { method: 'POST', body: input });
    setCreating(false);
    setNotice(`${created.displayName} was added. Run a dry run to see what a sync would change.`);
    list.reload();
    setViewing(created);
  };
  // incremental: the server runs a full sync instead when the source has never had one
  const sync = async (s: IdentitySource, mode: 'incremental' | 'full', dryRun: boolean) => {
    setError(null);
    setNotice(null);
    try {
      await api(`${IDENTITY_SOURCES}/${s.id}/sync`, { method: 'POST', body: { mode, dryRun } });
      setRefresh((n) => n + 1);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const remove = async () => {
    if (!deleting) return;
    await api(`${IDENTITY_SOURCES}/${deleting.id}`, { method: 'DELETE' });
    setNotice(`${deleting.displayName} was deleted; its people and groups stay in Latchkey.`);
    setDeleting(null);
    list.reload();
  };
  const connectionName = (id: string | null) => connections.data?.value.find((c) => c.id === id)?.displayName ?? '—';

  return (
    <section>
      <PageHeader
        title="Identity sources"
        actions={
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Add LDAP source
          </button>
        }
      >
        <p className="muted">Where people and groups come from: LDAP directories Latchkey syncs from, and identity providers that provision through SCIM.</p>
      </PageHeader>
      <Notice>{notice}</Notice>
      <ErrorBanner error={list.error} />
      {list.loading && !list.data ? (
        <Loading what="identity sources" />
      ) : items.length === 0 ? (
        !list.error && <Empty>There are no identity sources yet. Add an LDAP source to take people and groups from your directory.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="responsive lk-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">People / groups</th>
                <th scope="col">Last run</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.id}>
                  <td data-label="Name">
                    <div>
                      <strong>{s.displayName}</strong>
                      {s.kind === 'ldap' && <div className="muted">{`Through ${connectionName(s.connectionId)}`}</div>}
                      {s.kind === 'scim' && <div className="muted">{`Tokens: ${tokenSummary(s)}`}</div>}
                    </div>
                  </td>
                  <td data-label="Kind">{s.kind === 'ldap' ? 'LDAP directory' : 'SCIM provisioning'}</td>
                  <td data-label="People / groups">{`${s.userCount} / ${s.groupCount}`}</td>
                  <td data-label="Last run">
                    {s.lastRun ? (
                      <div>
                        {`${s.lastRun.state}${s.lastRun.dryRun ? ' (dry run)' : ''}`}
                        <div className="muted">{formatDate(s.lastRun.startedDateTime)}</div>
                      </div>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td data-label="Actions">
                    <div className="row-actions">
                      {s.kind === 'ldap' && (
                        <button type="button" onClick={() => setViewing(s)} aria-label={`Runs of ${s.displayName}`}>
                          Runs
                        </button>
                      )}
                      <button type="button" className="danger" onClick={() => setDeleting(s)} aria-label={`Delete ${s.displayName}`}>
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Modal title="Add LDAP source" open={creating} onClose={() => setCreating(false)}>
        {connections.data ? (
          <IdentitySourceForm connections={connections.data.value} onSubmit={create} onCancel={() => setCreating(false)} />
        ) : (
          <Loading what="connections" />
        )}
      </Modal>
      <Modal title={`Sync of ${viewing?.displayName ?? 'the source'}`} open={!!viewing} onClose={closeRuns}>
        {viewing && (
          <div>
            <p className="muted">
              A sync reads the directory&apos;s people and groups and brings Latchkey in step: a full one reads everything and finds who is gone (disabled, never
              deleted), an incremental one only what changed since. A dry run only says what would change.
            </p>
            <div className="toolbar">
              <button type="button" onClick={() => void sync(viewing, 'incremental', true)} disabled={running}>
                Dry run
              </button>
              <button type="button" className="primary" onClick={() => void sync(viewing, 'incremental', false)} disabled={running}>
                {running ? 'Syncing…' : 'Sync now'}
              </button>
              <button type="button" onClick={() => void sync(viewing, 'full', false)} disabled={running}>
                Full sync
              </button>
            </div>
            <ErrorBanner error={error} />
            <IdentitySourceRuns sourceId={viewing.id} name={viewing.displayName} refresh={refresh} onRunning={onRunning} />
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={closeRuns}>
            Close
          </button>
        </div>
      </Modal>
      <ConfirmDialog title="Delete identity source" open={!!deleting} onClose={() => setDeleting(null)} onConfirm={remove} confirmText="Delete">
        <p>
          Delete the identity source <strong>{deleting?.displayName}</strong>? Its people and groups stay in Latchkey, with their access, and can be edited there
          from then on.
        </p>
      </ConfirmDialog>
    </section>
  );
}
