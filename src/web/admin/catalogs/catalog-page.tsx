import { Route, Routes, useParams } from 'react-router';
import { api, EM } from '../../api/client';
import { TabNav } from '../../components/layout';
import { ErrorBanner, Loading, PageHeader } from '../../components/ui';
import { CatalogOverview } from './catalog-overview';
import { CatalogPackages } from './catalog-packages';
import { CatalogResources } from './catalog-resources';
import { CatalogRoles } from './catalog-roles';
import { useLoad } from '../../components/use-load';
import type { Catalog } from './types';

// One catalog: its header and tabs, each tab with its own address below /admin/catalogs/{id}.
export function CatalogPage() {
  const { id = '' } = useParams();
  const catalog = useLoad<Catalog>(id, (signal) => api<Catalog>(`${EM}/catalogs/${encodeURIComponent(id)}`, { signal }));
  if (catalog.error) {
    return (
      <section>
        <h1>Catalog</h1>
        <ErrorBanner error={catalog.error} />
      </section>
    );
  }
  if (!catalog.data || catalog.data.id !== id) return <Loading what="catalog" />;
  const c = catalog.data;
  const base = `/admin/catalogs/${c.id}`;
  return (
    <section>
      <PageHeader title={c.displayName}>
        <p className="muted">Catalog{c.description ? ` · ${c.description}` : ''}</p>
      </PageHeader>
      <TabNav
        label="Catalog"
        links={[
          { to: base, text: 'Overview', end: true },
          { to: `${base}/resources`, text: 'Resources' },
          { to: `${base}/packages`, text: 'Access packages' },
          { to: `${base}/roles`, text: 'Roles and administrators' },
        ]}
      />
      <Routes>
        <Route index element={<CatalogOverview catalog={c} onChanged={catalog.reload} />} />
        <Route path="resources" element={<CatalogResources catalog={c} />} />
        <Route path="packages" element={<CatalogPackages catalog={c} />} />
        <Route path="roles" element={<CatalogRoles catalog={c} />} />
      </Routes>
    </section>
  );
}
