import { useId, useRef, useState } from 'react';

/**
 * The package's direct My Access link, with a Copy button. The link also stays visible in a read-only
 * field, so it can be copied by hand where the clipboard API is unavailable (plain http, old browsers).
 */
export function MyAccessLink({ packageId }: { packageId: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState<string>('');
  const link = `${location.origin}/myaccess/packages/${packageId}`;

  async function copy() {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(link);
      setStatus('Link copied.');
    } catch {
      input.current?.focus();
      input.current?.select();
      setStatus('Copying is not available here: the link is selected, press Ctrl+C (⌘C) to copy it.');
    }
  }

  return (
    <div className="panel">
      <h2 className="panel-title">My Access portal link</h2>
      <p className="muted">Share this link with the people who should request the package; it also opens a hidden package.</p>
      <div className="copy-row">
        <label htmlFor={id} className="visually-hidden">My Access link</label>
        <input id={id} ref={input} type="text" readOnly value={link} onFocus={(e) => e.target.select()} />
        <button type="button" onClick={() => void copy()}>Copy link</button>
      </div>
      <p role="status" aria-live="polite" className="muted small">{status}</p>
    </div>
  );
}
