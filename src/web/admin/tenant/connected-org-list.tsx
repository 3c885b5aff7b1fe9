import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, EM, odataString, query } from '../../api/client';
import { useMe } from '../../auth/session';
import { canTenant } from '../../auth/me';
import { PagedContent, Pager, usePaged } from '../../components/paged';
import { ErrorBanner, Modal, PageHeader, formatDate } from '../../components/ui';
import { ConnectedOrgForm, type OrgInput } from './connected-org-form';
import { describeSource, type ConnectedOrganization } from './types';

export const ORGS = `${EM}/connectedOrganizations`;

// External organizations whose users may request access packages, searchable and paged.
export function ConnectedOrganizationList() {
  const me = useMe();
  const navigate = useNavigate();
  const [search, setSearch] = useState('');
  const [state, setState] = useState('');
  const [creating, setCreating] = useState(false);
  const filters = [search.trim() ? `contains(displayName,${odataString(search.trim())})` : '', state ? `state eq ${odataString(state)}` : ''].filter(Boolean);
  const paged = usePaged<ConnectedOrganization>(`${ORGS}${query({ $filter: filters.join(' and ') || undefined, $top: 20, $count: true, $orderby: 'displayName' })}`);

  const create = async (input: OrgInput) => {
    const created = await api<ConnectedOrganization>(ORGS, { method: 'POST', body: input });
    navigate(`/admin/connected-organizations/${created.id}`);
  };

  return (
    <section>
      <PageHeader
        title="Connected organizations"
        actions={
          canTenant(me, 'connectedOrganization.write') && (
            <button type="button" className="primary" onClick={() => setCreating(true)}>
              New connected organization
            </button>
          )
        }
      >
        <p className="muted">Other organizations whose users may request access packages that allow external users.</p>
      </PageHeader>
      <div className="toolbar" role="search">
        <div className="field">
          <label htmlFor="org-search">Search organizations</label>
          <input id="org-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Name contains…" />
        </div>
        <div className="field">
          <label htmlFor="org-state">State</label>
          <select id="org-state" value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">Any</option>
            <option value="configured">Configured</option>
            <option value="proposed">Proposed</option>
          </select>
        </div>
      </div>
      <ErrorBanner error={paged.error} />
      <PagedContent paged={paged} what="connected organizations" empty={filters.length ? 'No organization matches these filters.' : 'There are no connected organizations yet.'}>
        <div className="table-wrap">
          <table className="responsive lk-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Identity sources</th>
                <th scope="col">State</th>
                <th scope="col">Modified</th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((o) => (
                <tr key={o.id}>
                  <td data-label="Name">
                    <Link to={`/admin/connected-organizations/${o.id}`}>{o.displayName}</Link>
                  </td>
                  <td data-label="Identity sources">{o.identitySources.map(describeSource).join('; ') || '—'}</td>
                  <td data-label="State">
                    <span className={`badge ${o.state === 'configured' ? 'good' : 'warn'}`}>{o.state === 'configured' ? 'Configured' : 'Proposed'}</span>
                  </td>
                  <td data-label="Modified">{formatDate(o.modifiedDateTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </PagedContent>
      <Pager paged={paged} label="Connected organizations" />
      <Modal title="New connected organization" open={creating} onClose={() => setCreating(false)}>
        <ConnectedOrgForm submitText="Create" onSubmit={create} onCancel={() => setCreating(false)} />
      </Modal>
    </section>
  );
}
