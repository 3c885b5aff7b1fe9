import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, EM, getAll } from '../../api/client';
import { useAction } from '../../components/dialogs';
import { ErrorBanner, Field, Loading } from '../../components/ui';
import { useLoad } from '../../components/use-load';
import { NO_PACKAGE_WRITE, usePackage } from './package-context';
import {
  bodyFromForm, emptyPolicyForm, emptyStage, formFromPolicy, MAX_STAGES, SCOPE_CHOICES, stagesApply, validatePolicyForm,
  type PickedSubject, type PolicyForm,
} from './policy-form';
import { StageEditor } from './stage-editor';
import { QuestionsEditor } from './questions-editor';
import { SubjectPicker } from './subject-picker';
import { YesNo } from './yes-no';
import type { Policy } from './types';
import { AutoPolicyEditor, isAutoPolicy } from './auto-policy-editor';

interface Organization {
  id: string;
  displayName: string;
  state: string;
}

/** Fills in the names of the users, groups and organizations a stored policy names by id only. */
async function withNames(f: PolicyForm, orgs: Organization[], signal: AbortSignal): Promise<PolicyForm> {
  // the promise is cached, not the name: lookups run in parallel, so a person named in several places is fetched once
  const cache = new Map<string, Promise<string>>();
  const nameOf = async (s: PickedSubject, id: string): Promise<string> => {
    try {
      if (s.kind === 'singleUser') return (await api<{ displayName: string }>(`/v1.0/users/${id}?$select=id,displayName`, { signal })).displayName;
      if (s.kind === 'groupMembers') return (await api<{ displayName: string }>(`/v1.0/groups/${id}?$select=id,displayName`, { signal })).displayName;
      if (s.kind === 'connectedOrganizationMembers') return orgs.find((o) => o.id === id)?.displayName ?? id;
    } catch {
      // deleted or not readable: show the id
    }
    return id;
  };
  const lookup = async (s: PickedSubject): Promise<PickedSubject> => {
    if (s.name || !s.id) return s;
    const key = `${s.kind}:${s.id}`;
    if (!cache.has(key)) cache.set(key, nameOf(s, s.id));
    return { ...s, name: await cache.get(key)! };
  };
  const all = (l: PickedSubject[]) => Promise.all(l.map(lookup));
  const [targets, organizations, stages] = await Promise.all([
    all(f.targets),
    all(f.organizations),
    // a stage's four lists together too, not one after another
    Promise.all(f.stages.map(async (s) => {
      const [primary, fallback, escalation, fallbackEscalation] = await Promise.all([s.primary, s.fallback, s.escalation, s.fallbackEscalation].map(all));
      return { ...s, primary, fallback, escalation, fallbackEscalation };
    })),
  ]);
  return { ...f, targets, organizations, stages };
}

/** Add policy (policies/new) or edit one (policies/{id}): every setting the API has, checked before sending. */
export function PolicyEditorPage() {
  const { policyId } = useParams();
  const loaded = useLoad(policyId ?? 'new', async (signal) => {
    // without the organizations the rest of the policy can still be edited: the choice shows none
    const orgsLoad = getAll<Organization>(`${EM}/connectedOrganizations?$select=id,displayName,state`, signal).catch((): Organization[] => []);
    const policy = policyId ? await api<Policy>(`${EM}/assignmentPolicies/${encodeURIComponent(policyId)}`, { signal }) : null;
    const orgs = await orgsLoad;
    // an auto-assignment policy has its own editor: nobody requests it, a rule says who is assigned
    if (policy && isAutoPolicy(policy)) return { orgs, auto: policy, form: emptyPolicyForm() };
    return { orgs, auto: null, form: policy ? await withNames(formFromPolicy(policy), orgs, signal) : emptyPolicyForm() };
  });
  if (loaded.error) return <ErrorBanner error={loaded.error} />;
  if (!loaded.data) return <Loading what="the policy" />;
  if (loaded.data.auto) return <AutoPolicyEditor key={policyId} policy={loaded.data.auto} />;
  // a fresh form for another policy: the edits of the last one stay behind
  return <PolicyEditor key={policyId ?? 'new'} policyId={policyId} initial={loaded.data.form} orgs={loaded.data.orgs} />;
}

