import { useState, type FormEvent } from 'react';
import { api, EM } from '../../api/client';
import { DialogActions, useAction } from '../../components/dialogs';
import { ErrorBanner, Field, Modal } from '../../components/ui';
import type { AccessPackage, Catalog } from './types';

const NAME_MAX = 256;
const DESCRIPTION_MAX = 2048;

/** New access package: name, description and one of the catalogs the person may create packages in. */
export function NewPackageDialog({ open, catalogs, defaultCatalogId, onClose, onCreated }: {
  open: boolean;
  catalogs: Catalog[];
  defaultCatalogId?: string;
  onClose: () => void;
  onCreated: (id: string) => void;
}) {
  return (
    <Modal title="New access package" open={open} onClose={onClose}>
      <NewPackageForm catalogs={catalogs} defaultCatalogId={defaultCatalogId} onClose={onClose} onCreated={onCreated} />
    </Modal>
  );
}

function NewPackageForm({ catalogs, defaultCatalogId, onClose, onCreated }: { catalogs: Catalog[]; defaultCatalogId?: string; onClose: () => void; onCreated: (id: string) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [catalogId, setCatalogId] = useState(defaultCatalogId ?? (catalogs.length === 1 ? catalogs[0].id : ''));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const action = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = 'Give the access package a name.';
    else if (name.length > NAME_MAX) found.name = `At most ${NAME_MAX} characters.`;
    if (description.length > DESCRIPTION_MAX) found.description = `At most ${DESCRIPTION_MAX} characters.`;
    if (!catalogId) found.catalog = 'Choose the catalog the package belongs to.';
    setErrors(found);
    if (Object.keys(found).length) return;
    await action.run(async () => {
      const created = await api<AccessPackage>(`${EM}/accessPackages`, {
        method: 'POST',
        body: { displayName: name.trim(), description: description.trim() || null, catalog: { id: catalogId } },
      });
      onCreated(created.id);
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <ErrorBanner error={action.error} />
      <Field label="Name" error={errors.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} maxLength={NAME_MAX} required />}
      </Field>
      <Field label="Description" error={errors.description}>
        {(p) => <textarea {...p} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={DESCRIPTION_MAX} />}
      </Field>
      <Field label="Catalog" error={errors.catalog} hint={catalogs.length === 0 ? 'You may create access packages in no catalog.' : 'Only catalogs where you may create access packages are listed.'}>
        {(p) => (
          <select {...p} value={catalogId} onChange={(e) => setCatalogId(e.target.value)} required>
            <option value="">Choose a catalog…</option>
            {catalogs.map((c) => (
              <option key={c.id} value={c.id}>{c.displayName}</option>
            ))}
          </select>
        )}
      </Field>
      <DialogActions onCancel={onClose} busy={action.busy} busyText="Creating…" submitText="Create" />
    </form>
  );
}
