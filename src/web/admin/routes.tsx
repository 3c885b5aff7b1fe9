import { Navigate, Route, Routes } from 'react-router';
import { SideNav } from '../components/layout';
import { useMe } from '../auth/session';
import { canTenant, isAdministrative } from '../auth/me';
import { CatalogsArea } from './catalogs/routes';
import { PackagesArea } from './packages/routes';
import { TenantArea } from './tenant/routes';

// The admin portal: catalogs, access packages and tenant-wide settings. Links appear only for what the
// person's roles allow; the API refuses the rest anyway.
export function AdminArea() {
  const me = useMe();
  if (!isAdministrative(me)) {
    return (
      <section>
        <h1>Administration</h1>
        <p>You have no administrative role in Latchkey. Use My Access to request access.</p>
      </section>
    );
  }
  const links = [
    { to: '/admin/catalogs', text: 'Catalogs' },
    { to: '/admin/packages', text: 'Access packages' },
    ...(canTenant(me, 'connectedOrganization.read') ? [{ to: '/admin/connected-organizations', text: 'Connected organizations' }] : []),
    ...(canTenant(me, 'settings.write') ? [{ to: '/admin/connections', text: 'Connections' }] : []),
    ...(canTenant(me, 'settings.write') ? [{ to: '/admin/identity-sources', text: 'Identity sources' }] : []),
    ...(canTenant(me, 'settings.read') ? [{ to: '/admin/settings', text: 'Settings' }] : []),
    ...(canTenant(me, 'audit.read') ? [{ to: '/admin/audit', text: 'Audit log' }] : []),
  ];
  return (
    <div className="area">
      <SideNav label="Administration" links={links} />
      <div className="area-content">
        <Routes>
          <Route index element={<Navigate to="packages" replace />} />
          <Route path="catalogs/*" element={<CatalogsArea />} />
          <Route path="packages/*" element={<PackagesArea />} />
          <Route path="*" element={<TenantArea />} />
        </Routes>
      </div>
    </div>
  );
}