function PolicyEditor({ policyId, initial, orgs }: { policyId: string | undefined; initial: PolicyForm; orgs: Organization[] }) {
  const { pkg, canWrite } = usePackage();
  const navigate = useNavigate();
  const [form, setForm] = useState(initial);
  // after the first attempt to save, problems are re-checked as the person fixes them
  const [checked, setChecked] = useState(false);
  const action = useAction();
  const back = `/admin/packages/${pkg.id}/policies`;

  const errors = checked ? validatePolicyForm(form) : {};
  const problems = Object.keys(errors).length;
  const set = (patch: Partial<PolicyForm>) => setForm((f) => ({ ...f, ...patch }));
  const requests = form.scope !== 'notSpecified';
  // a catalog closed to external users takes no policy for them (the server refuses it too)
  const closedToExternal = pkg.catalog?.isExternallyVisible === false;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = validatePolicyForm(form);
    setChecked(true);
    action.clear();
    if (Object.keys(found).length) {
      // bring the first problem into view
      setTimeout(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
      return;
    }
    await action.run(async () => {
      try {
        const body = bodyFromForm(form);
        if (policyId) await api(`${EM}/assignmentPolicies/${encodeURIComponent(policyId)}`, { method: 'PATCH', body });
        else await api(`${EM}/assignmentPolicies`, { method: 'POST', body: { ...body, accessPackage: { id: pkg.id } } });
      } catch (err) {
        // the refusal is shown at the top of a long form
        window.scrollTo({ top: 0 });
        throw err;
      }
      navigate(back, { state: { notice: policyId ? `Policy “${form.displayName.trim()}” saved.` : `Policy “${form.displayName.trim()}” added.` } });
    });
  }

  return (
    <form onSubmit={submit} noValidate className="policy-form">
      <h2>{policyId ? `Edit policy: ${form.displayName || 'untitled'}` : 'Add policy'}</h2>
      {!canWrite && <p className="warning">You can look at this policy but not change it. {NO_PACKAGE_WRITE}</p>}
      <ErrorBanner error={action.error ?? (problems ? `Please correct ${problems === 1 ? 'the field marked below' : `the ${problems} fields marked below`}.` : null)} />

      <fieldset>
        <legend>Policy</legend>
        <Field label="Name" error={errors.displayName}>
          {(p) => <input {...p} value={form.displayName} maxLength={256} onChange={(e) => set({ displayName: e.target.value })} />}
        </Field>
        <Field label="Description" hint="Requestors see it when they choose a policy.">
          {(p) => <textarea {...p} value={form.description} maxLength={2048} onChange={(e) => set({ description: e.target.value })} />}
        </Field>
      </fieldset>

      <fieldset>
        <legend>Who can request access</legend>
        {(['in', 'out', 'none'] as const).map((group) => (
          <div key={group} role="radiogroup" aria-label={group === 'in' ? 'For users in your directory' : group === 'out' ? 'For users not in your directory' : 'None'} className="scope-group">
            <h3>{group === 'in' ? 'For users in your directory' : group === 'out' ? 'For users not in your directory' : 'None'}</h3>
            {group === 'out' && closedToExternal && (
              <p id="scope-external-closed" className="muted small">
                Catalog “{pkg.catalog?.displayName}” is not open to external users, so its policies cannot be for people outside your directory.
                An owner of the catalog can allow external users in its settings.
              </p>
            )}
            {SCOPE_CHOICES.filter((c) => c.group === group).map((c) => (
              <label key={c.value} className="checkbox">
                <input
                  type="radio"
                  name="scope"
                  value={c.value}
                  checked={form.scope === c.value}
                  onChange={() => set({ scope: c.value })}
                  disabled={group === 'out' && closedToExternal}
                  aria-describedby={group === 'out' && closedToExternal ? 'scope-external-closed' : undefined}
                />
                <span>
                  {c.label} <span className="muted small">— {c.hint}</span>
                </span>
              </label>
            ))}
          </div>
        ))}
        {form.scope === 'specificDirectoryUsers' && (
          <SubjectPicker label="Users and groups who may request" value={form.targets} onChange={(targets) => set({ targets })} error={errors.targets} />
        )}
        {form.scope === 'specificConnectedOrganizationUsers' && (
          <OrganizationChoice orgs={orgs} value={form.organizations} onChange={(organizations) => set({ organizations })} error={errors.organizations} />
        )}
      </fieldset>

      {requests && (
        <fieldset>
          <legend>Approval</legend>
          <YesNo legend="Require approval" value={form.approvalRequired} onChange={(v) => set({ approvalRequired: v, stages: v && form.stages.length === 0 ? [emptyStage()] : form.stages })} />
          <YesNo legend="Require requestor justification" value={form.requestorJustification} onChange={(v) => set({ requestorJustification: v })} />
        </fieldset>
      )}

      {/* the approvers right after "Require approval" (and before Expiration, whose extension approval uses them too) */}
      {stagesApply(form) && (
        <fieldset>
          <legend>Approval stages</legend>
          <p className="muted small">Each stage must approve before the next one is asked. Any one approver of a stage decides for it, unless you require more approvals.</p>
          {errors.stages && <p className="field-error" role="alert">{errors.stages}</p>}
          {form.stages.map((s, i) => (
            <StageEditor
              key={i}
              index={i}
              stage={s}
              errors={errors}
              onChange={(next) => set({ stages: form.stages.map((x, j) => (j === i ? next : x)) })}
              onRemove={form.stages.length > 1 ? () => set({ stages: form.stages.filter((_, j) => j !== i) }) : undefined}
            />
          ))}
          {form.stages.length < MAX_STAGES && (
            <button type="button" onClick={() => set({ stages: [...form.stages, emptyStage()] })}>Add approval stage</button>
          )}
        </fieldset>
      )}

      <fieldset>
        <legend>Expiration</legend>
        <div role="radiogroup" aria-label="Access package assignments expire">
          {([
            ['noExpiration', 'Never'],
            ['afterDateTime', 'On date'],
            ['afterDays', 'Number of days'],
            ['afterHours', 'Number of hours'],
          ] as const).map(([v, text]) => (
            <label key={v} className="checkbox inline">
              <input type="radio" name="expiration" checked={form.expiration === v} onChange={() => set({ expiration: v })} /> {text}
            </label>
          ))}
        </div>
        {form.expiration === 'afterDateTime' && (
          <Field label="Assignments end on" error={errors.expirationDate}>
            {(p) => <input {...p} type="date" value={form.expirationDate} onChange={(e) => set({ expirationDate: e.target.value })} />}
          </Field>
        )}
        {(form.expiration === 'afterDays' || form.expiration === 'afterHours') && (
          <Field label={form.expiration === 'afterDays' ? 'Assignments end after (days)' : 'Assignments end after (hours)'} error={errors.expirationAmount}>
            {(p) => <input {...p} type="number" min={1} inputMode="numeric" value={form.expirationAmount} onChange={(e) => set({ expirationAmount: e.target.value })} />}
          </Field>
        )}
        {form.expiration !== 'noExpiration' && (
          <>
            <YesNo
              legend="Allow users to extend access"
              hint="People are reminded 14 days and 1 day before their access ends, and may ask to extend it."
              value={form.allowExtension}
              onChange={(v) => set({ allowExtension: v })}
            />
            {form.allowExtension && (
              <YesNo
                legend="Require approval to extend access"
                hint="Extensions go through the approval stages above."
                value={form.extensionNeedsApproval}
                onChange={(v) => set({ extensionNeedsApproval: v, stages: v && form.stages.length === 0 ? [emptyStage()] : form.stages })}
              />
            )}
          </>
        )}
      </fieldset>

      {requests && (
        <fieldset>
          <legend>Requestor information</legend>
          <QuestionsEditor questions={form.questions} errors={errors} onChange={(questions) => set({ questions })} />
        </fieldset>
      )}

      <fieldset>
        <legend>Requests</legend>
        <YesNo
          legend="Enable"
          hint={requests ? 'When off, nobody can submit new requests under this policy.' : 'When off, administrators cannot assign people under this policy.'}
          value={form.enabled}
          onChange={(v) => set({ enabled: v })}
        />
        {requests && (
          <>
            <label className="checkbox">
              <input type="checkbox" checked={form.allowCustomSchedule} onChange={(e) => set({ allowCustomSchedule: e.target.checked })} /> Requestors may choose their own start and end dates
            </label>
            <label className="checkbox">
              <input type="checkbox" checked={form.allowSelfRemove} onChange={(e) => set({ allowSelfRemove: e.target.checked })} /> Requestors may remove their own access
            </label>
          </>
        )}
        <label className="checkbox">
          <input type="checkbox" checked={form.notificationsDisabled} onChange={(e) => set({ notificationsDisabled: e.target.checked })} /> Send no email notifications about assignments under this policy
        </label>
      </fieldset>

      <div className="form-actions">
        <Link className="button" to={back}>{canWrite ? 'Cancel' : 'Back to the policies'}</Link>
        {canWrite && <button type="submit" className="primary" disabled={action.busy}>{action.busy ? 'Saving…' : policyId ? 'Save policy' : 'Create policy'}</button>}
      </div>
    </form>
  );
}

