import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OidcConfig } from '../../config.js';
import { capabilitiesOf, rolesOf } from '../../domain/capabilities.js';
import type { Clock } from '../../domain/clock.js';
import { UnauthenticatedError } from '../../domain/errors.js';
import { createSessionService, DEFAULT_SESSION_LIFETIMES, type SessionLifetimes, type SessionService } from '../../services/sessions.js';
import type { Db } from '../../store/db.js';
import { findUserById } from '../../store/users.js';
import { typed } from '../route-input.js';
import type { Authenticator } from '../security.js';
import { clearCookie, registerCookies, OIDC_FLOW_COOKIE, OIDC_FLOW_COOKIE_PATH, readCookie, requireCsrfHeader, SESSION_COOKIE, setCookie, type CookieSecurity } from './cookies.js';
import { registerDemoSignIn } from './demo.js';
import { createOidcSignIn, OIDC_CALLBACK_PATH, OIDC_FLOW_TTL_MS, OidcSignInError, type OidcFailure } from './oidc.js';
import { sessionAuthenticator } from './session.js';
import { createSignInAs } from './session-start.js';

// Sign-in for the web portals: sessions in a cookie, demo sign-in (embedded demo only), OpenID Connect,
// sign-out and /me. The API accepts the session cookie or a bearer token alike.

export interface WebAuthOptions {
  /** pick-a-user sign-in (demo-domain people only); the CLI turns it on only for `serve --demo` on SQLite without OIDC on the seeded demo company (demoSignInRefusal) */
  demoSignIn?: boolean;
  oidc?: OidcConfig | null;
  sessions?: SessionLifetimes;
}

export interface WebAuth {
  sessions: SessionService;
  authenticator: Authenticator;
  /** registers the routes (after registerSecurity, whose onRoute hook checks every route's rule) */
  register(server: FastifyInstance): Promise<void>;
}

const SIGNIN_PAGE = '/signin';

/** The OIDC start's query: where to go afterwards. A repeated or odd value is let through to safeReturnTo, which sends it to the landing page. */
const SigninQuery = Type.Object({ returnTo: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])) });

const LANDING_PAGE = '/';
const MAX_RETURN_TO = 2000;
/** a single '/' that a browser cannot read as the start of '//host' (backslashes count as slashes in http URLs) */
const SINGLE_LEADING_SLASH = /^\/(?![/\\])/;

/**
 * Where to send a browser after sign-in: the path of `raw` resolved on this server, or the landing page.
 * The value is resolved against an origin of our own and re-serialised (dot segments and backslashes
 * normalised, as the browser will), then must still be a same-origin path that starts with exactly one
 * '/': `/.//evil`, `/..//evil` and `/\evil` resolve to '//evil', which a browser reads as another host.
 * Every return path (the OIDC start, and the callback again on the stored value) goes through here.
 */
export function safeReturnTo(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > MAX_RETURN_TO || !SINGLE_LEADING_SLASH.test(raw)) return LANDING_PAGE;
  // the URL parser silently drops tabs and newlines (so '/\t/evil' would become '//evil'); control characters have no place in a path
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return LANDING_PAGE;
  const own = 'http://latchkey.invalid';
  let u: URL;
  try {
    u = new URL(raw, own);
  } catch {
    return LANDING_PAGE;
  }
  const path = `${u.pathname}${u.search}${u.hash}`;
  if (u.origin !== own || !SINGLE_LEADING_SLASH.test(path) || path.length > MAX_RETURN_TO) return LANDING_PAGE;
  // back to the sign-in page (and its old error) would greet a signed-in person with a failure
  if (u.pathname === SIGNIN_PAGE) return LANDING_PAGE;
  return path;
}

