import { useState, type FormEvent } from 'react';
import { DialogActions, useAction } from '../../components/dialogs';
import { ErrorBanner, Field } from '../../components/ui';
import { ApiError } from '../../api/client';
import {
  KINDS,
  formValues,
  intervalOf,
  kindInfo,
  newSigningSecret,
  secretsOf,
  settingsOf,
  type Connection,
  type ConnectionInput,
  type ConnectionKind,
  type KindInfo,
  type SettingField,
} from './connection-kinds';

// Adding or editing a connection: its kind (chosen once, when it is added), name, the kind's settings,
// its secrets and its limits. Secrets are password inputs that are never filled in: the API answers only
// which are stored, and an edit sends only the ones typed, so an empty input keeps the stored value.

export function ConnectionForm({
  initial,
  submitText,
  onSubmit,
  onCancel,
}: {
  initial?: Connection;
  submitText: string;
  onSubmit: (input: ConnectionInput) => Promise<void>;
  onCancel: () => void;
}) {
  const [kind, setKind] = useState<ConnectionKind>((initial?.kind as ConnectionKind | undefined) ?? 'ldap');
  const info = kindInfo(kind) as KindInfo;
  const [name, setName] = useState(initial?.displayName ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [values, setValues] = useState(() => formValues(info, initial?.settings));
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [shown, setShown] = useState<Set<string>>(new Set());
  const [timeoutMs, setTimeoutMs] = useState(String(initial?.timeoutMs ?? 10000));
  const [concurrency, setConcurrency] = useState(String(initial?.concurrency ?? 4));
  const [interval, setReconcile] = useState(initial ? (initial.reconcileInterval ?? '') : 'PT1H');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const action = useAction();

  const chooseKind = (k: ConnectionKind) => {
    setKind(k);
    setValues(formValues(kindInfo(k) as KindInfo));
    setSecrets({});
    setErrors({});
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = 'Enter a name.';
    const s = settingsOf(info, values, initial?.settings);
    for (const [k, v] of Object.entries(s.errors)) found[`settings.${k}`] = v;
    const sec = secretsOf(info, secrets, initial?.secrets, !!initial);
    for (const [k, v] of Object.entries(sec.errors)) found[`secrets.${k}`] = v;
    const timeout = Number(timeoutMs);
    if (!Number.isInteger(timeout) || timeout < 100) found.timeoutMs = 'A whole number of milliseconds, at least 100.';
    const conc = Number(concurrency);
    if (!Number.isInteger(conc) || conc < 1) found.concurrency = 'A whole number, at least 1.';
    const iv = intervalOf(interval);
    if ('error' in iv) found.reconcileInterval = iv.error;
    setErrors(found);
    if (Object.keys(found).length || 'error' in iv) return;
    await action.run(async () => {
      try {
        await onSubmit({ kind, displayName: name.trim(), description: description.trim() || null, settings: s.settings, secrets: sec.secrets, timeoutMs: timeout, concurrency: conc, reconcileInterval: iv.value });
      } catch (err) {
        // the API names the field it refuses (settings.url, secrets.bindPassword): show it there too
        if (err instanceof ApiError && err.target) setErrors({ [err.target]: err.message });
        throw err;
      }
    });
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="connection-form">
      {initial ? (
        <p>
          Kind: <strong>{info.name}</strong>
        </p>
      ) : (
        <fieldset>
          <legend>Kind of connection</legend>
          {KINDS.map((k) => (
            <div key={k.kind} className="radio-row">
              <input type="radio" id={`kind-${k.kind}`} name="kind" value={k.kind} checked={kind === k.kind} onChange={() => chooseKind(k.kind)} aria-describedby={`kind-${k.kind}-about`} />
              <label htmlFor={`kind-${k.kind}`}>{k.name}</label>
              <small id={`kind-${k.kind}-about`} className="hint">
                {' '}
                {k.about}
              </small>
            </div>
          ))}
        </fieldset>
      )}
      <Field label="Name" error={errors.name ?? errors.displayName}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required maxLength={256} />}
      </Field>
      <Field label="Description" error={errors.description}>
        {(p) => <textarea {...p} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={1024} />}
      </Field>
      <fieldset>
        <legend>{info.name} settings</legend>
        {info.settings.map((f) => (
          <SettingInput key={`${kind}:${f.path}`} field={f} value={values[f.path]} error={errors[`settings.${f.path}`]} onChange={(v) => setValues((vs) => ({ ...vs, [f.path]: v }))} />
        ))}
      </fieldset>
      <fieldset>
        <legend>Secrets</legend>
        <p className="muted">Stored encrypted and never shown again.</p>
        {info.secrets.map((s) => {
          const stored = !!initial && s.key in (initial.secrets ?? {});
          const hint = [stored ? 'Stored — leave empty to keep.' : s.required ? '' : 'Optional.', s.hint ?? ''].filter(Boolean).join(' ');
          return (
            <Field key={`${kind}:${s.key}`} label={s.label} hint={hint || undefined} error={errors[`secrets.${s.key}`]}>
              {(p) => (
                <div className="secret-input">
                  <input
                    {...p}
                    type={shown.has(s.key) ? 'text' : 'password'}
                    autoComplete="new-password"
                    value={secrets[s.key] ?? ''}
                    onChange={(e) => setSecrets((x) => ({ ...x, [s.key]: e.target.value }))}
                    placeholder={stored ? '••••••••' : undefined}
                  />
                  {kind === 'webhook' && s.key === 'signingSecret' && (
                    <button
                      type="button"
                      onClick={() => {
                        setSecrets((x) => ({ ...x, signingSecret: newSigningSecret() }));
                        // shown, so it can be copied to the receiver
                        setShown((x) => new Set(x).add('signingSecret'));
                      }}
                    >
                      Generate
                    </button>
                  )}
                </div>
              )}
            </Field>
          );
        })}
      </fieldset>
      <fieldset>
        <legend>Limits and reconciliation</legend>
        <Field label="Timeout (milliseconds)" hint="How long one call to the system may take." error={errors.timeoutMs}>
          {(p) => <input {...p} type="number" min={100} value={timeoutMs} onChange={(e) => setTimeoutMs(e.target.value)} />}
        </Field>
        <Field label="Concurrent calls" hint="At most this many calls to the system at once." error={errors.concurrency}>
          {(p) => <input {...p} type="number" min={1} value={concurrency} onChange={(e) => setConcurrency(e.target.value)} />}
        </Field>
        <Field label="Reconcile every" hint="An ISO 8601 duration, e.g. PT1H (hourly) or P1D (daily); empty: only when asked." error={errors.reconcileInterval}>
          {(p) => <input {...p} value={interval} onChange={(e) => setReconcile(e.target.value)} placeholder="PT1H" />}
        </Field>
      </fieldset>
      <ErrorBanner error={action.error} />
      <DialogActions onCancel={onCancel} busy={action.busy} submitText={submitText} />
    </form>
  );
}

