import { useState, type ReactNode } from 'react';
import { errorMessage } from '../../api/client';
import { ErrorBanner, Modal } from '../../components/ui';

/** A yes/no question in a dialog; the action's error (the API's message) stays in the dialog. */
export function ConfirmDialog({ title, open, confirmText, danger, onClose, onConfirm, children }: {
  title: string;
  open: boolean;
  confirmText: string;
  danger?: boolean;
  onClose: () => void;
  onConfirm: () => Promise<void>;
  children: ReactNode;
}) {
  return (
    <Modal title={title} open={open} onClose={onClose}>
      <ConfirmBody confirmText={confirmText} danger={danger} onClose={onClose} onConfirm={onConfirm}>{children}</ConfirmBody>
    </Modal>
  );
}

function ConfirmBody({ confirmText, danger, onClose, onConfirm, children }: { confirmText: string; danger?: boolean; onClose: () => void; onConfirm: () => Promise<void>; children: ReactNode }) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  async function go() {
    setBusy(true);
    setFailure(null);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setFailure(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div>
      {children}
      <ErrorBanner error={failure} />
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="button" className={danger ? 'danger' : 'primary'} onClick={() => void go()} disabled={busy}>{busy ? 'Working…' : confirmText}</button>
      </div>
    </div>
  );
}
