import { useState } from 'react';
import { Link } from 'react-router';
import { EM, odataString, query } from '../../api/client';
import { PagedContent, Pager, usePaged } from '../../components/paged';
import { ErrorBanner, formatDate } from '../../components/ui';
import type { AccessPackage, Catalog } from './types';

// The access packages of one catalog; each opens in the access package pages.
export function CatalogPackages({ catalog }: { catalog: Catalog }) {
  const [search, setSearch] = useState('');
  const filter = search.trim() ? `contains(displayName,${odataString(search.trim())})` : undefined;
  const paged = usePaged<AccessPackage>(`${EM}/catalogs/${catalog.id}/accessPackages${query({ $filter: filter, $top: 20, $count: true, $orderby: 'displayName' })}`);
  return (
    <div>
      <div className="toolbar" role="search">
        <div className="field">
          <label htmlFor="catalog-package-search">Search access packages</label>
          <input id="catalog-package-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Name contains…" />
        </div>
      </div>
      <ErrorBanner error={paged.error} />
      <PagedContent paged={paged} what="access packages" empty={filter ? 'No access package matches this search.' : 'This catalog has no access packages yet.'}>
        <div className="table-wrap">
          <table className="responsive lk-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Hidden</th>
                <th scope="col">Modified</th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((p) => (
                <tr key={p.id}>
                  <td data-label="Name">
                    <Link to={`/admin/packages/${p.id}`}>{p.displayName}</Link>
                  </td>
                  <td data-label="Description">{p.description || '—'}</td>
                  <td data-label="Hidden">{p.isHidden ? 'Yes' : 'No'}</td>
                  <td data-label="Modified">{formatDate(p.modifiedDateTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </PagedContent>
      <Pager paged={paged} label="Access packages" />
    </div>
  );
}
