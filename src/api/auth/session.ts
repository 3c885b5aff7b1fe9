import { UnauthenticatedError } from '../../domain/errors.js';
import type { SessionService } from '../../services/sessions.js';
import { hashToken } from '../../services/tokens.js';
import type { Authenticator } from '../security.js';
import { isUnsafeMethod, readCookie, requireCsrfHeader, SESSION_COOKIE } from './cookies.js';

/**
 * Signs a request in by its session cookie. A state-changing request signed in this way must also carry
 * the CSRF header: a cookie rides along on cross-site requests, a custom header cannot.
 * Bearer tokens are tried first, so API clients never meet the CSRF rule.
 */
export function sessionAuthenticator(sessions: SessionService): Authenticator {
  return {
    credential(req) {
      const token = readCookie(req, SESSION_COOKIE);
      if (!token) return undefined;
      return {
        key: `session:${hashToken(token)}`,
        async resolve() {
          const session = await sessions.resolve(token);
          if (!session) throw new UnauthenticatedError('The session has ended or was signed out; sign in again.');
          return session;
        },
        admit() {
          if (isUnsafeMethod(req.method)) requireCsrfHeader(req);
        },
      };
    },
  };
}
