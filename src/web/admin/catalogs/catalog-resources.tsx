import { useState } from 'react';
import { api, EM, query } from '../../api/client';
import { useMe } from '../../auth/session';
import { canCatalog } from '../../auth/me';
import { PagedContent, Pager, usePaged } from '../../components/paged';
import { ActionButton, ErrorBanner, Modal, Notice, formatDate } from '../../components/ui';
import { DirectoryPicker } from './shared';
import type { DirectoryObject } from '../../api/directory';
import { ConfirmDialog } from '../../components/dialogs';
import { RESOURCE_TYPES, type Catalog, type Resource } from './types';
import { useLoad } from '../../components/use-load';
import { CONNECTIONS } from '../tenant/connection-list';
import type { Connection } from '../tenant/connection-kinds';
import { ResourceReconciliation } from './resource-reconciliation';
import { ConnectionResourcePicker, connectionResourceKey, type ConnectionResource } from './connection-resource-picker';

// The resources of a catalog (directory groups, and the groups and roles of connections), their roles,
// and adding or removing them through resource requests (adminAdd / adminRemove), as Graph does it; a
// connection's resource names the connection as its environment.
export function CatalogResources({ catalog }: { catalog: Catalog }) {
  const me = useMe();
  const paged = usePaged<Resource>(`${EM}/catalogs/${catalog.id}/resources${query({ $expand: 'roles,environment', $top: 20, $count: true })}`);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Resource | null>(null);
  const [inspecting, setInspecting] = useState<Resource | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [added, setAdded] = useState<Set<string>>(new Set());
  // '' : directory groups; otherwise the id of the connection whose resources are browsed
  const [source, setSource] = useState('');
  // only tenant administrators may list connections: for others the directory is the only source
  const connections = useLoad(adding ? CONNECTIONS : null, (signal) => api<{ value: Connection[] }>(CONNECTIONS, { signal }).catch(() => ({ value: [] as Connection[] })));
  const connection = connections.data?.value.find((c) => c.id === source);
  const noWrite = canCatalog(me, 'catalog.resources.write', catalog.id) ? null : 'You can view these resources; only the catalog’s owners and administrators can add or remove them.';

  const add = async (group: DirectoryObject) => {
    await api(`${EM}/resourceRequests`, {
      method: 'POST',
      body: { requestType: 'adminAdd', resource: { originId: group.id, originSystem: 'AadGroup' }, catalog: { id: catalog.id } },
    });
    setAdded((s) => new Set(s).add(group.id.toLowerCase()));
    setNotice(`${group.displayName ?? 'The group'} was added to the catalog.`);
    paged.reload();
  };
  const addFromConnection = async (c: Connection, r: ConnectionResource) => {
    await api(`${EM}/resourceRequests`, {
      method: 'POST',
      body: { requestType: 'adminAdd', resource: { originId: r.originId, originSystem: c.originSystem, environment: { id: c.id } }, catalog: { id: catalog.id } },
    });
    setAdded((s) => new Set(s).add(connectionResourceKey(c.id, r.originId)));
    setNotice(`${r.displayName} from ${c.displayName} was added to the catalog.`);
    paged.reload();
  };
  const remove = async () => {
    if (!removing) return;
    await api(`${EM}/resourceRequests`, { method: 'POST', body: { requestType: 'adminRemove', resource: { id: removing.id }, catalog: { id: catalog.id } } });
    setNotice(`${removing.displayName} was removed from the catalog.`);
    setRemoving(null);
    paged.reload();
  };
  const inCatalog = new Set([...paged.items.map((r) => (r.environment ? connectionResourceKey(r.environment.id, r.originId) : r.originId.toLowerCase())), ...added]);

  return (
    <div>
      <div className="toolbar">
        <ActionButton
          className="primary"
          onClick={() => {
            setAdded(new Set());
            setSource('');
            setAdding(true);
          }}
          disabledReason={noWrite}
        >
          Add resource
        </ActionButton>
      </div>
      {noWrite && <p className="muted">{noWrite}</p>}
      <Notice>{notice}</Notice>
      <ErrorBanner error={paged.error} />
      <PagedContent paged={paged} what="resources" empty="This catalog has no resources yet. Add a group so access packages can hand out its membership.">
        <div className="table-wrap">
          <table className="responsive lk-table">
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">Type</th>
                <th scope="col">Roles</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((r) => (
                <tr key={r.id}>
                  <td data-label="Resource">
                    <strong>{r.displayName}</strong>
                    {r.description && <div className="muted">{r.description}</div>}
                  </td>
                  <td data-label="Type">
                    <div>
                      {RESOURCE_TYPES[r.originSystem] ?? r.originSystem}
                      {r.environment && <div className="muted">{r.environment.displayName}</div>}
                    </div>
                  </td>
                  <td data-label="Roles">{r.roles?.map((x) => x.displayName).join(', ') || '—'}</td>
                  <td data-label="Added">{formatDate(r.createdDateTime)}</td>
                  <td data-label="Actions">
                    <div className="row-actions">
                      {r.environment && (
                        <button type="button" onClick={() => setInspecting(r)} aria-label={`Reconciliation of ${r.displayName}`}>
                          Reconciliation
                        </button>
                      )}
                      <ActionButton className="danger" onClick={() => setRemoving(r)} disabledReason={noWrite} aria-label={`Remove ${r.displayName}`}>
                        Remove
                      </ActionButton>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </PagedContent>
      <Pager paged={paged} label="Resources" />
      <Modal title="Add resource to the catalog" open={adding} onClose={() => setAdding(false)}>
        {(connections.data?.value.length ?? 0) > 0 && (
          <div className="field source-choice">
            <label htmlFor="resource-source">Source</label>
            <select id="resource-source" value={source} onChange={(e) => setSource(e.target.value)}>
              <option value="">Directory groups</option>
              {connections.data?.value.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.displayName} ({RESOURCE_TYPES[c.originSystem] ?? c.kind})
                </option>
              ))}
            </select>
          </div>
        )}
        {connection ? (
          <ConnectionResourcePicker key={connection.id} connection={connection} onPick={(r) => addFromConnection(connection, r)} inCatalog={inCatalog} />
        ) : (
          <>
            <p className="muted">
              Resource type: <strong>Group</strong> (directory groups). Unless you are an administrator you can add only groups you own.
            </p>
            <DirectoryPicker kinds={['group']} label="Search groups" actionText="Add" onPick={add} disabledIds={inCatalog} />
          </>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={() => setAdding(false)}>
            Done
          </button>
        </div>
      </Modal>
      <Modal title={`Reconciliation of ${inspecting?.displayName ?? 'the resource'}`} open={!!inspecting} onClose={() => setInspecting(null)}>
        {inspecting && <ResourceReconciliation resource={inspecting} canWrite={!noWrite} />}
        <div className="dialog-actions">
          <button type="button" onClick={() => setInspecting(null)}>
            Close
          </button>
        </div>
      </Modal>
      <ConfirmDialog title="Remove resource" open={!!removing} onClose={() => setRemoving(null)} onConfirm={remove} confirmText="Remove">
        <p>
          Remove <strong>{removing?.displayName}</strong> from the catalog <strong>{catalog.displayName}</strong>? Access packages that hand out one of
          its roles must drop that role first.
        </p>
      </ConfirmDialog>
    </div>
  );
}
