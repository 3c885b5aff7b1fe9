import { useEffect, useState, type FormEvent } from 'react';
import { api, EM, errorMessage } from '../../api/client';
import { useMe } from '../../auth/session';
import { canTenant } from '../../auth/me';
import { ErrorBanner, Field, Loading, Notice, PageHeader } from '../../components/ui';
import { useLoad } from '../../components/use-load';
import { SettingsTabs } from './settings-tabs';
import type { Settings } from './types';

const SETTINGS = `${EM}/settings`;

const ACTIONS = [
  { value: 'none', text: 'Nothing: they keep their account' },
  { value: 'blockSignIn', text: 'Block them from signing in' },
  { value: 'blockSignInAndDelete', text: 'Block them from signing in, then remove them' },
];

/** Days of an ISO-8601 duration of whole days ('P30D', 'PT0S'); undefined for other forms. */
export function durationDays(iso: string): number | undefined {
  if (/^PT0+S$|^P0+D$/i.test(iso)) return 0;
  const m = /^P(\d+)D$/i.exec(iso);
  return m ? Number(m[1]) : undefined;
}

// Tenant settings for external users: what happens when their last assignment ends, and after how many
// days a blocked one is removed. Read-only for people without settings.write.
export function SettingsPage() {
  const me = useMe();
  const settings = useLoad<Settings>('settings', (signal) => api(SETTINGS, { signal }));
  const canWrite = canTenant(me, 'settings.write');
  const [action, setAction] = useState('none');
  const [days, setDays] = useState('');
  const [dayError, setDayError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!settings.data) return;
    setAction(settings.data.externalUserLifecycleAction);
    const d = durationDays(settings.data.durationUntilExternalUserDeletedAfterBlocked);
    setDays(d === undefined ? '' : String(d));
  }, [settings.data]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    const body: Record<string, string> = { externalUserLifecycleAction: action };
    if (action === 'blockSignInAndDelete') {
      const n = Number(days);
      if (days.trim() === '' || !Number.isInteger(n) || n < 0 || n > 3650) {
        setDayError('Enter a whole number of days from 0 to 3650.');
        return;
      }
      body.durationUntilExternalUserDeletedAfterBlocked = n === 0 ? 'PT0S' : `P${n}D`;
    }
    setDayError(null);
    setBusy(true);
    setError(null);
    try {
      await api(SETTINGS, { method: 'PATCH', body });
      setNotice('Settings saved.');
      settings.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const raw = settings.data?.durationUntilExternalUserDeletedAfterBlocked;
  return (
    <section>
      <PageHeader title="Settings">
        <p className="muted">Tenant-wide entitlement management settings.</p>
      </PageHeader>
      <SettingsTabs />
      <ErrorBanner error={settings.error} />
      {!settings.data ? (
        !settings.error && <Loading what="settings" />
      ) : (
        <form onSubmit={(e) => void save(e)} noValidate className="panel">
          <h2 className="panel-title">Manage the lifecycle of external users</h2>
          <p className="muted">External users are added to the directory when they request access. This decides what happens once their last assignment ends.</p>
          {!canWrite && <p className="warning">Only administrators can change these settings; you can view them.</p>}
          <fieldset disabled={!canWrite} className="bare">
            <Field label="When an external user loses their last assignment">
              {(p) => (
                <select {...p} value={action} onChange={(e) => setAction(e.target.value)}>
                  {ACTIONS.map((a) => (
                    <option key={a.value} value={a.value}>
                      {a.text}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {action === 'blockSignInAndDelete' && (
              <Field
                label="Days before a blocked external user is removed"
                error={dayError}
                hint={raw && durationDays(raw) === undefined ? `Currently ${raw} (set through the API); enter days to replace it.` : '0 removes them at once.'}
              >
                {(p) => <input {...p} type="number" inputMode="numeric" min={0} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />}
              </Field>
            )}
            <ErrorBanner error={error} />
            <Notice>{notice}</Notice>
            {canWrite && (
              <button type="submit" className="primary" disabled={busy}>
                {busy ? 'Saving…' : 'Save'}
              </button>
            )}
          </fieldset>
        </form>
      )}
    </section>
  );
}
