import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, errorMessage } from '../api/client';
import type { Me } from './me';
import { SignInPage } from './signin-page';
import { Loading } from '../components/ui';

interface Session {
  me: Me;
  signOut(): Promise<void>;
  /** re-reads /me, e.g. after a role change */
  refresh(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

/** The signed-in person; only used below <SessionGate>, which renders the sign-in page until there is one. */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside <SessionGate>');
  return s;
}

export function useMe(): Me {
  return useSession().me;
}

type State = { kind: 'loading' } | { kind: 'signedOut'; error?: string } | { kind: 'signedIn'; me: Me };

export function SessionGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ kind: 'loading' });

  const load = useCallback(async () => {
    try {
      const me = await api<Me>('/latchkey/v1/me');
      setState({ kind: 'signedIn', me });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setState({ kind: 'signedOut' });
      else setState({ kind: 'signedOut', error: errorMessage(e) });
    }
  }, []);

  useEffect(() => {
    void load();
    // any 401 from the API (session expired or revoked) sends the person back to sign-in
    const onUnauthenticated = () => setState((s) => (s.kind === 'signedIn' ? { kind: 'signedOut', error: 'Your session has ended. Please sign in again.' } : s));
    window.addEventListener('latchkey:unauthenticated', onUnauthenticated);
    return () => window.removeEventListener('latchkey:unauthenticated', onUnauthenticated);
  }, [load]);

  const signOut = useCallback(async () => {
    try {
      await api('/latchkey/v1/auth/signout', { method: 'POST' });
    } finally {
      setState({ kind: 'signedOut' });
    }
  }, []);

  if (state.kind === 'loading') return <Loading what="Latchkey" />;
  if (state.kind === 'signedOut') return <SignInPage error={state.error} onSignedIn={load} />;
  return <SessionContext.Provider value={{ me: state.me, signOut, refresh: load }}>{children}</SessionContext.Provider>;
}
