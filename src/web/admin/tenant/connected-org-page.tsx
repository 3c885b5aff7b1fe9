import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { useMe } from '../../auth/session';
import { canTenant } from '../../auth/me';
import { ActionButton, ErrorBanner, Loading, Modal, PageHeader, formatDate } from '../../components/ui';
import { ConfirmDialog } from '../../components/dialogs';
import { useLoad } from '../../components/use-load';
import { ConnectedOrgForm, type OrgInput } from './connected-org-form';
import { ORGS } from './connected-org-list';
import { SponsorList } from './sponsors';
import { describeSource, type ConnectedOrganization } from './types';

// One connected organization: properties and identity sources with Edit and Delete, and its internal and
// external sponsors (who can approve for its users).
export function ConnectedOrganizationPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const navigate = useNavigate();
  const org = useLoad<ConnectedOrganization>(id, (signal) => api(`${ORGS}/${encodeURIComponent(id)}`, { signal }));
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const noWrite = canTenant(me, 'connectedOrganization.write') ? null : 'Only administrators and connected organization administrators can change organizations.';

  if (org.error) {
    return (
      <section>
        <h1>Connected organization</h1>
        <ErrorBanner error={org.error} />
        <Link to="/admin/connected-organizations">Back to connected organizations</Link>
      </section>
    );
  }
  if (!org.data) return <Loading what="connected organization" />;
  const o = org.data;

  const save = async (input: OrgInput) => {
    await api(`${ORGS}/${o.id}`, { method: 'PATCH', body: input });
    setEditing(false);
    org.reload();
  };
  const remove = async () => {
    await api(`${ORGS}/${o.id}`, { method: 'DELETE' });
    navigate('/admin/connected-organizations', { replace: true });
  };

  return (
    <section>
      <p>
        <Link to="/admin/connected-organizations">Connected organizations</Link>
      </p>
      <PageHeader
        title={o.displayName}
        actions={
          <>
            <ActionButton onClick={() => setEditing(true)} disabledReason={noWrite}>
              Edit
            </ActionButton>
            <ActionButton className="danger" onClick={() => setDeleting(true)} disabledReason={noWrite}>
              Delete
            </ActionButton>
          </>
        }
      >
        <p className="muted">Connected organization</p>
      </PageHeader>
      <div className="panel">
        <dl className="props">
          <dt>Description</dt>
          <dd>{o.description || '—'}</dd>
          <dt>State</dt>
          <dd>
            <span className={`badge ${o.state === 'configured' ? 'good' : 'warn'}`}>{o.state === 'configured' ? 'Configured' : 'Proposed'}</span>
          </dd>
          <dt>Identity sources</dt>
          <dd>
            {o.identitySources.length === 0 ? (
              '—'
            ) : (
              <ul className="plain">
                {o.identitySources.map((s, i) => (
                  <li key={i}>{describeSource(s)}</li>
                ))}
              </ul>
            )}
          </dd>
          <dt>Created</dt>
          <dd>{formatDate(o.createdDateTime)}</dd>
          <dt>Modified</dt>
          <dd>{formatDate(o.modifiedDateTime)}</dd>
        </dl>
      </div>
      <div className="split">
        <SponsorList orgId={o.id} kind="internal" noWrite={noWrite} />
        <SponsorList orgId={o.id} kind="external" noWrite={noWrite} />
      </div>
      <Modal title="Edit connected organization" open={editing} onClose={() => setEditing(false)}>
        <ConnectedOrgForm initial={o} submitText="Save" onSubmit={save} onCancel={() => setEditing(false)} />
      </Modal>
      <ConfirmDialog title="Delete connected organization" open={deleting} onClose={() => setDeleting(false)} onConfirm={remove} confirmText="Delete organization">
        <p>
          Delete <strong>{o.displayName}</strong>? Its users can then no longer request access packages as members of this organization. An organization
          that a policy names cannot be deleted.
        </p>
      </ConfirmDialog>
    </section>
  );
}
