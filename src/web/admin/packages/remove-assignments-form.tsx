import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client';
import { ErrorBanner, Field } from '../../components/ui';
import { removeAssignments } from './assignment-actions';

/** Confirms removing one or more assignments (the bulk removal route: an adminRemove request each). */
export function RemoveAssignmentsForm({ ids, names, onClose, onDone }: { ids: string[]; names: string[]; onClose: () => void; onDone: (text: string) => void }) {
  const [justification, setJustification] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      const r = await removeAssignments(ids, justification.trim() || null);
      const skipped = r.skipped.length ? ` ${r.skipped.length} skipped: ${r.skipped.map((s) => s.reason).join('; ')}` : '';
      onDone(`Removing ${r.removed.length} assignment${r.removed.length === 1 ? '' : 's'}: access is being revoked.${skipped}`);
    } catch (err) {
      setFailure(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <p>
        Remove {ids.length === 1 ? 'the assignment of' : `${ids.length} assignments:`} <strong>{names.slice(0, 5).join(', ')}{names.length > 5 ? '…' : ''}</strong>? Their
        access to the package’s resources is revoked.
      </p>
      <ErrorBanner error={failure} />
      <Field label="Justification (optional)">
        {(p) => <textarea {...p} value={justification} maxLength={4000} onChange={(e) => setJustification(e.target.value)} />}
      </Field>
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="submit" className="danger" disabled={busy}>{busy ? 'Removing…' : 'Remove'}</button>
      </div>
    </form>
  );
}
