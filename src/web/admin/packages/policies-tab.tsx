import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { api, EM, odataString, query } from '../../api/client';
import { PagedContent, Pager, usePaged } from '../../components/paged';
import { ErrorBanner, Notice } from '../../components/ui';
import { ConfirmDialog } from '../../components/dialogs';
import { NO_PACKAGE_WRITE, usePackage } from './package-context';
import { durationDays, durationHours, SCOPE_CHOICES } from './policy-form';
import { RowMenu } from './row-menu';
import type { Policy } from './types';
import { isAutoPolicy, ruleOf } from './auto-policy-editor';

export function scopeText(scope: string): string {
  return SCOPE_CHOICES.find((c) => c.value === scope)?.label ?? scope;
}

export function expirationText(e: Policy['expiration']): string {
  if (e.type === 'afterDateTime' && e.endDateTime) return `On ${new Date(e.endDateTime).toLocaleDateString()}`;
  if (e.type === 'afterDuration' && e.duration) {
    const iso = e.duration.toUpperCase();
    if (iso.includes('T') && !/D/.test(iso.split('T')[0])) return `After ${durationHours(iso)} hours`;
    return `After ${durationDays(iso)} days`;
  }
  return 'Never';
}

function approvalText(p: Policy): string {
  const a = p.requestApprovalSettings;
  if (!a.isApprovalRequiredForAdd) return p.allowedTargetScope === 'notSpecified' ? '—' : 'No approval';
  return `${a.stages.length} stage${a.stages.length === 1 ? '' : 's'}`;
}

/** Policies: who may request, approval and expiration of each; add, edit (their own addresses) and delete. */
export function PoliciesTab() {
  const { pkg, canWrite } = usePackage();
  const navigate = useNavigate();
  const location = useLocation();
  const [notice, setNotice] = useState<string | null>((location.state as { notice?: string } | null)?.notice ?? null);
  const [deleting, setDeleting] = useState<Policy | null>(null);
  const path = `${EM}/assignmentPolicies${query({ $filter: `accessPackage/id eq ${odataString(pkg.id)}`, $orderby: 'displayName', $top: 20 })}`;
  const paged = usePaged<Policy>(path);
  const base = `/admin/packages/${pkg.id}/policies`;

  return (
    <div>
      <div className="toolbar">
        {canWrite ? (
          <Link className="button primary" to={`${base}/new`}>Add policy</Link>
        ) : (
          <button type="button" disabled title={NO_PACKAGE_WRITE}>Add policy</button>
        )}
      </div>
      <p className="muted">A policy says who may request the package, who approves, and when access ends. With several policies, requestors choose one.</p>
      <Notice>{notice}</Notice>
      <ErrorBanner error={paged.error} />
      <PagedContent paged={paged} what="policies" empty="No policies yet: nobody can request or be assigned this package until you add one.">
        <div className="table-wrap">
          <table className="responsive">
            <caption className="visually-hidden">Policies</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Who can request</th>
                <th scope="col">Approval</th>
                <th scope="col">Expiration</th>
                <th scope="col">Enabled</th>
                <th scope="col"><span className="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((p) => (
                <tr key={p.id}>
                  <td data-label="Name">
                    <div>
                      <Link to={`${base}/${p.id}`}>{p.displayName}</Link>
                      {p.description && <div className="muted small">{p.description}</div>}
                    </div>
                  </td>
                  <td data-label="Who can request">{isAutoPolicy(p) ? `Assigned automatically: ${ruleOf(p)}` : scopeText(p.allowedTargetScope)}</td>
                  <td data-label="Approval">{approvalText(p)}</td>
                  <td data-label="Expiration">{expirationText(p.expiration)}</td>
                  <td data-label="Enabled">{p.requestorSettings.acceptRequests ? 'Yes' : 'No'}</td>
                  <td data-label="Actions">
                    <RowMenu
                      label={`More actions for policy ${p.displayName}`}
                      items={[
                        { text: canWrite ? 'Edit' : 'View', onSelect: () => navigate(`${base}/${p.id}`) },
                        { text: 'Delete', danger: true, disabledReason: canWrite ? null : NO_PACKAGE_WRITE, onSelect: () => setDeleting(p) },
                      ]}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </PagedContent>
      <Pager paged={paged} label="Policies" />
      <ConfirmDialog
        title="Delete policy"
        open={!!deleting}
        confirmText="Delete"
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          await api(`${EM}/assignmentPolicies/${deleting.id}`, { method: 'DELETE' });
          setNotice(`Policy “${deleting.displayName}” deleted.`);
          paged.reload();
          setDeleting(null);
        }}
      >
        <p>
          Delete the policy <strong>{deleting?.displayName}</strong>? A policy that still has assignments or open requests cannot be deleted.
        </p>
      </ConfirmDialog>
    </div>
  );
}
