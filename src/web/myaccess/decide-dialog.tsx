import { useState } from 'react';
import { api, EM } from '../api/client';
import { DialogActions, useAction } from '../components/dialogs';
import { ErrorBanner, Field, Modal } from '../components/ui';
import type { ApprovalStage } from './types';

export type Decision = 'Approve' | 'Deny';

/** Approve or deny one stage, with a justification (required when the stage says so). */
export function DecideDialog({
  target,
  onClose,
  onDecided,
}: {
  target: { requestId: string; stage: ApprovalStage; decision: Decision; what: string } | null;
  onClose: () => void;
  onDecided: (decision: Decision) => void;
}) {
  const [justification, setJustification] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const action = useAction();
  const required = !!target?.stage.isApproverJustificationRequired;

  function close() {
    setJustification('');
    setFieldError(null);
    action.clear();
    onClose();
  }

  async function submit() {
    if (!target) return;
    if (required && !justification.trim()) {
      setFieldError('A justification is required for this decision.');
      return;
    }
    setFieldError(null);
    await action.run(async () => {
      await api(`${EM}/accessPackageAssignmentApprovals/${target.requestId}/stages/${target.stage.id}`, {
        method: 'PATCH',
        body: { reviewResult: target.decision, justification: justification.trim() || null },
      });
      setJustification('');
      onDecided(target.decision);
    });
  }

  const verb = target?.decision === 'Deny' ? 'Deny' : 'Approve';
  return (
    <Modal title={`${verb} request`} open={!!target} onClose={close}>
      {target && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
          noValidate
        >
          <p>{target.what}</p>
          <Field
            label={`Justification${required ? ' (required)' : ' (optional)'}`}
            hint="The requestor and other approvers see it."
            error={fieldError}
          >
            {(props) => <textarea {...props} required={required} maxLength={4000} value={justification} onChange={(e) => setJustification(e.target.value)} />}
          </Field>
          <ErrorBanner error={action.error} />
          <DialogActions onCancel={close} busy={action.busy} busyText="Sending…" submitText={verb} tone={target.decision === 'Deny' ? 'danger' : 'primary'} />
        </form>
      )}
    </Modal>
  );
}
