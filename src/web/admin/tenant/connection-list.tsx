import { useState } from 'react';
import { api, errorMessage } from '../../api/client';
import { useMe } from '../../auth/session';
import { canTenant, type Me } from '../../auth/me';
import { ConfirmDialog } from '../../components/dialogs';
import { Empty, ErrorBanner, Loading, Modal, Notice, PageHeader, formatDate } from '../../components/ui';
import { useLoad } from '../../components/use-load';
import { ConnectionForm } from './connection-form';
import { ConnectionReconciliation } from './connection-reconciliation';
import { kindName, type Connection, type ConnectionInput } from './connection-kinds';

export const CONNECTIONS = '/latchkey/v1/connections';

/** Connections are tenant configuration: the permission that guards the tenant's settings guards them. */
export function canManageConnections(me: Me): boolean {
  return canTenant(me, 'settings.write');
}

interface TestResult {
  name: string;
  ok: boolean;
  text: string;
}

// The systems Latchkey delivers access to (LDAP directories, SCIM applications, PostgreSQL clusters,
// webhooks): their health as the last call found it, adding, testing, editing and deleting them.
export function ConnectionList() {
  const me = useMe();
  const list = useLoad(CONNECTIONS, (signal) => api<{ value: Connection[] }>(CONNECTIONS, { signal }));
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Connection | null>(null);
  const [deleting, setDeleting] = useState<Connection | null>(null);
  const [reconciling, setReconciling] = useState<Connection | null>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const [result, setResult] = useState<TestResult | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const write = canManageConnections(me);
  const items = list.data?.value ?? [];

  const create = async (input: ConnectionInput) => {
    const created = await api<Connection>(CONNECTIONS, { method: 'POST', body: input });
    setCreating(false);
    setResult(null);
    setNotice(`${created.displayName} was added. Test it to check that Latchkey can reach it.`);
    list.reload();
  };
  const save = async (input: ConnectionInput) => {
    if (!editing) return;
    // the kind never changes; secrets: only those typed in (the others keep their stored value)
    const body = {
      displayName: input.displayName,
      description: input.description,
      settings: input.settings,
      ...(Object.keys(input.secrets).length ? { secrets: input.secrets } : {}),
      timeoutMs: input.timeoutMs,
      concurrency: input.concurrency,
      reconcileInterval: input.reconcileInterval,
    };
    await api<Connection>(`${CONNECTIONS}/${editing.id}`, { method: 'PATCH', body });
    setNotice(`${input.displayName} was saved.`);
    setEditing(null);
    list.reload();
  };
  const test = async (c: Connection) => {
    setTesting(c.id);
    setResult(null);
    setNotice(null);
    try {
      const r = await api<{ ok: boolean; summary?: string; error?: string }>(`${CONNECTIONS}/${c.id}/test`, { method: 'POST' });
      setResult({ name: c.displayName, ok: r.ok, text: (r.ok ? r.summary : r.error) ?? '' });
    } catch (e) {
      setResult({ name: c.displayName, ok: false, text: errorMessage(e) });
    } finally {
      setTesting(null);
      list.reload();
    }
  };
  const remove = async () => {
    if (!deleting) return;
    await api(`${CONNECTIONS}/${deleting.id}`, { method: 'DELETE' });
    setNotice(`${deleting.displayName} was deleted.`);
    setDeleting(null);
    list.reload();
  };

  return (
    <section>
      <PageHeader
        title="Connections"
        actions={
          write && (
            <button type="button" className="primary" onClick={() => setCreating(true)}>
              Add connection
            </button>
          )
        }
      >
        <p className="muted">The systems access packages deliver access to: LDAP directories, SCIM applications, PostgreSQL clusters and webhooks.</p>
      </PageHeader>
      <Notice>{notice}</Notice>
      {result?.ok && <Notice>{`Test of ${result.name} succeeded: ${result.text}`}</Notice>}
      <ErrorBanner error={result && !result.ok ? `Test of ${result.name} failed: ${result.text}` : null} />
      <ErrorBanner error={list.error} />
      {list.loading && !list.data ? (
        <Loading what="connections" />
      ) : items.length === 0 ? (
        !list.error && <Empty>There are no connections yet. Add one to hand out access in an LDAP directory, a SCIM application, a PostgreSQL cluster or through a webhook.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="responsive lk-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Health</th>
                <th scope="col">Last error</th>
                <th scope="col">Resources</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id}>
                  {/* one child per cell: at phone width a cell is a flex row beside its label */}
                  <td data-label="Name">
                    <div>
                      <strong>{c.displayName}</strong>
                      {c.description && <div className="muted">{c.description}</div>}
                    </div>
                  </td>
                  <td data-label="Kind">{kindName(c.kind)}</td>
                  <td data-label="Health">
                    <div>
                      <HealthBadge health={c.health} />
                      {c.lastSuccessAt && <div className="muted">Last success {formatDate(c.lastSuccessAt)}</div>}
                    </div>
                  </td>
                  <td data-label="Last error">
                    {c.lastError ? (
                      <div>
                        <span className="wrap-anywhere">{c.lastError}</span>
                        <div className="muted">{formatDate(c.lastErrorAt)}</div>
                      </div>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td data-label="Resources">{c.resourceCount}</td>
                  <td data-label="Actions">
                    <div className="row-actions">
                      <button type="button" onClick={() => void test(c)} disabled={testing !== null} aria-label={`Test ${c.displayName}`}>
                        {testing === c.id ? 'Testing…' : 'Test'}
                      </button>
                      {write && (
                        <>
                          <button type="button" onClick={() => setReconciling(c)} aria-label={`Reconciliation of ${c.displayName}`}>
                            Reconciliation
                          </button>
                          <button type="button" onClick={() => setEditing(c)} aria-label={`Edit ${c.displayName}`}>
                            Edit
                          </button>
                          <button type="button" className="danger" onClick={() => setDeleting(c)} aria-label={`Delete ${c.displayName}`}>
                            Delete
                          </button>
                        </>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Modal title="Add connection" open={creating} onClose={() => setCreating(false)}>
        <ConnectionForm submitText="Add" onSubmit={create} onCancel={() => setCreating(false)} />
      </Modal>
      <Modal title="Edit connection" open={!!editing} onClose={() => setEditing(null)}>
        {editing && <ConnectionForm initial={editing} submitText="Save" onSubmit={save} onCancel={() => setEditing(null)} />}
      </Modal>
      <Modal title={`Reconciliation of ${reconciling?.displayName ?? 'the connection'}`} open={!!reconciling} onClose={() => setReconciling(null)}>
        {reconciling && <ConnectionReconciliation connection={reconciling} />}
        <div className="dialog-actions">
          <button type="button" onClick={() => setReconciling(null)}>
            Close
          </button>
        </div>
      </Modal>
      <ConfirmDialog title="Delete connection" open={!!deleting} onClose={() => setDeleting(null)} onConfirm={remove} confirmText="Delete">
        <p>
          Delete the connection <strong>{deleting?.displayName}</strong>? Its stored secrets are erased. A connection whose resources are in a catalog cannot be
          deleted until they are removed.
        </p>
      </ConfirmDialog>
    </section>
  );
}

export function HealthBadge({ health }: { health: string }) {
  const [tone, text] = health === 'healthy' ? ['good', 'Healthy'] : health === 'failing' ? ['bad', 'Failing'] : ['neutral', 'Not checked yet'];
  return <span className={`badge ${tone}`}>{text}</span>;
}
