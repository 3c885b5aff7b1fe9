import { useState, type FormEvent } from 'react';
import { DialogActions, useAction } from '../../components/dialogs';
import { ErrorBanner, Field } from '../../components/ui';
import { DOMAIN_SOURCE, TENANT_SOURCE, describeSource, type ConnectedOrganization, type IdentitySource } from './types';

// Name, description, state and identity sources of a connected organization. Domains and tenant ids
// are checked here as the API checks them (src/domain/connected-organization.ts); sources of other
// types (federation, social, cross-cloud) created through the API are kept as they are.

export interface OrgInput {
  displayName: string;
  description: string | null;
  state: 'configured' | 'proposed';
  identitySources: IdentitySource[];
}

interface SourceRow {
  key: number;
  kind: 'domain' | 'tenant';
  value: string;
  displayName: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?!\d+$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.?$/i;

let nextKey = 1;

function rowsOf(sources: IdentitySource[]): SourceRow[] {
  return sources
    .filter((s) => s['@odata.type'] === DOMAIN_SOURCE || s['@odata.type'] === TENANT_SOURCE)
    .map((s) => ({
      key: nextKey++,
      kind: s['@odata.type'] === DOMAIN_SOURCE ? 'domain' : 'tenant',
      value: (s['@odata.type'] === DOMAIN_SOURCE ? s.domainName : s.tenantId) ?? '',
      displayName: s.displayName ?? '',
    }));
}

export function ConnectedOrgForm({
  initial,
  submitText,
  onSubmit,
  onCancel,
}: {
  initial?: ConnectedOrganization;
  submitText: string;
  onSubmit: (input: OrgInput) => Promise<void>;
  onCancel: () => void;
}) {
  const [name, setName] = useState(initial?.displayName ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [state, setState] = useState<'configured' | 'proposed'>(initial?.state === 'proposed' ? 'proposed' : 'configured');
  const [rows, setRows] = useState<SourceRow[]>(() => {
    const r = rowsOf(initial?.identitySources ?? []);
    return r.length || initial ? r : [{ key: nextKey++, kind: 'domain', value: '', displayName: '' }];
  });
  const others = (initial?.identitySources ?? []).filter((s) => s['@odata.type'] !== DOMAIN_SOURCE && s['@odata.type'] !== TENANT_SOURCE);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const action = useAction();

  const update = (key: number, patch: Partial<SourceRow>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = 'Enter a name.';
    else if (name.trim().length > 256) found.name = 'At most 256 characters.';
    if (description.length > 2048) found.description = 'At most 2048 characters.';
    for (const r of rows) {
      const v = r.value.trim();
      if (!v) found[`src${r.key}`] = r.kind === 'domain' ? 'Enter a domain, e.g. fabrikam.com.' : 'Enter a tenant id.';
      else if (r.kind === 'domain' && !DOMAIN.test(v)) found[`src${r.key}`] = `'${v}' is not a domain name such as fabrikam.com.`;
      else if (r.kind === 'tenant' && !GUID.test(v)) found[`src${r.key}`] = 'A tenant id is a GUID, e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47.';
    }
    if (rows.length + others.length === 0) found.sources = 'Add at least one domain or tenant: it decides whose users belong to this organization.';
    setErrors(found);
    if (Object.keys(found).length) return;
    const sources: IdentitySource[] = [
      ...rows.map((r) =>
        r.kind === 'domain'
          ? { '@odata.type': DOMAIN_SOURCE, domainName: r.value.trim(), displayName: r.displayName.trim() || r.value.trim() }
          : { '@odata.type': TENANT_SOURCE, tenantId: r.value.trim(), displayName: r.displayName.trim() || null },
      ),
      ...others,
    ];
    await action.run(async () => {
      await onSubmit({ displayName: name.trim(), description: description.trim() || null, state, identitySources: sources });
    });
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Field label="Name" error={errors.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required maxLength={256} />}
      </Field>
      <Field label="Description" error={errors.description}>
        {(p) => <textarea {...p} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2048} />}
      </Field>
      <Field label="State" hint="Only configured organizations count as “all configured connected organizations” in policies.">
        {(p) => (
          <select {...p} value={state} onChange={(e) => setState(e.target.value as 'configured' | 'proposed')}>
            <option value="configured">Configured</option>
            <option value="proposed">Proposed</option>
          </select>
        )}
      </Field>
      <fieldset>
        <legend>Identity sources</legend>
        <p className="muted">Users from these domains or directories (tenants) belong to the organization.</p>
        {rows.map((r, i) => (
          <div key={r.key} className="source-row">
            <Field label={`Source ${i + 1} type`}>
              {(p) => (
                <select {...p} value={r.kind} onChange={(e) => update(r.key, { kind: e.target.value as 'domain' | 'tenant' })}>
                  <option value="domain">Domain</option>
                  <option value="tenant">Microsoft Entra tenant id</option>
                </select>
              )}
            </Field>
            <Field label={r.kind === 'domain' ? `Source ${i + 1} domain` : `Source ${i + 1} tenant id`} error={errors[`src${r.key}`]}>
              {(p) => <input {...p} value={r.value} onChange={(e) => update(r.key, { value: e.target.value })} placeholder={r.kind === 'domain' ? 'fabrikam.com' : '00000000-0000-0000-0000-000000000000'} />}
            </Field>
            <Field label={`Source ${i + 1} display name`}>
              {(p) => <input {...p} value={r.displayName} onChange={(e) => update(r.key, { displayName: e.target.value })} placeholder="optional" maxLength={256} />}
            </Field>
            <button type="button" className="link" onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}>
              Remove source {i + 1}
            </button>
          </div>
        ))}
        {others.length > 0 && (
          <ul>
            {others.map((s, i) => (
              <li key={i}>{describeSource(s)} (kept; change it through the API)</li>
            ))}
          </ul>
        )}
        {errors.sources && <p className="field-error">{errors.sources}</p>}
        <button type="button" onClick={() => setRows((rs) => [...rs, { key: nextKey++, kind: 'domain', value: '', displayName: '' }])}>
          Add identity source
        </button>
      </fieldset>
      <ErrorBanner error={action.error} />
      <DialogActions onCancel={onCancel} busy={action.busy} submitText={submitText} />
    </form>
  );
}
