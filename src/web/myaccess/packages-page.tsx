import { useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { EM, odataString, query } from '../api/client';
import { Pager, usePaged } from '../components/paged';
import { Empty, ErrorBanner, Loading, PageHeader } from '../components/ui';
import type { AccessPackage } from './types';

const PAGE_SIZE = 20;

/** The filter for a search text: name or description contains it, any case. */
export function searchFilter(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  if (!t) return undefined;
  const s = odataString(t);
  return `contains(tolower(displayName),${s}) or contains(tolower(description),${s})`;
}

/** Packages the person may request (hidden ones are left out by the API), with search and paging. */
export function PackagesPage() {
  const [text, setText] = useState('');
  const [applied, setApplied] = useState('');
  const searchId = useId();
  // search as the person types, once they pause
  useEffect(() => {
    const t = setTimeout(() => setApplied(text), 300);
    return () => clearTimeout(t);
  }, [text]);

  const path = `${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')${query({ $top: PAGE_SIZE, $count: true, $orderby: 'displayName', $filter: searchFilter(applied) })}`;
  const paged = usePaged<AccessPackage>(path);

  return (
    <section>
      <PageHeader title="Access packages">
        <p className="muted">Packages you can request. A package shared with you by a direct link opens from that link.</p>
      </PageHeader>
      <form
        className="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(text);
        }}
      >
        <label htmlFor={searchId} className="visually-hidden">
          Search access packages
        </label>
        <input id={searchId} type="search" placeholder="Search by name or description" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Search</button>
      </form>
      <ErrorBanner error={paged.error} />
      {paged.loading ? (
        <Loading what="access packages" />
      ) : paged.items.length === 0 ? (
        <Empty>{applied.trim() ? `No access package you can request matches “${applied.trim()}”.` : 'There is no access package you can request at the moment.'}</Empty>
      ) : (
        <ul className="cards" aria-label="Access packages you can request">
          {paged.items.map((p) => (
            <li key={p.id} className="ma-card">
              <h2 className="ma-card-title">{p.displayName}</h2>
              <p className="muted">{p.description || 'No description.'}</p>
              <Link className="button primary" to={`/myaccess/packages/${p.id}`} aria-label={`Request ${p.displayName}`}>
                Request
              </Link>
            </li>
          ))}
        </ul>
      )}
      <Pager paged={paged} label="Access packages" />
    </section>
  );
}
