import { useState, type FormEvent } from 'react';
import { DialogActions, useAction } from '../../components/dialogs';
import { ErrorBanner, Field } from '../../components/ui';
import { removeAssignments } from './assignment-actions';

/** Confirms removing one or more assignments (the bulk removal route: an adminRemove request each). */
export function RemoveAssignmentsForm({ ids, names, onClose, onDone }: { ids: string[]; names: string[]; onClose: () => void; onDone: (text: string) => void }) {
  const [justification, setJustification] = useState('');
  const action = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    await action.run(async () => {
      const r = await removeAssignments(ids, justification.trim() || null);
      const skipped = r.skipped.length ? ` ${r.skipped.length} skipped: ${r.skipped.map((s) => s.reason).join('; ')}` : '';
      onDone(`Removing ${r.removed.length} assignment${r.removed.length === 1 ? '' : 's'}: access is being revoked.${skipped}`);
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <p>
        Remove {ids.length === 1 ? 'the assignment of' : `${ids.length} assignments:`} <strong>{names.slice(0, 5).join(', ')}{names.length > 5 ? '…' : ''}</strong>? Their
        access to the package’s resources is revoked.
      </p>
      <ErrorBanner error={action.error} />
      <Field label="Justification (optional)">
        {(p) => <textarea {...p} value={justification} maxLength={4000} onChange={(e) => setJustification(e.target.value)} />}
      </Field>
      <DialogActions onCancel={onClose} busy={action.busy} busyText="Removing…" submitText="Remove" tone="danger" />
    </form>
  );
}