function SettingInput({ field: f, value, error, onChange }: { field: SettingField; value: string | boolean | undefined; error?: string; onChange: (v: string | boolean) => void }) {
  const hint = [f.required ? '' : f.type === 'checkbox' ? '' : 'Optional.', f.hint ?? ''].filter(Boolean).join(' ') || undefined;
  if (f.type === 'checkbox') {
    return (
      <div className="field">
        <label className="checkbox">
          <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} /> {f.label}
        </label>
        {f.hint && <small className="hint">{f.hint}</small>}
      </div>
    );
  }
  const text = typeof value === 'string' ? value : '';
  return (
    <Field label={f.label} hint={hint} error={error}>
      {(p) =>
        f.type === 'select' ? (
          <select {...p} value={text} onChange={(e) => onChange(e.target.value)}>
            {!f.required && <option value="">Default</option>}
            {f.options?.map((o) => (
              <option key={o.value} value={o.value}>
                {o.text}
              </option>
            ))}
          </select>
        ) : f.type === 'lines' || f.type === 'textarea' ? (
          <textarea {...p} value={text} onChange={(e) => onChange(e.target.value)} rows={3} placeholder={f.placeholder} />
        ) : (
          <input {...p} type={f.type === 'number' ? 'number' : 'text'} value={text} onChange={(e) => onChange(e.target.value)} placeholder={f.placeholder} required={f.required} />
        )
      }
    </Field>
  );
}
