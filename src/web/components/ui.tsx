import { useEffect, useId, useRef, type ReactNode } from 'react';

// Small building blocks shared by both portals. Every control has a visible label or an aria-label,
// and states (loading, empty, error) are announced to assistive technology.

export function Loading({ what }: { what?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading{what ? ` ${what}` : ''}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function ErrorBanner({ error }: { error?: string | null }) {
  if (!error) return null;
  return (
    <div className="error-banner" role="alert">
      {error}
    </div>
  );
}

export function Notice({ children }: { children?: ReactNode }) {
  if (!children) return null;
  return (
    <div className="notice" role="status">
      {children}
    </div>
  );
}

/** A labelled form control with an optional hint and a validation message tied to it. */
export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: ReactNode;
  error?: string | null;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {hint && (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={errorId} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

/** A modal dialog on the native <dialog> element: focus is trapped and Escape closes it. */
export function Modal({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose} onCancel={onClose}>
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      {open && children}
    </dialog>
  );
}

/** Shows a status as a coloured badge: green for delivered/approved, amber for pending, red for failures. */
export function StatusBadge({ status }: { status: string | null | undefined }) {
  if (!status) return null;
  const s = status.toLowerCase();
  const tone = /fail|denied|error|cancel/.test(s) ? 'bad' : /deliver|approv|accept|complet|enabled|active/.test(s) && !/partial|pending/.test(s) ? 'good' : /expired|removed|ended/.test(s) ? 'neutral' : 'warn';
  return <span className={`badge ${tone}`}>{status}</span>;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function PageHeader({ title, actions, children }: { title: string; actions?: ReactNode; children?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {children}
      </div>
      {actions && <div className="actions">{actions}</div>}
    </header>
  );
}

/** A button that is either usable or visibly disabled with the reason as its tooltip and accessible description. */
export function ActionButton({
  disabledReason,
  children,
  className,
  ...props
}: React.ButtonHTMLAttributes<HTMLButtonElement> & { disabledReason?: string | null }) {
  const id = useId();
  return (
    <>
      <button
        type="button"
        {...props}
        className={className}
        disabled={!!disabledReason || props.disabled}
        title={disabledReason ?? props.title}
        aria-describedby={disabledReason ? `${id}-why` : undefined}
      >
        {children}
      </button>
      {disabledReason && (
        <span id={`${id}-why`} className="visually-hidden">
          {disabledReason}
        </span>
      )}
    </>
  );
}
