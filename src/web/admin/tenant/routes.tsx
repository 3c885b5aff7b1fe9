import { Navigate, Route, Routes } from 'react-router';
import { useMe } from '../../auth/session';
import { canTenant, type TenantAction } from '../../auth/me';
import type { ReactNode } from 'react';
import { AuditLogPage } from './audit-log';
import { ConnectionList } from './connection-list';
import { IdentitySourceList } from './identity-source-list';
import { ConnectedOrganizationList } from './connected-org-list';
import { ConnectedOrganizationPage } from './connected-org-page';
import { SettingsPage } from './settings-page';
import { TenantRolesPage } from './tenant-roles';
import '../catalogs/catalogs.css';

// Tenant-wide administration: connected organizations, connections to target systems, identity sources, settings, tenant roles and the audit log.
// Routes are relative to /admin.
export function TenantArea() {
  return (
    <Routes>
      <Route path="connected-organizations" element={<Requires action="connectedOrganization.read"><ConnectedOrganizationList /></Requires>} />
      <Route path="connected-organizations/:id" element={<Requires action="connectedOrganization.read"><ConnectedOrganizationPage /></Requires>} />
      <Route path="connections" element={<Requires action="settings.write"><ConnectionList /></Requires>} />
      <Route path="identity-sources" element={<Requires action="settings.write"><IdentitySourceList /></Requires>} />
      <Route path="settings" element={<Requires action="settings.read"><SettingsPage /></Requires>} />
      <Route path="roles" element={<Requires action="roleAssignment.tenant.write"><TenantRolesPage /></Requires>} />
      <Route path="audit" element={<Requires action="audit.read"><AuditLogPage /></Requires>} />
      <Route path="*" element={<Navigate to="/admin/packages" replace />} />
    </Routes>
  );
}

/** A page the person's roles do not open says so instead of showing the API's refusal. */
function Requires({ action, children }: { action: TenantAction; children: ReactNode }) {
  const me = useMe();
  if (canTenant(me, action)) return <>{children}</>;
  return (
    <section>
      <h1>Not available</h1>
      <p>Your roles in Latchkey do not include this page. Ask an administrator if you need it.</p>
    </section>
  );
}