function OrganizationChoice({ orgs, value, onChange, error }: { orgs: Organization[]; value: PickedSubject[]; onChange: (v: PickedSubject[]) => void; error?: string }) {
  const [filter, setFilter] = useState('');
  const shown = orgs.filter((o) => o.displayName.toLowerCase().includes(filter.trim().toLowerCase()));
  return (
    <fieldset>
      <legend>Connected organizations who may request</legend>
      {orgs.length === 0 ? (
        <p className="muted">There are no connected organizations. Add them under Administration → Connected organizations.</p>
      ) : (
        <>
          {orgs.length > 8 && (
            <Field label="Filter organizations">
              {(p) => <input {...p} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />}
            </Field>
          )}
          <div className="org-list">
            {shown.map((o) => (
              <label key={o.id} className="checkbox">
                <input
                  type="checkbox"
                  checked={value.some((v) => v.id === o.id)}
                  onChange={(e) => onChange(e.target.checked ? [...value, { kind: 'connectedOrganizationMembers', id: o.id, name: o.displayName }] : value.filter((v) => v.id !== o.id))}
                />
                {o.displayName} <span className="muted small">({o.state})</span>
              </label>
            ))}
          </div>
        </>
      )}
      {error && <p className="field-error">{error}</p>}
    </fieldset>
  );
}
