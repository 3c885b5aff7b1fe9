import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionService, SessionVia } from '../../services/sessions.js';
import type { Db } from '../../store/db.js';
import { findUserByUpn } from '../../store/users.js';
import { readCookie, SESSION_COOKIE, setCookie, type CookieSecurity } from './cookies.js';

// Where every web sign-in ends, however the person showed who they are (a demo pick, OpenID Connect):
// the enabled directory user of that userPrincipalName gets a session cookie. One place, so that the
// ways in cannot drift apart on who may sign in.

/** Why a name that was shown signs no one in; each sign-in route words it its own way. */
export type SignInRefusal = 'unknown_user' | 'account_disabled';

export type SignInAs = (req: FastifyRequest, reply: FastifyReply, userPrincipalName: string, via: SessionVia) => Promise<{ userId: string } | { refused: SignInRefusal }>;

export function createSignInAs(deps: { db: Db; sessions: SessionService; cookies: CookieSecurity }): SignInAs {
  const { db, sessions, cookies } = deps;
  return async (req, reply, userPrincipalName, via) => {
    const user = await findUserByUpn(db, userPrincipalName);
    if (!user) return { refused: 'unknown_user' };
    if (!user.accountEnabled) return { refused: 'account_disabled' };
    // a session this browser still had ends first: a sign-in always gets a fresh value (no fixation), and the old row does not linger
    const previous = readCookie(req, SESSION_COOKIE);
    if (previous) await sessions.revoke(previous);
    const session = await sessions.create(user.id, via);
    setCookie(reply, req, cookies, SESSION_COOKIE, session.token, { expires: session.expiresAt });
    req.log.info({ userId: user.id, via }, 'signed in');
    return { userId: user.id };
  };
}
