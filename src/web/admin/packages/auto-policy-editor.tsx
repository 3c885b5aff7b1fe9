import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, EM } from '../../api/client';
import { useAction } from '../../components/dialogs';
import { ErrorBanner, Field } from '../../components/ui';
import { NO_PACKAGE_WRITE, usePackage } from './package-context';
import type { Policy } from './types';

// An auto-assignment policy (the reference's attributeRuleMembers with automaticRequestSettings): nobody
// requests it, everyone its membership rule matches is assigned, and who stops matching loses the access
// after the grace period. The rule is checked by the server, which names the position of an error.

export const ATTRIBUTE_RULE = '#microsoft.graph.attributeRuleMembers';

export interface AutoPolicy extends Policy {
  automaticRequestSettings: {
    requestAccessForAllowedTargets: boolean;
    removeAccessWhenTargetLeavesAllowedTargets: boolean;
    gracePeriodBeforeAccessRemoval: string | null;
  } | null;
}

/** Whether the policy assigns by a membership rule (edited here, not in the request policy form). */
export function isAutoPolicy(p: Policy): p is AutoPolicy {
  const auto = (p as AutoPolicy).automaticRequestSettings;
  return !!auto?.requestAccessForAllowedTargets || p.specificAllowedTargets.some((t) => t['@odata.type'] === ATTRIBUTE_RULE);
}

/** The rule of an auto-assignment policy, for lists. */
export function ruleOf(p: Policy): string {
  return (p.specificAllowedTargets.find((t) => t['@odata.type'] === ATTRIBUTE_RULE) as { membershipRule?: string } | undefined)?.membershipRule ?? '';
}

/** Whole days of an ISO duration like P3D or PT12H (rounded up), '' for none. */
function graceDays(iso: string | null): string {
  if (!iso) return '';
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/i.exec(iso);
  if (!m) return '';
  const hours = Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0) + Number(m[3] ?? 0) / 60;
  return String(Math.ceil(hours / 24));
}

export function AutoPolicyEditor({ policy }: { policy: AutoPolicy }) {
  const { pkg, canWrite } = usePackage();
  const navigate = useNavigate();
  const action = useAction();
  const back = `/admin/packages/${pkg.id}/policies`;
  const [displayName, setDisplayName] = useState(policy.displayName);
  const [description, setDescription] = useState(policy.description ?? '');
  const [rule, setRule] = useState(ruleOf(policy));
  const [remove, setRemove] = useState(policy.automaticRequestSettings?.removeAccessWhenTargetLeavesAllowedTargets ?? true);
  const [grace, setGrace] = useState(graceDays(policy.automaticRequestSettings?.gracePeriodBeforeAccessRemoval ?? null));
  const [enabled, setEnabled] = useState(policy.requestorSettings.acceptRequests);
  const graceError = grace !== '' && !/^\d{1,3}$/.test(grace) ? 'Whole days, 0 to 999, or blank for none.' : undefined;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (graceError || !displayName.trim() || !rule.trim()) return;
    await action.run(async () => {
      await api(`${EM}/assignmentPolicies/${encodeURIComponent(policy.id)}`, {
        method: 'PATCH',
        body: {
          displayName: displayName.trim(),
          description: description.trim(),
          specificAllowedTargets: [{ '@odata.type': ATTRIBUTE_RULE, description: 'membership rule', membershipRule: rule.trim() }],
          automaticRequestSettings: {
            requestAccessForAllowedTargets: true,
            removeAccessWhenTargetLeavesAllowedTargets: remove,
            gracePeriodBeforeAccessRemoval: grace === '' ? null : `P${Number(grace)}D`,
          },
          requestorSettings: { ...policy.requestorSettings, acceptRequests: enabled },
        },
      });
      navigate(back, { state: { notice: `Policy “${displayName.trim()}” saved.` } });
    });
  }

  return (
    <form onSubmit={submit} noValidate className="policy-form">
      <h2>{`Edit auto-assignment policy: ${policy.displayName}`}</h2>
      {!canWrite && <p className="warning">You can look at this policy but not change it. {NO_PACKAGE_WRITE}</p>}
      <p className="muted">
        Everyone the rule matches is assigned this package without asking; who stops matching loses it after the grace period. Only administrators change
        these policies.
      </p>
      <ErrorBanner error={action.error} />
      <fieldset>
        <legend>Policy</legend>
        <Field label="Name" error={displayName.trim() ? undefined : 'A name is required.'}>
          {(p) => <input {...p} value={displayName} maxLength={256} onChange={(e) => setDisplayName(e.target.value)} />}
        </Field>
        <Field label="Description">
          {(p) => <textarea {...p} value={description} maxLength={2048} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
      </fieldset>
      <fieldset>
        <legend>Who is assigned</legend>
        <Field label="Membership rule" hint={'For example: user.department -eq "Sales" -and user.accountEnabled -eq true'} error={rule.trim() ? undefined : 'A rule is required.'}>
          {(p) => <textarea {...p} value={rule} maxLength={3072} spellCheck={false} onChange={(e) => setRule(e.target.value)} />}
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={remove} onChange={(e) => setRemove(e.target.checked)} />
          <span>Remove access when someone stops matching the rule</span>
        </label>
        {remove && (
          <Field label="Grace period (days)" hint="Blank or 0: removed at the worker's next round." error={graceError}>
            {(p) => <input {...p} inputMode="numeric" value={grace} onChange={(e) => setGrace(e.target.value)} />}
          </Field>
        )}
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          <span>Enabled (a disabled policy assigns nobody)</span>
        </label>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={!canWrite || action.busy}>
          {action.busy ? 'Saving…' : 'Save'}
        </button>
        <Link className="button" to={back}>
          Cancel
        </Link>
      </div>
    </form>
  );
}
