import { useEffect, useId, useState } from 'react';
import { api, errorMessage, query } from '../../api/client';
import { ErrorBanner, Loading } from '../../components/ui';
import { CONNECTIONS } from '../tenant/connection-list';
import type { Connection } from '../tenant/connection-kinds';

// Browsing a connection's groups or roles (GET /latchkey/v1/connections/{id}/resources?search=) to add one
// to a catalog. Like the directory picker, each result has its own button naming it; one the connection
// cannot offer (outside the governed base DN, a login role…) says why instead.

export interface ConnectionResource {
  originId: string;
  displayName: string;
  description: string | null;
  resourceType: string;
  addable: boolean;
  reason?: string | null;
  roles: { originId: string; displayName: string; description?: string | null }[];
}

/** The key a catalog resource from a connection is known by in the picker: connection and origin id. */
export function connectionResourceKey(connectionId: string, originId: string): string {
  return `${connectionId}:${originId.toLowerCase()}`;
}

export function ConnectionResourcePicker({
  connection,
  onPick,
  inCatalog,
}: {
  connection: Connection;
  onPick: (r: ConnectionResource) => Promise<void>;
  inCatalog: Set<string>;
}) {
  const inputId = useId();
  const [text, setText] = useState('');
  const [results, setResults] = useState<ConnectionResource[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    // a connection is asked over the network: wait for a pause in typing
    const timer = setTimeout(
      () => {
        setError(null);
        api<{ value: ConnectionResource[] }>(`${CONNECTIONS}/${connection.id}/resources${query({ search: text.trim(), top: 25 })}`, { signal: ac.signal })
          .then((r) => setResults(r.value))
          .catch((e) => {
            if (ac.signal.aborted) return;
            setResults([]);
            setError(errorMessage(e));
          });
      },
      text ? 300 : 0,
    );
    return () => {
      clearTimeout(timer);
      ac.abort();
    };
  }, [text, connection.id]);

  const pick = async (r: ConnectionResource) => {
    setBusy(r.originId);
    setError(null);
    try {
      await onPick(r);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="picker">
      <div className="field">
        <label htmlFor={inputId}>Search {connection.displayName}</label>
        <input id={inputId} type="search" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" placeholder="Type a name" />
      </div>
      <ErrorBanner error={error} />
      {results === null && !error && <Loading what={`resources of ${connection.displayName}`} />}
      {results && results.length === 0 && !error && <p className="empty">{text.trim() ? `Nothing found for “${text.trim()}”.` : 'This connection offers no resources.'}</p>}
      {results && results.length > 0 && (
        <ul className="picker-results" aria-label="Search results">
          {results.map((r) => {
            const already = inCatalog.has(connectionResourceKey(connection.id, r.originId));
            return (
              <li key={r.originId}>
                <span>
                  <strong>{r.displayName}</strong>
                  <small className="muted">
                    {' '}
                    {r.resourceType}
                    {r.description ? ` · ${r.description}` : ''}
                    {r.roles.length > 0 && ` · roles: ${r.roles.map((x) => x.displayName).join(', ')}`}
                  </small>
                  {!r.addable && r.reason && <small className="field-error"> {r.reason}</small>}
                </span>
                <button type="button" onClick={() => void pick(r)} disabled={!!busy || already || !r.addable} aria-label={`Add ${r.displayName}`}>
                  {already ? 'Added' : busy === r.originId ? 'Adding…' : r.addable ? 'Add' : 'Cannot add'}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
