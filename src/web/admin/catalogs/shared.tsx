import { useEffect, useId, useState } from 'react';
import { errorMessage, getPage, odataString, query } from '../../api/client';
import { ErrorBanner } from '../../components/ui';

// Small parts the catalog and tenant pages share (loading and the confirmation dialog live in components/): a picker that searches directory users and groups.

export interface DirectoryObject {
  '@odata.type'?: string;
  id: string;
  displayName: string | null;
  userPrincipalName?: string | null;
  mail?: string | null;
  description?: string | null;
}

export type PrincipalKind = 'user' | 'group';

export function kindOf(o: DirectoryObject): PrincipalKind {
  return o['@odata.type']?.toLowerCase().endsWith('group') ? 'group' : 'user';
}

/** Searches users and/or groups by the start of their name (and users by sign-in name too). */
export async function searchDirectory(text: string, kinds: PrincipalKind[], signal?: AbortSignal): Promise<(DirectoryObject & { kind: PrincipalKind })[]> {
  const t = odataString(text.trim());
  const found: (DirectoryObject & { kind: PrincipalKind })[] = [];
  if (kinds.includes('user')) {
    const users = await getPage<DirectoryObject>(
      `/v1.0/users${query({ $filter: `startswith(displayName,${t}) or startswith(userPrincipalName,${t}) or startswith(surname,${t})`, $top: 10, $select: 'id,displayName,userPrincipalName,mail' })}`,
      signal,
    );
    found.push(...users.value.map((u) => ({ ...u, kind: 'user' as const })));
  }
  if (kinds.includes('group')) {
    const groups = await getPage<DirectoryObject>(`/v1.0/groups${query({ $filter: `contains(displayName,${t})`, $top: 10, $select: 'id,displayName,description,mail' })}`, signal);
    found.push(...groups.value.map((g) => ({ ...g, kind: 'group' as const })));
  }
  return found;
}

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
  onPick: (o: DirectoryObject & { kind: PrincipalKind }) => Promise<void>;
  disabledIds?: Set<string>;
}) {
  // several pickers may share a page (one per role): each label must name its own input
  const inputId = useId();
  const [text, setText] = useState('');
  const [results, setResults] = useState<(DirectoryObject & { kind: PrincipalKind })[] | null>(null);
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
  const pick = async (o: DirectoryObject & { kind: PrincipalKind }) => {
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
