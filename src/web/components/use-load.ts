import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/client';

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload(): void;
}

export interface LoadOptions {
  /** keep showing what was loaded for the previous key until the new key's answer arrives (a pager turning pages) */
  keepStale?: boolean;
}

/**
 * Loads something once per `key` (and again on reload()), dropping answers that arrive after the key
 * changed or the component left. The one loading hook of all portals: pages, tabs and the pager use it.
 */
export function useLoad<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>, options: LoadOptions = {}): Loaded<T> {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(key !== null);
  const [version, setVersion] = useState(0);
  const shownKey = useRef(key);

  useEffect(() => {
    // another thing to load: forget the old one (a reload keeps it on screen meanwhile)
    if (shownKey.current !== key) {
      shownKey.current = key;
      if (!options.keepStale || key === null) setData(undefined);
    }
    if (key === null) {
      setLoading(false);
      return;
    }
    const ac = new AbortController();
    setLoading(true);
    setError(null);
    load(ac.signal)
      .then((d) => {
        if (ac.signal.aborted) return;
        setData(d);
        setLoading(false);
      })
      .catch((e) => {
        if (ac.signal.aborted) return;
        setError(errorMessage(e));
        setLoading(false);
      });
    return () => ac.abort();
    // `load` is a fresh closure each render; `key` says when what it loads changes
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data, error, loading, reload };
}
