import { Link, Route, Routes, useParams } from 'react-router';
import { api, EM } from '../../api/client';
import { useMe } from '../../auth/session';
import { canCatalog } from '../../auth/me';
import { TabNav } from '../../components/layout';
import { ErrorBanner, Loading } from '../../components/ui';
import { useLoad } from '../../components/use-load';
import { PackageContext, type PackageContextValue } from './package-context';
import { OverviewTab } from './overview-tab';
import { ResourceRolesTab } from './resource-roles-tab';
import { PoliciesTab } from './policies-tab';
import { PolicyEditorPage } from './policy-editor';
import { AssignmentsTab } from './assignments-tab';
import { RequestsTab } from './requests-tab';
import type { AccessPackage } from './types';

/** One access package: its name, then a tab per address below /admin/packages/{id}. */
export function PackagePage() {
  const { packageId = '' } = useParams();
  const me = useMe();
  const loaded = useLoad<AccessPackage>(packageId, (signal) => api(`${EM}/accessPackages/${encodeURIComponent(packageId)}?$expand=catalog`, { signal }));
  const pkg = loaded.data;

  // a failed reload keeps the package on screen; only a package that never loaded is replaced by the error
  if (loaded.error && !pkg) {
    return (
      <section className="pkg-area">
        <p><Link to="/admin/packages">Access packages</Link></p>
        <h1>Access package</h1>
        <ErrorBanner error={loaded.error} />
      </section>
    );
  }
  if (!pkg || pkg.id.toLowerCase() !== packageId.toLowerCase()) return <Loading what="the access package" />;

  const catalogId = pkg.catalog?.id ?? '';
  const ctx: PackageContextValue = {
    pkg,
    catalogId,
    reload: loaded.reload,
    canWrite: canCatalog(me, 'package.write', catalogId),
    canReadAssignments: canCatalog(me, 'assignment.read', catalogId),
    canWriteAssignments: canCatalog(me, 'assignment.write', catalogId),
  };
  const base = `/admin/packages/${pkg.id}`;
  return (
    <PackageContext.Provider value={ctx}>
      <section className="pkg-area">
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to="/admin/packages">Access packages</Link> <span aria-hidden="true">›</span> <span>{pkg.displayName}</span>
        </nav>
        <h1>
          {pkg.displayName} {pkg.isHidden && <span className="badge neutral">Hidden</span>}
        </h1>
        <p className="muted">Catalog: {pkg.catalog?.displayName ?? '—'}</p>
        <TabNav
          label="Access package"
          links={[
            { to: base, text: 'Overview', end: true },
            { to: `${base}/resource-roles`, text: 'Resource roles' },
            { to: `${base}/policies`, text: 'Policies' },
            { to: `${base}/assignments`, text: 'Assignments' },
            { to: `${base}/requests`, text: 'Requests' },
          ]}
        />
        <Routes>
          <Route index element={<OverviewTab />} />
          <Route path="resource-roles" element={<ResourceRolesTab />} />
          <Route path="policies" element={<PoliciesTab />} />
          <Route path="policies/new" element={<PolicyEditorPage />} />
          <Route path="policies/:policyId" element={<PolicyEditorPage />} />
          <Route path="assignments" element={<AssignmentsTab />} />
          <Route path="requests" element={<RequestsTab />} />
          <Route path="*" element={<p>There is no such tab. <Link to={base}>Back to the overview</Link>.</p>} />
        </Routes>
      </section>
    </PackageContext.Provider>
  );
}
