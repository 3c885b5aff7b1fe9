import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { getPage, type Page } from '../api/client';
import { Empty, Loading } from './ui';
import { useLoad } from './use-load';

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
  const [count, setCount] = useState<number | undefined>();
  const link = links[index] ?? null;
  // the page being turned to replaces the shown one only when it arrives, so the table does not blink empty
  const page = useLoad<Page<T>>(link, (signal) => getPage<T>(link as string, signal), { keepStale: true });
  const nextLink = page.data?.nextLink;

  useEffect(() => {
    setLinks(path ? [path] : []);
    setIndex(0);
  }, [path]);

  // the total comes with the first page only; keep it while paging on
  useEffect(() => {
    if (page.data?.count !== undefined) setCount(page.data.count);
  }, [page.data]);

  const next = useCallback(() => {
    if (!nextLink) return;
    setLinks((l) => [...l.slice(0, index + 1), nextLink]);
    setIndex((i) => i + 1);
  }, [nextLink, index]);
  const previous = useCallback(() => setIndex((i) => Math.max(0, i - 1)), []);

  const items = link === null ? [] : (page.data?.value ?? []);
  // between a new path and its first link the pager is about to load, not idle
  const loading = link === null ? path !== null : page.loading;
  return { items, loading, error: page.error, reload: page.reload, pageNumber: index + 1, count, hasNext: !!nextLink, hasPrevious: index > 0, next, previous };
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

/**
 * A paged list's body: "Loading…" before the first page, the empty message when nothing came back (and
 * nothing failed; the error banner says why otherwise), else the list itself.
 */
export function PagedContent({ paged, what, empty, children }: { paged: Paged<unknown>; what: string; empty: ReactNode; children: ReactNode }) {
  if (paged.loading && paged.items.length === 0) return <Loading what={what} />;
  if (paged.items.length === 0 && !paged.error) return <Empty>{empty}</Empty>;
  return <>{children}</>;
}
