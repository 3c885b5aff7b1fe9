import { useCallback, useState, type ReactNode } from 'react';
import { errorMessage } from '../api/client';
import { ErrorBanner, Modal } from './ui';

// What the portals' dialogs and forms share: running a save (busy while it runs, the API's refusal kept
// to show), the Cancel/submit row, and a confirmation dialog for one-click actions.

export interface Action {
  busy: boolean;
  /** the last run's failure, as the API worded it */
  error: string | null;
  run(work: () => Promise<void>): Promise<void>;
  clear(): void;
}

/** Runs a form's or dialog's work once at a time, keeping its failure to show next to the buttons. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(null), []);
  return { busy, error, run, clear };
}

/**
 * The Cancel and submit buttons under a form or dialog. Without `onConfirm` the second button submits
 * the surrounding form (so its validation runs); with it, it is a plain button.
 */
export function DialogActions({
  onCancel,
  busy,
  submitText,
  busyText = 'Saving…',
  cancelText = 'Cancel',
  tone = 'primary',
  onConfirm,
}: {
  onCancel: () => void;
  busy: boolean;
  submitText: string;
  busyText?: string;
  cancelText?: string;
  tone?: 'primary' | 'danger';
  onConfirm?: () => void;
}) {
  return (
    <div className="dialog-actions">
      <button type="button" onClick={onCancel}>
        {cancelText}
      </button>
      <button type={onConfirm ? 'button' : 'submit'} className={tone} onClick={onConfirm} disabled={busy}>
        {busy ? busyText : submitText}
      </button>
    </div>
  );
}

/**
 * Asks before a destructive action. The action's error (the API's refusal, e.g. "the catalog still has
 * access packages") is shown in the dialog, which stays open so the person can read it.
 */
export function ConfirmDialog({
  title,
  open,
  onClose,
  onConfirm,
  confirmText,
  busyText = 'Working…',
  cancelText = 'Cancel',
  children,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  onConfirm: () => Promise<void>;
  confirmText: string;
  busyText?: string;
  cancelText?: string;
  children: ReactNode;
}) {
  return (
    <Modal title={title} open={open} onClose={onClose}>
      <ConfirmBody onClose={onClose} onConfirm={onConfirm} confirmText={confirmText} busyText={busyText} cancelText={cancelText}>
        {children}
      </ConfirmBody>
    </Modal>
  );
}

// mounted only while the dialog is open, so each opening starts without the last refusal
function ConfirmBody({
  onClose,
  onConfirm,
  confirmText,
  busyText,
  cancelText,
  children,
}: {
  onClose: () => void;
  onConfirm: () => Promise<void>;
  confirmText: string;
  busyText: string;
  cancelText: string;
  children: ReactNode;
}) {
  const action = useAction();
  return (
    <>
      {children}
      <ErrorBanner error={action.error} />
      <DialogActions onCancel={onClose} busy={action.busy} submitText={confirmText} busyText={busyText} cancelText={cancelText} tone="danger" onConfirm={() => void action.run(onConfirm)} />
    </>
  );
}
