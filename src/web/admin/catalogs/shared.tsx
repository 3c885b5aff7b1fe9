import { useEffect, useId, useState } from 'react';
import { errorMessage } from '../../api/client';
import { searchDirectory, type FoundObject, type PrincipalKind } from '../../api/directory';
import { ErrorBanner } from '../../components/ui';

// Small parts the catalog and tenant pages share (loading and the confirmation dialog live in components/, the search in api/directory): a picker that searches directory users and groups.

/**
 * A search box over the directory with a result list; each result has its own button naming the
 * action, so keyboard and screen-reader users pick with Tab and Enter.
 */
export function DirectoryPicker({
  kinds,
  label,
  actionText,
  onPick,
  disabledIds,
}: {
  kinds: PrincipalKind[];
  label: string;
  actionText: string;
  onPick: (o: FoundObject) => Promise<void>;
  disabledIds?: Set<string>;
}) {
  // several pickers may share a page (one per role): each label must name its own input
  const inputId = useId();
  const [text, setText] = useState('');
  const [results, setResults] = useState<FoundObject[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => {
    if (text.trim().length < 1) {
      setResults(null);
      return;
    }
    const ac = new AbortController();
    // wait for a pause in typing before asking the server
    const timer = setTimeout(() => {
      searchDirectory(text, kinds, ac.signal)
        .then((r) => {
          setResults(r);
          setError(null);
        })
        .catch((e) => {
          if (!ac.signal.aborted) setError(errorMessage(e));
        });
    }, 250);
    return () => {
      clearTimeout(timer);
      ac.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text, kinds.join(',')]);
  const pick = async (o: FoundObject) => {
    setBusy(o.id);
    setError(null);
    try {
      await onPick(o);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="picker">
      <div className="field">
        <label htmlFor={inputId}>{label}</label>
        <input id={inputId} type="search" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" placeholder="Type a name" />
      </div>
      <ErrorBanner error={error} />
      {results && results.length === 0 && <p className="empty">Nothing found for “{text}”.</p>}
      {results && results.length > 0 && (
        <ul className="picker-results" aria-label="Search results">
          {results.map((o) => {
            const already = disabledIds?.has(o.id.toLowerCase());
            return (
              <li key={`${o.kind}:${o.id}`}>
                <span>
                  <strong>{o.displayName ?? o.id}</strong>
                  <small className="muted"> {o.kind === 'user' ? o.userPrincipalName : `Group${o.description ? ` · ${o.description}` : ''}`}</small>
                </span>
                <button type="button" onClick={() => void pick(o)} disabled={!!busy || already} aria-label={`${actionText} ${o.displayName ?? o.id}`}>
                  {already ? 'Added' : busy === o.id ? 'Adding…' : actionText}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
