import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, EM, odataString, query } from '../../api/client';
import { useMe, useSession } from '../../auth/session';
import { canTenant } from '../../auth/me';
import { PagedContent, Pager, usePaged } from '../../components/paged';
import { ErrorBanner, Modal, PageHeader, formatDate } from '../../components/ui';
import { CatalogForm, type CatalogInput } from './catalog-form';
import { EnabledBadge } from './badges';
import type { Catalog } from './types';

// All catalogs the person may read (the API scopes the list), searchable by name, a page at a time.
export function CatalogList() {
  const me = useMe();
  const { refresh } = useSession();
  const navigate = useNavigate();
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const filter = search.trim() ? `contains(displayName,${odataString(search.trim())})` : undefined;
  const paged = usePaged<Catalog>(`${EM}/catalogs${query({ $filter: filter, $top: 20, $count: true, $orderby: 'displayName' })}`);

  const create = async (input: CatalogInput) => {
    const created = await api<Catalog>(`${EM}/catalogs`, { method: 'POST', body: input });
    // a catalog creator becomes the new catalog's owner: re-read the roles before opening it
    await refresh();
    navigate(`/admin/catalogs/${created.id}`);
  };

  return (
    <section>
      <PageHeader
        title="Catalogs"
        actions={
          canTenant(me, 'catalog.create') && (
            <button type="button" className="primary" onClick={() => setCreating(true)}>
              New catalog
            </button>
          )
        }
      >
        <p className="muted">A catalog groups resources and the access packages built from them, with its own owners and managers.</p>
      </PageHeader>
      <div className="toolbar" role="search">
        <div className="field">
          <label htmlFor="catalog-search">Search catalogs</label>
          <input id="catalog-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Name contains…" />
        </div>
      </div>
      <ErrorBanner error={paged.error} />
      <PagedContent paged={paged} what="catalogs" empty={filter ? 'No catalog matches this search.' : 'There are no catalogs you can see yet.'}>
        <div className="table-wrap">
          <table className="responsive lk-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Enabled</th>
                <th scope="col">External users</th>
                <th scope="col">Modified</th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((c) => (
                <tr key={c.id}>
                  <td data-label="Name">
                    <Link to={`/admin/catalogs/${c.id}`}>{c.displayName}</Link>
                  </td>
                  <td data-label="Description">{c.description ?? '—'}</td>
                  <td data-label="Enabled">
                    <EnabledBadge enabled={c.state === 'published'} />
                  </td>
                  <td data-label="External users">{c.isExternallyVisible ? 'Allowed' : 'Not allowed'}</td>
                  <td data-label="Modified">{formatDate(c.modifiedDateTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </PagedContent>
      <Pager paged={paged} label="Catalogs" />
      <Modal title="New catalog" open={creating} onClose={() => setCreating(false)}>
        <CatalogForm submitText="Create" onSubmit={create} onCancel={() => setCreating(false)} />
      </Modal>
    </section>
  );
}
