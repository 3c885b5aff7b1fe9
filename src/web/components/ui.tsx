import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

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
  const limit = useLengthLimit();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const limitId = limit.text ? `${id}-limit` : undefined;
  const describedBy = [hintId, limitId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field" ref={limit.ref}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {hint && (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
      <small id={`${id}-limit`} className={limit.cut ? 'field-limit cut' : 'field-limit'} aria-live="polite" hidden={!limit.text}>
        {limit.text}
      </small>
      {error && (
        <small id={errorId} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

/**
 * What a length-limited control (an input or textarea with maxLength) of a Field says as it is typed in:
 * the browser cuts a longer paste or typing silently at maxLength, so this notices the text that did not fit
 * (from the beforeinput event) and says so, and counts the characters once the text is near its limit.
 */
function useLengthLimit() {
  const [state, setState] = useState<{ length: number; max: number; wanted: number } | null>(null);
  const [el, setEl] = useState<HTMLDivElement | null>(null);
  useEffect(() => {
    if (!el) return;
    const control = (t: EventTarget | null) => (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement) && el.contains(t) && t.maxLength > 0 ? t : null;
    // how long the text would have been without the cut; read when the input event follows
    let wanted = 0;
    const onBefore = (e: Event) => {
      const c = control(e.target);
      const ie = e as InputEvent;
      if (!c) return;
      const inserted = ie.inputType.startsWith('insert') ? (ie.data ?? ie.dataTransfer?.getData('text/plain') ?? '') : '';
      const selected = (c.selectionEnd ?? 0) - (c.selectionStart ?? 0);
      wanted = c.value.length - selected + inserted.length;
    };
    // on the document, so React has handled the control's change first: a render of this Field in between
    // (from a listener below React's root) would put the controlled input's old value back
    const onInput = (e: Event) => {
      const c = control(e.target);
      if (!c) return;
      const cut = wanted > c.maxLength;
      setState((s) => (!cut && s && s.wanted > s.max && c.value.length >= c.maxLength ? { ...s, length: c.value.length } : { length: c.value.length, max: c.maxLength, wanted: cut ? wanted : c.value.length }));
      wanted = 0;
    };
    // the text a form starts with (an edited name) may already be near its limit
    const first = control(el.querySelector('input, textarea'));
    if (first) setState({ length: first.value.length, max: first.maxLength, wanted: first.value.length });
    document.addEventListener('beforeinput', onBefore);
    document.addEventListener('input', onInput);
    return () => {
      document.removeEventListener('beforeinput', onBefore);
      document.removeEventListener('input', onInput);
    };
  }, [el]);
  return { ref: setEl, ...lengthLimitText(state) };
}

/** The words under a length-limited control: a cut, or a count from 90% of the limit on; nothing before. */
export function lengthLimitText(s: { length: number; max: number; wanted: number } | null): { text: string; cut: boolean } {
  if (!s) return { text: '', cut: false };
  const n = (x: number) => x.toLocaleString('en');
  if (s.wanted > s.max) return { text: `Cut to ${n(s.max)} characters: only the first ${n(s.max)} of the ${n(s.wanted)} entered were kept (at most ${n(s.max)} are allowed).`, cut: true };
  if (s.length >= Math.floor(s.max * 0.9)) return { text: `${n(s.length)} of ${n(s.max)} characters.`, cut: false };
  return { text: '', cut: false };
}

/** A modal dialog on the native <dialog> element: focus is trapped and Escape closes it. */
export function Modal({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      return focusFirstField(d, bodyRef.current);
    }
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
      <div ref={bodyRef}>{open && children}</div>
    </dialog>
  );
}

const FIELDS = 'input:not([type="hidden"]):not([disabled]), select:not([disabled]), textarea:not([disabled])';

/**
 * showModal() focuses the first focusable element, the × in the head: move focus to the first field of the
 * body instead (or its first button, e.g. a confirmation's Cancel). A form that loads first gets its field
 * focused when it appears, unless the person has moved focus meanwhile. Returns the cleanup.
 */
function focusFirstField(dialog: HTMLDialogElement, body: HTMLElement | null): (() => void) | undefined {
  if (!body) return undefined;
  /** true when focused (or nothing left to wait for) */
  const place = (): boolean => {
    const field = body.querySelector<HTMLElement>(FIELDS);
    if (field) {
      field.focus();
      return true;
    }
    // "Loading…" (role=status): the form's fields are still to come
    if (body.querySelector('.loading[role="status"]')) return false;
    body.querySelector<HTMLElement>('button:not([disabled])')?.focus();
    return true;
  };
  if (place()) return undefined;
  // where showModal() put focus (the ×, or the dialog itself): the person has not moved on yet
  const untouched = () => document.activeElement === dialog || document.activeElement === document.body || !!dialog.querySelector('.dialog-head')?.contains(document.activeElement);
  const observer = new MutationObserver(() => {
    if (!untouched() || place()) observer.disconnect();
  });
  observer.observe(body, { childList: true, subtree: true });
  return () => observer.disconnect();
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
