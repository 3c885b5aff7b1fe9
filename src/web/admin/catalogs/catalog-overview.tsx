import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, EM } from '../../api/client';
import { useMe } from '../../auth/session';
import { canCatalog } from '../../auth/me';
import { ActionButton, Modal, formatDate } from '../../components/ui';
import { EnabledBadge } from './badges';
import { CatalogForm, type CatalogInput } from './catalog-form';
import { ConfirmDialog } from '../../components/dialogs';
import type { Catalog } from './types';

// The catalog's properties with Edit and Delete. The API refuses to delete a catalog that still has
// access packages (and the built-in one); its message is shown in the dialog.
export function CatalogOverview({ catalog, onChanged }: { catalog: Catalog; onChanged: () => void }) {
  const me = useMe();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const canWrite = canCatalog(me, 'catalog.write', catalog.id);
  const noWrite = canWrite ? null : 'You can view this catalog; only its owners and administrators can change it.';

  const save = async (input: CatalogInput) => {
    await api(`${EM}/catalogs/${catalog.id}`, { method: 'PATCH', body: input });
    setEditing(false);
    onChanged();
  };
  const remove = async () => {
    await api(`${EM}/catalogs/${catalog.id}`, { method: 'DELETE' });
    navigate('/admin/catalogs', { replace: true });
  };

  return (
    <div>
      <div className="toolbar">
        <ActionButton onClick={() => setEditing(true)} disabledReason={noWrite}>
          Edit
        </ActionButton>
        <ActionButton className="danger" onClick={() => setDeleting(true)} disabledReason={noWrite}>
          Delete
        </ActionButton>
      </div>
      {noWrite && <p className="muted">{noWrite}</p>}
      <div className="panel">
        <dl className="props">
          <dt>Name</dt>
          <dd>{catalog.displayName}</dd>
          <dt>Description</dt>
          <dd>{catalog.description || '—'}</dd>
          <dt>Enabled</dt>
          <dd>
            <EnabledBadge enabled={catalog.state === 'published'} on="Yes" off="No" />
          </dd>
          <dt>External users allowed</dt>
          <dd>{catalog.isExternallyVisible ? 'Yes' : 'No'}</dd>
          <dt>Catalog type</dt>
          <dd>{catalog.catalogType === 'userManaged' ? 'Created by a user' : catalog.catalogType === 'serviceDefault' ? 'Built in (General)' : catalog.catalogType}</dd>
          <dt>Created</dt>
          <dd>{formatDate(catalog.createdDateTime)}</dd>
          <dt>Modified</dt>
          <dd>{formatDate(catalog.modifiedDateTime)}</dd>
          <dt>Object id</dt>
          <dd>
            <code>{catalog.id}</code>
          </dd>
        </dl>
      </div>
      <Modal title="Edit catalog" open={editing} onClose={() => setEditing(false)}>
        <CatalogForm initial={catalog} submitText="Save" onSubmit={save} onCancel={() => setEditing(false)} />
      </Modal>
      <ConfirmDialog title="Delete catalog" open={deleting} onClose={() => setDeleting(false)} onConfirm={remove} confirmText="Delete catalog">
        <p>
          Delete the catalog <strong>{catalog.displayName}</strong>? Its resources and role assignments go with it. A catalog that still has access
          packages cannot be deleted: delete them first.
        </p>
      </ConfirmDialog>
    </div>
  );
}
