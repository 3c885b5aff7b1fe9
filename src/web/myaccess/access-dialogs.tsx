import { useState } from 'react';
import { api, EM } from '../api/client';
import { ConfirmDialog, DialogActions, useAction } from '../components/dialogs';
import { ErrorBanner, Field, Modal, formatDate } from '../components/ui';
import { statusText } from '../components/status-text';
import { durationText, endOf, extensionOfferFor } from './format';
import type { Assignment, AssignmentRequest } from './types';

/** Extending: a userUpdate request; the policy decides the new end and whether an approver must agree. */
export function ExtendDialog({ assignment, onClose, onDone }: { assignment: Assignment | null; onClose: () => void; onDone: (message: string) => void }) {
  const [justification, setJustification] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const action = useAction();
  const policy = assignment?.assignmentPolicy;
  const needsApproval = !!policy && policy.requestApprovalSettings.isApprovalRequiredForUpdate && policy.requestApprovalSettings.stages.length > 0;
  const justificationRequired = !!policy?.requestApprovalSettings.isRequestorJustificationRequired;
  const e = policy?.expiration;
  // the end the server will give, by the same function (src/domain/extension.ts)
  const offer = assignment ? extensionOfferFor(assignment) : null;
  const newEndAt = offer?.newEndAt ?? null;
  const newEnd = !newEndAt ? 'as the policy allows'
    : e?.type === 'afterDuration' ? `until ${formatDate(newEndAt)} (${durationText(e.duration)} from now)` : `until ${formatDate(newEndAt)}, the end date of its policy`;

  function close() {
    setJustification('');
    action.clear();
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
    await action.run(async () => {
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
            : `Your extension of ${name}: ${statusText(r.status)}.`,
      );
      setJustification('');
    });
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
            {(props) => <textarea {...props} required={justificationRequired} maxLength={4000} value={justification} onChange={(ev) => setJustification(ev.target.value)} />}
          </Field>
          <ErrorBanner error={action.error} />
          <DialogActions onCancel={close} busy={action.busy} busyText="Sending…" submitText={needsApproval ? 'Request extension' : 'Extend'} />
        </form>
      )}
    </Modal>
  );
}

/** Giving access up: a userRemove request, which ends the assignment at once. */
export function RemoveDialog({ assignment, onClose, onDone }: { assignment: Assignment | null; onClose: () => void; onDone: (message: string) => void }) {
  return (
    <ConfirmDialog
      title="Remove my access"
      open={!!assignment}
      onClose={onClose}
      confirmText="Remove my access"
      busyText="Removing…"
      cancelText="Keep access"
      onConfirm={async () => {
        if (!assignment) return;
        await api(`${EM}/assignmentRequests`, { method: 'POST', body: { requestType: 'userRemove', assignment: { id: assignment.id } } });
        onDone(`Your access to ${assignment.accessPackage?.displayName ?? 'the package'} is being removed.`);
      }}
    >
      <p>
        Give up your access to <strong>{assignment?.accessPackage?.displayName}</strong>? It ends now; to get it back you would request it again.
      </p>
    </ConfirmDialog>
  );
}
