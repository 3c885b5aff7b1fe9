import { useState, type FormEvent } from 'react';
import { DialogActions, useAction } from '../../components/dialogs';
import { ErrorBanner, Field } from '../../components/ui';
import type { Catalog } from './types';

// The catalog's editable properties, used by New catalog and Edit. Checks the same limits as the API
// (src/api/graph/catalogs.ts) before sending, and shows the API's message when it refuses anyway.

export interface CatalogInput {
  displayName: string;
  description: string | null;
  isExternallyVisible: boolean;
  state: 'published' | 'unpublished';
}

const NAME_MAX = 256;
const DESCRIPTION_MAX = 2048;

export function CatalogForm({
  initial,
  submitText,
  onSubmit,
  onCancel,
}: {
  initial?: Catalog;
  submitText: string;
  onSubmit: (input: CatalogInput) => Promise<void>;
  onCancel: () => void;
}) {
  const [name, setName] = useState(initial?.displayName ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [external, setExternal] = useState(initial?.isExternallyVisible ?? true);
  const [enabled, setEnabled] = useState(initial ? initial.state === 'published' : true);
  const [errors, setErrors] = useState<{ name?: string; description?: string }>({});
  const action = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found: typeof errors = {};
    if (!name.trim()) found.name = 'Enter a name.';
    else if (name.trim().length > NAME_MAX) found.name = `At most ${NAME_MAX} characters.`;
    if (description.length > DESCRIPTION_MAX) found.description = `At most ${DESCRIPTION_MAX} characters.`;
    setErrors(found);
    if (Object.keys(found).length) return;
    await action.run(async () => {
      await onSubmit({ displayName: name.trim(), description: description.trim() || null, isExternallyVisible: external, state: enabled ? 'published' : 'unpublished' });
    });
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Field label="Name" error={errors.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required maxLength={NAME_MAX} />}
      </Field>
      <Field label="Description" error={errors.description} hint="Shown to people who request access packages from this catalog.">
        {(p) => <textarea {...p} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={DESCRIPTION_MAX} />}
      </Field>
      <label className="checkbox">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        Enabled (its access packages can be requested)
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={external} onChange={(e) => setExternal(e.target.checked)} />
        External users allowed (people from connected organizations may request its packages)
      </label>
      <ErrorBanner error={action.error} />
      <DialogActions onCancel={onCancel} busy={action.busy} submitText={submitText} />
    </form>
  );
}
