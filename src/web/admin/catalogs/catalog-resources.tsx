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

// The resources of a catalog (directory groups), their roles, and adding or removing them through
// resource requests (adminAdd / adminRemove), as Graph does it.
export function CatalogResources({ catalog }: { catalog: Catalog }) {
  const me = useMe();
  const paged = usePaged<Resource>(`${EM}/catalogs/${catalog.id}/resources${query({ $expand: 'roles', $top: 20, $count: true })}`);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Resource | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [added, setAdded] = useState<Set<string>>(new Set());
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
  const remove = async () => {
    if (!removing) return;
    await api(`${EM}/resourceRequests`, { method: 'POST', body: { requestType: 'adminRemove', resource: { id: removing.id }, catalog: { id: catalog.id } } });
    setNotice(`${removing.displayName} was removed from the catalog.`);
    setRemoving(null);
    paged.reload();
  };
  const inCatalog = new Set([...paged.items.map((r) => r.originId.toLowerCase()), ...added]);

  return (
    <div>
      <div className="toolbar">
        <ActionButton
          className="primary"
          onClick={() => {
            setAdded(new Set());
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
                  <td data-label="Type">{RESOURCE_TYPES[r.originSystem] ?? r.originSystem}</td>
                  <td data-label="Roles">{r.roles?.map((x) => x.displayName).join(', ') || '—'}</td>
                  <td data-label="Added">{formatDate(r.createdDateTime)}</td>
                  <td data-label="Actions">
                    <ActionButton className="danger" onClick={() => setRemoving(r)} disabledReason={noWrite} aria-label={`Remove ${r.displayName}`}>
                      Remove
                    </ActionButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </PagedContent>
      <Pager paged={paged} label="Resources" />
      <Modal title="Add resource to the catalog" open={adding} onClose={() => setAdding(false)}>
        <p className="muted">
          Resource type: <strong>Group</strong> (directory groups are the resources this server can hand out). Unless you are an administrator you can
          add only groups you own.
        </p>
        <DirectoryPicker kinds={['group']} label="Search groups" actionText="Add" onPick={add} disabledIds={inCatalog} />
        <div className="dialog-actions">
          <button type="button" onClick={() => setAdding(false)}>
            Done
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
