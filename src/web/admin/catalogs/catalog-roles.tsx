import { useState } from 'react';
import { api, getAll, odataString, query } from '../../api/client';
import { useMe, useSession } from '../../auth/session';
import { canCatalog } from '../../auth/me';
import { ActionButton, Empty, ErrorBanner, Loading, Modal, Notice } from '../../components/ui';
import { DirectoryPicker } from './shared';
import { kindOf, type DirectoryObject } from '../../api/directory';
import { ConfirmDialog } from '../../components/dialogs';
import { useLoad } from '../../components/use-load';
import { CATALOG_ROLES, type Catalog } from './types';

export const ROLE_ASSIGNMENTS = '/v1.0/roleManagement/entitlementManagement/roleAssignments';

export interface RoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  appScopeId: string;
  principal?: DirectoryObject | null;
}

type CatalogRole = (typeof CATALOG_ROLES)[number];

// Who holds which role in this catalog (owners, readers, package managers, assignment managers): one
// list per role, with a search picker to add a user or group and a Remove per holder.
export function CatalogRoles({ catalog }: { catalog: Catalog }) {
  const me = useMe();
  const { refresh } = useSession();
  const scope = `/AccessPackageCatalog/${catalog.id}`;
  const assignments = useLoad<RoleAssignment[]>(`${catalog.id}`, (signal) =>
    getAll<RoleAssignment>(`${ROLE_ASSIGNMENTS}${query({ $filter: `appScopeId eq ${odataString(scope)}`, $expand: 'principal' })}`, signal),
  );
  const [adding, setAdding] = useState<CatalogRole | null>(null);
  const [removing, setRemoving] = useState<{ assignment: RoleAssignment; role: CatalogRole } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const noWrite = canCatalog(me, 'catalog.roles.write', catalog.id) ? null : 'You can view these roles; only the catalog’s owners and administrators can change them.';

  const add = async (o: DirectoryObject) => {
    if (!adding) return;
    await api(ROLE_ASSIGNMENTS, { method: 'POST', body: { principalId: o.id, roleDefinitionId: adding.id, appScopeId: scope } });
    setNotice(`${o.displayName ?? o.id} is now ${adding.name.toLowerCase()} of ${catalog.displayName}.`);
    setAdding(null);
    assignments.reload();
  };
  const remove = async () => {
    if (!removing) return;
    await api(`${ROLE_ASSIGNMENTS}/${removing.assignment.id}`, { method: 'DELETE' });
    setNotice(`${nameOf(removing.assignment)} is no longer ${removing.role.name.toLowerCase()}.`);
    setRemoving(null);
    assignments.reload();
    // the person may have removed their own role
    if (removing.assignment.principalId.toLowerCase() === me.id.toLowerCase()) await refresh();
  };

  if (assignments.error) return <ErrorBanner error={assignments.error} />;
  if (!assignments.data) return <Loading what="role assignments" />;
  const all = assignments.data;
  return (
    <div>
      {noWrite && <p className="muted">{noWrite}</p>}
      <Notice>{notice}</Notice>
      {CATALOG_ROLES.map((role) => {
        const holders = all.filter((a) => a.roleDefinitionId.toLowerCase() === role.id);
        const headingId = `role-${role.id}`;
        return (
          <section key={role.id} className="panel" aria-labelledby={headingId}>
            <div className="page-header">
              <div>
                <h2 id={headingId}>{role.plural}</h2>
                <p className="muted">{role.about}</p>
              </div>
              <div className="actions">
                <ActionButton onClick={() => setAdding(role)} disabledReason={noWrite}>
                  Add {role.plural.toLowerCase()}
                </ActionButton>
              </div>
            </div>
            {holders.length === 0 ? (
              <Empty>No {role.plural.toLowerCase()}.</Empty>
            ) : (
              <div className="table-wrap">
                <table className="responsive lk-table">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Type</th>
                      <th scope="col">Sign-in name or mail</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {holders.map((a) => (
                      <tr key={a.id}>
                        <td data-label="Name">{nameOf(a)}</td>
                        <td data-label="Type">{a.principal ? (kindOf(a.principal) === 'group' ? 'Group' : 'User') : 'Unknown'}</td>
                        <td data-label="Sign-in name or mail">{a.principal?.userPrincipalName ?? a.principal?.mail ?? '—'}</td>
                        <td data-label="Actions">
                          <ActionButton className="danger" onClick={() => setRemoving({ assignment: a, role })} disabledReason={noWrite} aria-label={`Remove ${nameOf(a)} from ${role.plural.toLowerCase()}`}>
                            Remove
                          </ActionButton>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        );
      })}
      <Modal title={adding ? `Add ${adding.plural.toLowerCase()}` : 'Add'} open={!!adding} onClose={() => setAdding(null)}>
        {adding && (
          <>
            <p className="muted">{adding.about}</p>
            <DirectoryPicker
              kinds={['user', 'group']}
              label="Search users and groups"
              actionText="Select"
              onPick={add}
              disabledIds={new Set(all.filter((a) => a.roleDefinitionId.toLowerCase() === adding.id).map((a) => a.principalId.toLowerCase()))}
            />
          </>
        )}
      </Modal>
      <ConfirmDialog title="Remove role" open={!!removing} onClose={() => setRemoving(null)} onConfirm={remove} confirmText="Remove">
        <p>
          Remove <strong>{removing ? nameOf(removing.assignment) : ''}</strong> from the {removing?.role.plural.toLowerCase()} of{' '}
          <strong>{catalog.displayName}</strong>?
        </p>
      </ConfirmDialog>
    </div>
  );
}

export function nameOf(a: RoleAssignment): string {
  return a.principal?.displayName ?? a.principalId;
}
