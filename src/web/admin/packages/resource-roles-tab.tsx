import { useState, type FormEvent } from 'react';
import { api, EM, getAll, query } from '../../api/client';
import { PagedContent, Pager, usePaged } from '../../components/paged';
import { ActionButton, Empty, ErrorBanner, Field, Loading, Modal, Notice } from '../../components/ui';
import { ConfirmDialog, DialogActions, useAction } from '../../components/dialogs';
import { useLoad } from '../../components/use-load';
import { NO_PACKAGE_WRITE, usePackage } from './package-context';
import { RowMenu } from './row-menu';
import type { Resource, RoleScope } from './types';

/** Resource roles: what an assignment to the package gives. Adding or removing one changes every current assignment. */
export function ResourceRolesTab() {
  const { pkg, canWrite } = usePackage();
  const path = `${EM}/accessPackages/${pkg.id}/resourceRoleScopes${query({ $expand: 'role($expand=resource),scope', $top: 20 })}`;
  const paged = usePaged<RoleScope>(path);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<RoleScope | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const why = canWrite ? null : NO_PACKAGE_WRITE;

  return (
    <div>
      <div className="toolbar">
        <ActionButton className="primary" onClick={() => setAdding(true)} disabledReason={why}>Add resource role</ActionButton>
      </div>
      <p className="muted">People assigned this package get every role below. Changes apply to existing assignments too.</p>
      <Notice>{notice}</Notice>
      <ErrorBanner error={paged.error} />
      <PagedContent paged={paged} what="resource roles" empty="This access package has no resource roles yet: an assignment gives nothing until you add one.">
        <div className="table-wrap">
          <table className="responsive">
            <caption className="visually-hidden">Resource roles</caption>
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">Type</th>
                <th scope="col">Role</th>
                <th scope="col">Scope</th>
                <th scope="col"><span className="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((rs) => {
                const resource = rs.role?.resource?.displayName ?? '—';
                return (
                  <tr key={rs.id}>
                    <td data-label="Resource">{resource}</td>
                    <td data-label="Type">{originLabel(rs.role?.originSystem)}</td>
                    <td data-label="Role">{rs.role?.displayName ?? '—'}</td>
                    <td data-label="Scope">{rs.scope?.isRootScope ? 'Whole resource' : rs.scope?.displayName ?? '—'}</td>
                    <td data-label="Actions">
                      <RowMenu
                        label={`More actions for ${rs.role?.displayName ?? 'role'} of ${resource}`}
                        items={[{ text: 'Remove resource role', danger: true, disabledReason: why, onSelect: () => setRemoving(rs) }]}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </PagedContent>
      <Pager paged={paged} label="Resource roles" />
      <Modal title="Add resource role" open={adding} onClose={() => setAdding(false)}>
        <AddRoleForm
          onClose={() => setAdding(false)}
          onAdded={(text) => {
            setAdding(false);
            setNotice(text);
            paged.reload();
          }}
        />
      </Modal>
      <ConfirmDialog
        title="Remove resource role"
        open={!!removing}
        confirmText="Remove"
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          if (!removing) return;
          await api(`${EM}/accessPackages/${pkg.id}/resourceRoleScopes/${encodeURIComponent(removing.id)}`, { method: 'DELETE' });
          setNotice(`Removed ${removing.role?.displayName ?? 'the role'} of ${removing.role?.resource?.displayName ?? 'the resource'}.`);
          paged.reload();
          setRemoving(null);
        }}
      >
        <p>
          Remove the <strong>{removing?.role?.displayName}</strong> role of <strong>{removing?.role?.resource?.displayName}</strong> from this access
          package? People with an assignment lose this role.
        </p>
      </ConfirmDialog>
    </div>
  );
}

export function originLabel(system: string | undefined): string {
  if (!system) return '—';
  if (system === 'AadGroup') return 'Group';
  if (system === 'AadApplication') return 'Application';
  if (system === 'SharePointOnline') return 'SharePoint site';
  return system;
}

function AddRoleForm({ onClose, onAdded }: { onClose: () => void; onAdded: (text: string) => void }) {
  const { pkg, catalogId } = usePackage();
  const loaded = useLoad(catalogId, (signal) => getAll<Resource>(`${EM}/catalogs/${catalogId}/resources${query({ $expand: 'roles,scopes', $orderby: 'displayName' })}`, signal));
  const resources = loaded.data;
  const [resourceId, setResourceId] = useState('');
  const [roleId, setRoleId] = useState('');
  const [scopeId, setScopeId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const action = useAction();

  const resource = resources?.find((r) => r.id === resourceId);
  const scopes = resource?.scopes ?? [];

  function pickResource(id: string) {
    setResourceId(id);
    const r = resources?.find((x) => x.id === id);
    setRoleId(r?.roles?.length === 1 ? r.roles[0].id : '');
    const root = r?.scopes?.find((s) => s.isRootScope) ?? r?.scopes?.[0];
    setScopeId(root?.id ?? '');
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!resourceId) found.resource = 'Choose a resource of the catalog.';
    else if (!roleId) found.role = 'Choose one of the resource’s roles.';
    setErrors(found);
    if (Object.keys(found).length) return;
    await action.run(async () => {
      await api(`${EM}/accessPackages/${pkg.id}/resourceRoleScopes`, {
        method: 'POST',
        body: { role: { id: roleId }, scope: scopeId ? { id: scopeId } : { isRootScope: true } },
      });
      const role = resource?.roles?.find((r) => r.id === roleId);
      onAdded(`Added ${role?.displayName ?? 'the role'} of ${resource?.displayName ?? 'the resource'}.`);
    });
  }

  if (loaded.error) return <ErrorBanner error={loaded.error} />;
  if (!resources) return <Loading what="the catalog’s resources" />;
  if (resources.length === 0) {
    return (
      <div>
        <Empty>The catalog {pkg.catalog?.displayName} has no resources. Add a group to the catalog first (Catalogs → Resources).</Empty>
        <div className="dialog-actions"><button type="button" onClick={onClose}>Close</button></div>
      </div>
    );
  }
  return (
    <form onSubmit={submit} noValidate>
      <ErrorBanner error={action.error} />
      <Field label="Resource" error={errors.resource} hint={`Resources of the catalog ${pkg.catalog?.displayName ?? ''}.`}>
        {(p) => (
          <select {...p} value={resourceId} onChange={(e) => pickResource(e.target.value)}>
            <option value="">Choose a resource…</option>
            {resources.map((r) => (
              <option key={r.id} value={r.id}>{r.displayName} ({originLabel(r.originSystem)})</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Role" error={errors.role}>
        {(p) => (
          <select {...p} value={roleId} onChange={(e) => setRoleId(e.target.value)} disabled={!resource}>
            <option value="">{resource ? 'Choose a role…' : 'Choose a resource first'}</option>
            {(resource?.roles ?? []).map((r) => (
              <option key={r.id} value={r.id}>{r.displayName}</option>
            ))}
          </select>
        )}
      </Field>
      {scopes.length > 1 && (
        <Field label="Scope">
          {(p) => (
            <select {...p} value={scopeId} onChange={(e) => setScopeId(e.target.value)}>
              {scopes.map((s) => (
                <option key={s.id} value={s.id}>{s.isRootScope ? 'Whole resource' : s.displayName}</option>
              ))}
            </select>
          )}
        </Field>
      )}
      <DialogActions onCancel={onClose} busy={action.busy} submitText="Add" busyText="Adding…" />
    </form>
  );
}
