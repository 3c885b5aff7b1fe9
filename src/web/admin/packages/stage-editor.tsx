import { Field } from '../../components/ui';
import { YesNo } from './yes-no';
import { needsFallback, type StageForm } from './policy-form';
import { SubjectPicker } from './subject-picker';

const ORDINAL = ['First', 'Second', 'Third'];

/** One approval stage: approvers (people, groups, the requestor's manager, sponsors), fallbacks, deadline, escalation, quorum. */
export function StageEditor({ index, stage, errors, onChange, onRemove }: {
  index: number;
  stage: StageForm;
  errors: Record<string, string>;
  onChange: (s: StageForm) => void;
  onRemove?: () => void;
}) {
  const set = (patch: Partial<StageForm>) => onChange({ ...stage, ...patch });
  const at = `stages.${index}`;
  const name = `${ORDINAL[index] ?? `Stage ${index + 1}`} approval stage`;
  return (
    <fieldset className="stage">
      <legend>{name}</legend>
      <SubjectPicker
        label={`${ORDINAL[index] ?? 'Stage'} approvers`}
        value={stage.primary}
        onChange={(primary) => set({ primary })}
        relative
        error={errors[`${at}.primary`]}
      />
      {(needsFallback(stage.primary) || stage.fallback.length > 0) && (
        <SubjectPicker
          label={`${ORDINAL[index] ?? 'Stage'} stage fallback approvers`}
          hint="Asked when the requestor has no manager or sponsor."
          value={stage.fallback}
          onChange={(fallback) => set({ fallback })}
          error={errors[`${at}.fallback`]}
        />
      )}
      <div className="field-row">
        <Field label="Decision must be made in how many days?" error={errors[`${at}.denyAfterDays`]} hint="If no approver decides in this many days (1–90), the request is cancelled and the person has to request again.">
          {(p) => <input {...p} type="number" min={1} max={90} inputMode="numeric" value={stage.denyAfterDays} onChange={(e) => set({ denyAfterDays: e.target.value })} />}
        </Field>
        <Field label="Approvals needed" error={errors[`${at}.approvalsRequired`]} hint="How many approvers must approve (default 1).">
          {(p) => <input {...p} type="number" min={1} inputMode="numeric" value={stage.approvalsRequired} onChange={(e) => set({ approvalsRequired: e.target.value })} />}
        </Field>
      </div>
      <YesNo legend="Require approver justification" value={stage.approverJustification} onChange={(v) => set({ approverJustification: v })} />
      <YesNo legend="Enable escalation" hint="Ask other approvers when the first ones have not decided in time." value={stage.escalationEnabled} onChange={(v) => set({ escalationEnabled: v })} />
      {stage.escalationEnabled && (
        <>
          <Field label="Escalate after how many hours?" error={errors[`${at}.escalateAfterHours`]}>
            {(p) => <input {...p} type="number" min={1} inputMode="numeric" value={stage.escalateAfterHours} onChange={(e) => set({ escalateAfterHours: e.target.value })} />}
          </Field>
          <SubjectPicker label={`${ORDINAL[index] ?? 'Stage'} stage escalation approvers`} value={stage.escalation} onChange={(escalation) => set({ escalation })} relative error={errors[`${at}.escalation`]} />
          {(needsFallback(stage.escalation) || stage.fallbackEscalation.length > 0) && (
            <SubjectPicker
              label={`${ORDINAL[index] ?? 'Stage'} stage fallback escalation approvers`}
              value={stage.fallbackEscalation}
              onChange={(fallbackEscalation) => set({ fallbackEscalation })}
              error={errors[`${at}.fallbackEscalation`]}
            />
          )}
        </>
      )}
      {onRemove && (
        <button type="button" className="danger" onClick={onRemove}>Remove {name.toLowerCase()}</button>
      )}
    </fieldset>
  );
}
