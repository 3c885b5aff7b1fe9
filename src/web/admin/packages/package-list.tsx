import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { EM, getAll, odataString, query } from '../../api/client';
import { useMe } from '../../auth/session';
import { canCatalog, canSomeCatalog, type Me } from '../../auth/me';
import { PagedContent, Pager, usePaged } from '../../components/paged';
import { ActionButton, ErrorBanner, PageHeader } from '../../components/ui';
import { useLoad } from '../../components/use-load';
import { NewPackageDialog } from './new-package-dialog';
import type { AccessPackage, Catalog } from './types';

/** Catalogs whose packages the admin portal lists: all when a tenant role reads every catalog, else the person's own. */
function readableCatalogFilter(me: Me): string | null {
  if (me.can.anyCatalog.includes('catalog.read')) return null;
  const ids = Object.entries(me.can.catalogs).filter(([, a]) => a.includes('catalog.read')).map(([id]) => odataString(id));
  return ids.length ? `catalog/id in (${ids.join(',')})` : `catalog/id eq '00000000-0000-0000-0000-000000000000'`;
}

export function PackageList() {
  const me = useMe();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const search = params.get('q') ?? '';
  const catalogId = params.get('catalog') ?? '';
  const [draft, setDraft] = useState(search);
  // only the filter and the new-package dialog use them: without them, the list still works
  const catalogList = useLoad('catalogs', (signal) => getAll<Catalog>(`${EM}/catalogs?$select=id,displayName,state&$orderby=displayName`, signal).catch((): Catalog[] => []));
  const catalogs = catalogList.data ?? [];
  const [creating, setCreating] = useState(false);

  // search as you type, a moment after the last key
  useEffect(() => {
    const t = setTimeout(() => {
      if (draft === search) return;
      setParams((p) => {
        const n = new URLSearchParams(p);
        if (draft) n.set('q', draft);
        else n.delete('q');
        return n;
      }, { replace: true });
    }, 300);
    return () => clearTimeout(t);
  }, [draft, search, setParams]);

  const path = useMemo(() => {
    const filters = [readableCatalogFilter(me)];
    if (search.trim()) filters.push(`contains(displayName,${odataString(search.trim())})`);
    if (catalogId) filters.push(`catalog/id eq ${odataString(catalogId)}`);
    const filter = filters.filter(Boolean).map((f) => `(${f})`).join(' and ');
    return `${EM}/accessPackages${query({ $filter: filter, $expand: 'catalog($select=id,displayName)', $orderby: 'displayName', $top: 20, $count: true })}`;
  }, [me, search, catalogId]);
  const paged = usePaged<AccessPackage>(path);
  const writable = catalogs.filter((c) => canCatalog(me, 'package.write', c.id));
  const mayCreate = canSomeCatalog(me, 'package.write');

  return (
    <section className="pkg-area">
      <PageHeader
        title="Access packages"
        actions={
          <ActionButton className="primary" onClick={() => setCreating(true)} disabledReason={mayCreate ? null : 'You manage access packages in no catalog.'}>
            New access package
          </ActionButton>
        }
      >
        <p className="muted">Bundles of resource roles that people request or are assigned, with the policies that govern them.</p>
      </PageHeader>
      <div className="toolbar" role="search">
        <div className="field">
          <label htmlFor="pkg-search">Search by name</label>
          <input id="pkg-search" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Name contains…" />
        </div>
        <div className="field">
          <label htmlFor="pkg-catalog">Catalog</label>
          <select
            id="pkg-catalog"
            value={catalogId}
            onChange={(e) => setParams((p) => {
              const n = new URLSearchParams(p);
              if (e.target.value) n.set('catalog', e.target.value);
              else n.delete('catalog');
              return n;
            })}
          >
            <option value="">All catalogs</option>
            {catalogs.map((c) => (
              <option key={c.id} value={c.id}>{c.displayName}</option>
            ))}
          </select>
        </div>
      </div>
      <ErrorBanner error={paged.error} />
      <PagedContent paged={paged} what="access packages" empty={search || catalogId ? 'No access package matches this search.' : 'There are no access packages yet.'}>
        <div className="table-wrap">
          <table className="responsive">
            <caption className="visually-hidden">Access packages</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Catalog</th>
                <th scope="col">Hidden</th>
                <th scope="col">Modified</th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((p) => (
                <tr key={p.id}>
                  <td data-label="Name">
                    <div>
                      <Link to={`/admin/packages/${p.id}`}>{p.displayName}</Link>
                      {p.description && <div className="muted small">{p.description}</div>}
                    </div>
                  </td>
                  <td data-label="Catalog">{p.catalog?.displayName ?? '—'}</td>
                  <td data-label="Hidden">{p.isHidden ? 'Yes' : 'No'}</td>
                  <td data-label="Modified">{new Date(p.modifiedDateTime).toLocaleDateString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </PagedContent>
      <Pager paged={paged} label="Access packages" />
      <NewPackageDialog
        open={creating}
        catalogs={writable}
        defaultCatalogId={catalogId && writable.some((c) => c.id === catalogId) ? catalogId : undefined}
        onClose={() => setCreating(false)}
        onCreated={(id) => navigate(`/admin/packages/${id}`)}
      />
    </section>
  );
}