export function createWebAuth(deps: { db: Db; clock: Clock; log: FastifyInstance['log']; publicUrl?: string }, opts: WebAuthOptions = {}): WebAuth {
  const { db, clock, log } = deps;
  const sessions = createSessionService({ db, clock }, opts.sessions ?? DEFAULT_SESSION_LIFETIMES);
  const cookies: CookieSecurity = { publicUrl: deps.publicUrl };
  const oidc = opts.oidc ? createOidcSignIn({ db, clock, log }, opts.oidc) : undefined;
  const demo = !!opts.demoSignIn;

  const signInAs = createSignInAs({ db, sessions, cookies });

  /** PUBLIC_URL when configured; an embedded app without one (tests) answers on the address it was called at */
  const baseUrl = (req: FastifyRequest) => deps.publicUrl ?? `${req.protocol}://${req.host}`;

  async function register(server: FastifyInstance): Promise<void> {
    await registerCookies(server);
    server.get('/latchkey/v1/auth/config', { config: { auth: { public: true } }, schema: { hide: true } }, async () => ({
      demo,
      oidc: { enabled: !!oidc, displayName: oidc ? oidc.displayName : null },
    }));

    server.post('/latchkey/v1/auth/signout', { config: { auth: { public: true } }, schema: { hide: true } }, async (req, reply) => {
      requireCsrfHeader(req);
      const token = readCookie(req, SESSION_COOKIE);
      if (token) await sessions.revoke(token);
      clearCookie(reply, req, cookies, SESSION_COOKIE);
      return reply.status(204).send();
    });

    server.get('/latchkey/v1/me', { config: { auth: { authenticated: true } }, schema: { hide: true } }, async (req) => {
      const p = req.principal;
      if (!p) throw new UnauthenticatedError();
      const user = await findUserById(db, p.userId);
      return {
        id: p.userId,
        displayName: p.displayName,
        userPrincipalName: p.userPrincipalName,
        mail: user?.mail ?? null,
        userType: p.userType,
        ...rolesOf(p),
        can: capabilitiesOf(p),
      };
    });

    if (demo) {
      log.warn('DEMO SIGN-IN IS ON: anyone who can reach this server can sign in as any user. Only for the embedded demo (serve --demo).');
      registerDemoSignIn(server, { db, signInAs });
    }

    const failTo = (failure: OidcFailure) => `${SIGNIN_PAGE}?error=${encodeURIComponent(failure)}`;

    typed(server).get('/latchkey/v1/auth/oidc/signin', { config: { auth: { public: true } }, schema: { hide: true, querystring: SigninQuery } }, async (req, reply) => {
      if (!oidc) return reply.redirect(failTo('provider_unavailable'), 302);
      try {
        const flow = await oidc.start(baseUrl(req) + OIDC_CALLBACK_PATH, safeReturnTo(req.query.returnTo));
        setCookie(reply, req, cookies, OIDC_FLOW_COOKIE, flow.flowCookie, { path: OIDC_FLOW_COOKIE_PATH, maxAgeSeconds: OIDC_FLOW_TTL_MS / 1000 });
        return reply.redirect(flow.authorizationUrl.href, 302);
      } catch (e) {
        if (e instanceof OidcSignInError) return reply.redirect(failTo(e.failure), 302);
        throw e;
      }
    });

    server.get('/latchkey/v1/auth/oidc/callback', { config: { auth: { public: true } }, schema: { hide: true } }, async (req, reply) => {
      clearCookie(reply, req, cookies, OIDC_FLOW_COOKIE, OIDC_FLOW_COOKIE_PATH);
      if (!oidc) return reply.redirect(failTo('provider_unavailable'), 302);
      try {
        // the URL the provider redirected to, as registered: PUBLIC_URL + path, with the provider's query
        const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
        const { claimValue, returnTo } = await oidc.finish(readCookie(req, OIDC_FLOW_COOKIE), new URL(baseUrl(req) + OIDC_CALLBACK_PATH + query));
        const signedIn = await signInAs(req, reply, claimValue, 'oidc');
        if ('refused' in signedIn) {
          throw new OidcSignInError(signedIn.refused, signedIn.refused === 'unknown_user'
            ? `No directory user has the userPrincipalName '${claimValue}'.`
            : `The account '${claimValue}' is disabled.`);
        }
        // checked again: the stored value may predate today's rule
        return reply.redirect(safeReturnTo(returnTo), 302);
      } catch (e) {
        if (!(e instanceof OidcSignInError)) throw e;
        req.log.warn({ failure: e.failure, reason: e.message }, 'OpenID Connect sign-in failed');
        return reply.redirect(failTo(e.failure), 302);
      }
    });

    oidc?.warmUp();
  }

  return { sessions, authenticator: sessionAuthenticator(sessions), register };
}
