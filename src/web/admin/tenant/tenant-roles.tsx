import { useState } from 'react';
import { api, getAll, odataString, query } from '../../api/client';
import { useMe, useSession } from '../../auth/session';
import { canTenant } from '../../auth/me';
import { ActionButton, Empty, ErrorBanner, Loading, Modal, Notice, PageHeader } from '../../components/ui';
import { ROLE_ASSIGNMENTS, nameOf, type RoleAssignment } from '../catalogs/catalog-roles';
import { DirectoryPicker } from '../catalogs/shared';
import { kindOf, type DirectoryObject } from '../../api/directory';
import { ConfirmDialog } from '../../components/dialogs';
import { useLoad } from '../../components/use-load';
import { SettingsTabs } from './settings-tabs';

/** The tenant-wide roles of entitlement management (src/domain/authorization.ts RoleDefinitionIds). */
const TENANT_ROLES = [
  { id: '45d8d3c5-c802-45c6-b32a-1d70b5e1e86e', name: 'Identity Governance Administrator', about: 'Manages every catalog, access package, policy, assignment, connected organization and setting.' },
  { id: 'ba92d953-d8e0-4e39-a797-0cbedb0a89e8', name: 'Catalog creator', about: 'Creates catalogs and becomes the first owner of each catalog it creates.' },
  { id: 'e65cf63f-9cc2-4b48-8871-cb667e9d90fb', name: 'Connected organization administrator', about: 'Creates and manages connected organizations.' },
] as const;
type TenantRole = (typeof TENANT_ROLES)[number];

// Who holds the tenant-wide roles, with add and remove for administrators.
export function TenantRolesPage() {
  const me = useMe();
  const { refresh } = useSession();
  const assignments = useLoad<RoleAssignment[]>('tenant-roles', (signal) =>
    getAll<RoleAssignment>(`${ROLE_ASSIGNMENTS}${query({ $filter: `appScopeId eq ${odataString('/')}`, $expand: 'principal' })}`, signal),
  );
  const [adding, setAdding] = useState<TenantRole | null>(null);
  const [removing, setRemoving] = useState<{ assignment: RoleAssignment; role: TenantRole } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const noWrite = canTenant(me, 'roleAssignment.tenant.write') ? null : 'Only administrators can assign tenant roles.';

  const add = async (o: DirectoryObject) => {
    if (!adding) return;
    await api(ROLE_ASSIGNMENTS, { method: 'POST', body: { principalId: o.id, roleDefinitionId: adding.id, appScopeId: '/' } });
    setNotice(`${o.displayName ?? o.id} is now ${adding.name}.`);
    setAdding(null);
    assignments.reload();
  };
  const remove = async () => {
    if (!removing) return;
    await api(`${ROLE_ASSIGNMENTS}/${removing.assignment.id}`, { method: 'DELETE' });
    setNotice(`${nameOf(removing.assignment)} is no longer ${removing.role.name}.`);
    setRemoving(null);
    assignments.reload();
    if (removing.assignment.principalId.toLowerCase() === me.id.toLowerCase()) await refresh();
  };

  return (
    <section>
      <PageHeader title="Settings">
        <p className="muted">Tenant-wide entitlement management settings.</p>
      </PageHeader>
      <SettingsTabs />
      <Notice>{notice}</Notice>
      <ErrorBanner error={assignments.error} />
      {!assignments.data
        ? !assignments.error && <Loading what="role assignments" />
        : TENANT_ROLES.map((role) => {
            const holders = assignments.data!.filter((a) => a.roleDefinitionId.toLowerCase() === role.id);
            const headingId = `tenant-role-${role.id}`;
            return (
              <section key={role.id} className="panel" aria-labelledby={headingId}>
                <div className="page-header">
                  <div>
                    <h2 id={headingId}>{role.name}</h2>
                    <p className="muted">{role.about}</p>
                  </div>
                  <div className="actions">
                    <ActionButton onClick={() => setAdding(role)} disabledReason={noWrite} aria-label={`Add ${role.name}`}>
                      Add
                    </ActionButton>
                  </div>
                </div>
                {holders.length === 0 ? (
                  <Empty>Nobody holds this role.</Empty>
                ) : (
                  <ul className="plain sponsor-list">
                    {holders.map((a) => (
                      <li key={a.id}>
                        <span>
                          {nameOf(a)} <small className="muted">{a.principal && kindOf(a.principal) === 'group' ? 'Group' : (a.principal?.userPrincipalName ?? '')}</small>
                        </span>
                        <ActionButton className="link" onClick={() => setRemoving({ assignment: a, role })} disabledReason={noWrite} aria-label={`Remove ${nameOf(a)} from ${role.name}`}>
                          Remove
                        </ActionButton>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            );
          })}
      <Modal title={adding ? `Add ${adding.name}` : 'Add'} open={!!adding} onClose={() => setAdding(null)}>
        {adding && (
          <DirectoryPicker
            kinds={['user', 'group']}
            label="Search users and groups"
            actionText="Select"
            onPick={add}
            disabledIds={new Set((assignments.data ?? []).filter((a) => a.roleDefinitionId.toLowerCase() === adding.id).map((a) => a.principalId.toLowerCase()))}
          />
        )}
      </Modal>
      <ConfirmDialog title="Remove role" open={!!removing} onClose={() => setRemoving(null)} onConfirm={remove} confirmText="Remove">
        <p>
          Remove <strong>{removing ? nameOf(removing.assignment) : ''}</strong> from {removing?.role.name}?
        </p>
      </ConfirmDialog>
    </section>
  );
}
