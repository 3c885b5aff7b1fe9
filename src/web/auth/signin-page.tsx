import { useEffect, useState } from 'react';
import { api, errorMessage } from '../api/client';
import { ErrorBanner, Loading } from '../components/ui';

interface AuthConfig {
  demo: boolean;
  oidc: { enabled: boolean; displayName: string | null };
}

/** What the server's /signin?error=<code> redirects mean, in words (codes from src/api/auth/oidc.ts). */
const SIGN_IN_FAILURES: Record<string, string> = {
  provider_unavailable: 'The sign-in provider could not be reached. Try again in a moment; if it persists, tell your administrator.',
  access_denied: 'The sign-in provider refused the sign-in.',
  sign_in_expired: 'The sign-in took too long or was started in another browser. Please sign in again.',
  invalid_response: 'The answer of the sign-in provider did not pass validation. Please sign in again.',
  unknown_user: 'You signed in at the provider, but no user of this directory matches your account. Ask your administrator to add you.',
  account_disabled: 'Your account is disabled in this directory.',
};

function failureFromAddress(): string | undefined {
  const code = new URLSearchParams(location.search).get('error');
  if (!code) return undefined;
  return SIGN_IN_FAILURES[code] ?? `Sign-in failed (${code}).`;
}

interface DemoUser {
  userPrincipalName: string;
  displayName: string;
  description: string;
}

/**
 * Sign-in: the organisation's OpenID Connect provider when one is configured; in demo mode (the embedded
 * `npm start` only) a clearly marked list of demo people to act as.
 */
export function SignInPage({ error, onSignedIn }: { error?: string; onSignedIn: () => Promise<void> }) {
  const [config, setConfig] = useState<AuthConfig | null>(null);
  const [demoUsers, setDemoUsers] = useState<DemoUser[]>([]);
  const [failure, setFailure] = useState<string | undefined>(error ?? failureFromAddress());
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    (async () => {
      try {
        const c = await api<AuthConfig>('/latchkey/v1/auth/config');
        setConfig(c);
        if (c.demo) setDemoUsers((await api<{ value: DemoUser[] }>('/latchkey/v1/auth/demo/users')).value);
      } catch (e) {
        setFailure(errorMessage(e));
      }
    })();
  }, []);

  async function signInAs(upn: string) {
    setBusy(upn);
    setFailure(undefined);
    try {
      await api('/latchkey/v1/auth/demo/signin', { method: 'POST', body: { userPrincipalName: upn } });
      await onSignedIn();
    } catch (e) {
      setFailure(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  const returnTo = location.pathname + location.search;
  return (
    <main className="signin">
      <h1>Sign in to Latchkey</h1>
      <ErrorBanner error={failure} />
      {!config && !failure && <Loading what="sign-in options" />}
      {config?.oidc.enabled && (
        <a className="button primary" href={`/latchkey/v1/auth/oidc/signin?returnTo=${encodeURIComponent(returnTo)}`}>
          {config.oidc.displayName ?? 'Sign in with your organization'}
        </a>
      )}
      {config && !config.oidc.enabled && !config.demo && (
        <p>No sign-in method is configured. Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, or use an API token.</p>
      )}
      {config?.demo && (
        <section className="demo" aria-labelledby="demo-heading">
          <h2 id="demo-heading">Demo mode: sign in as a demo person</h2>
          <p className="warning" role="note">
            This server runs with demo data and lets anyone act as any demo person, without a password. It is only
            available on the embedded demo (<code>latchkey serve --demo</code> on SQLite without OpenID Connect).
          </p>
          <ul className="demo-users">
            {demoUsers.map((u) => (
              <li key={u.userPrincipalName}>
                <button type="button" onClick={() => void signInAs(u.userPrincipalName)} disabled={busy !== null}>
                  {/* the spaces keep the parts apart in the button's accessible name */}
                  <strong>{u.displayName}</strong> <span className="upn">{u.userPrincipalName}</span> <span className="muted">{u.description}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
