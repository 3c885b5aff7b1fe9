import { useState } from 'react';
import { api, EM, errorMessage } from '../api/client';
import { ErrorBanner, Field, Modal, formatDate } from '../components/ui';
import { durationText, endOf, requestStatusText } from './format';
import type { Assignment, AssignmentRequest } from './types';

/** Extending: a userUpdate request; the policy decides the new end and whether an approver must agree. */
export function ExtendDialog({ assignment, onClose, onDone }: { assignment: Assignment | null; onClose: () => void; onDone: (message: string) => void }) {
  const [justification, setJustification] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const policy = assignment?.assignmentPolicy;
  const needsApproval = !!policy && policy.requestApprovalSettings.isApprovalRequiredForUpdate && policy.requestApprovalSettings.stages.length > 0;
  const justificationRequired = !!policy?.requestApprovalSettings.isRequestorJustificationRequired;
  const e = policy?.expiration;
  const newEnd = e?.type === 'afterDuration' ? `${durationText(e.duration)} from today` : e?.type === 'afterDateTime' && e.endDateTime ? `until ${formatDate(e.endDateTime)}` : 'as the policy allows';

  function close() {
    setJustification('');
    setError(null);
    setFieldError(null);
    onClose();
  }

  async function submit() {
    if (!assignment) return;
    if (justificationRequired && !justification.trim()) {
      setFieldError('This policy asks for a business justification.');
      return;
    }
    setFieldError(null);
    setBusy(true);
    setError(null);
    try {
      const r = await api<AssignmentRequest>(`${EM}/assignmentRequests`, {
        method: 'POST',
        body: { requestType: 'userUpdate', assignment: { id: assignment.id }, justification: justification.trim() || null },
      });
      const name = assignment.accessPackage?.displayName ?? 'the package';
      onDone(
        r.state === 'pendingApproval'
          ? `Your extension of ${name} was sent for approval.`
          : r.schedule?.expiration?.endDateTime
            ? `Your access to ${name} is extended until ${formatDate(r.schedule.expiration.endDateTime)}.`
            : `Your extension of ${name}: ${requestStatusText(r.status)}.`,
      );
      setJustification('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title="Extend access" open={!!assignment} onClose={close}>
      {assignment && (
        <form
          onSubmit={(ev) => {
            ev.preventDefault();
            void submit();
          }}
          noValidate
        >
          <p>
            <strong>{assignment.accessPackage?.displayName}</strong> ends on {formatDate(endOf(assignment))}. Extending gives you access {newEnd}.
          </p>
          <p>{needsApproval ? 'An approver must agree to the extension.' : 'No approval is needed: the extension applies at once.'}</p>
          <Field label={`Business justification${justificationRequired ? ' (required)' : ' (optional)'}`} error={fieldError}>
            {(props) => <textarea {...props} required={justificationRequired} value={justification} onChange={(ev) => setJustification(ev.target.value)} />}
          </Field>
          <ErrorBanner error={error} />
          <div className="dialog-actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Sending…' : needsApproval ? 'Request extension' : 'Extend'}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

/** Giving access up: a userRemove request, which ends the assignment at once. */
export function RemoveDialog({ assignment, onClose, onDone }: { assignment: Assignment | null; onClose: () => void; onDone: (message: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function remove() {
    if (!assignment) return;
    setBusy(true);
    setError(null);
    try {
      await api(`${EM}/assignmentRequests`, { method: 'POST', body: { requestType: 'userRemove', assignment: { id: assignment.id } } });
      onDone(`Your access to ${assignment.accessPackage?.displayName ?? 'the package'} is being removed.`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal
      title="Remove my access"
      open={!!assignment}
      onClose={() => {
        setError(null);
        onClose();
      }}
    >
      <p>
        Give up your access to <strong>{assignment?.accessPackage?.displayName}</strong>? It ends now; to get it back you would request it again.
      </p>
      <ErrorBanner error={error} />
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Keep access
        </button>
        <button type="button" className="danger" onClick={() => void remove()} disabled={busy}>
          {busy ? 'Removing…' : 'Remove my access'}
        </button>
      </div>
    </Modal>
  );
}
