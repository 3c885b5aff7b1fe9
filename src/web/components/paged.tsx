import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage, getPage } from '../api/client';

export interface Paged<T> {
  items: T[];
  loading: boolean;
  error: string | null;
  /** 1-based number of the page shown */
  pageNumber: number;
  count: number | undefined;
  hasNext: boolean;
  hasPrevious: boolean;
  next(): void;
  previous(): void;
  reload(): void;
}

/**
 * Pages through a Graph collection with the server's nextLinks (remembering earlier links to go back).
 * A new `path` (a changed filter or search) starts again at page one.
 */
export function usePaged<T>(path: string | null): Paged<T> {
  const [links, setLinks] = useState<string[]>([]);
  const [index, setIndex] = useState(0);
  const [items, setItems] = useState<T[]>([]);
  const [nextLink, setNextLink] = useState<string | undefined>();
  const [count, setCount] = useState<number | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const current = useRef<AbortController | null>(null);

  useEffect(() => {
    setLinks(path ? [path] : []);
    setIndex(0);
  }, [path]);

  useEffect(() => {
    const link = links[index];
    if (!link) {
      setItems([]);
      setLoading(path === null ? false : true);
      return;
    }
    current.current?.abort();
    const ac = new AbortController();
    current.current = ac;
    setLoading(true);
    setError(null);
    getPage<T>(link, ac.signal)
      .then((p) => {
        if (ac.signal.aborted) return;
        setItems(p.value);
        setNextLink(p.nextLink);
        if (p.count !== undefined) setCount(p.count);
        setLoading(false);
      })
      .catch((e) => {
        if (ac.signal.aborted) return;
        setError(errorMessage(e));
        setLoading(false);
      });
    return () => ac.abort();
  }, [links, index, version, path]);

  const next = useCallback(() => {
    if (!nextLink) return;
    setLinks((l) => [...l.slice(0, index + 1), nextLink]);
    setIndex((i) => i + 1);
  }, [nextLink, index]);
  const previous = useCallback(() => setIndex((i) => Math.max(0, i - 1)), []);
  const reload = useCallback(() => setVersion((v) => v + 1), []);

  return { items, loading, error, pageNumber: index + 1, count, hasNext: !!nextLink, hasPrevious: index > 0, next, previous, reload };
}

export function Pager({ paged, label }: { paged: Paged<unknown>; label: string }) {
  if (!paged.hasNext && !paged.hasPrevious) return null;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={paged.previous} disabled={!paged.hasPrevious || paged.loading}>
        Previous
      </button>
      <span>
        Page {paged.pageNumber}
        {paged.count !== undefined ? ` · ${paged.count} in all` : ''}
      </span>
      <button type="button" onClick={paged.next} disabled={!paged.hasNext || paged.loading}>
        Next
      </button>
    </nav>
  );
}
