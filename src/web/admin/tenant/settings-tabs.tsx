import { TabNav } from '../../components/layout';
import { useMe } from '../../auth/session';
import { canTenant } from '../../auth/me';

/** Settings and tenant roles share a page header's tabs; the roles tab shows only to those who assign them. */
export function SettingsTabs() {
  const me = useMe();
  return (
    <TabNav
      label="Settings"
      links={[
        { to: '/admin/settings', text: 'External users', end: true },
        ...(canTenant(me, 'roleAssignment.tenant.write') ? [{ to: '/admin/roles', text: 'Roles and administrators' }] : []),
      ]}
    />
  );
}
