import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ForbiddenError, NotFoundError } from '../../domain/errors.js';
import { DEMO_PERSONAS, requestorDescription } from '../../demo/personas.js';
import { DEMO_DOMAIN, isDemoUserPrincipalName } from '../../demo/seed.js';
import type { Db } from '../../store/db.js';
import { listEnabledUsersOfDomain } from '../../store/users.js';
import { typed } from '../route-input.js';
import { requireCsrfHeader } from './cookies.js';
import type { SignInAs } from './session-start.js';

// Demo sign-in: pick any person of the demo directory, no password. Registered only when the server
// runs the embedded demo (see demoSignInRefusal), so in any other deployment these routes do not exist.
// Even then only people of the demo domain are offered and accepted: someone added to a demo database
// by hand (or a real directory the marker check somehow missed) is never sign-in-able without a password.

const SigninBody = Type.Object({ userPrincipalName: Type.String({ minLength: 1, maxLength: 320 }) }, { additionalProperties: false });

export interface DemoSignInDeps {
  db: Db;
  signInAs: SignInAs;
}

export function registerDemoSignIn(server: FastifyInstance, deps: DemoSignInDeps): void {
  const { db, signInAs } = deps;

  server.get('/latchkey/v1/auth/demo/users', { config: { auth: { public: true } }, schema: { hide: true } }, async () => {
    const users = await listEnabledUsersOfDomain(db, DEMO_DOMAIN);
    const byUpn = new Map(users.map((u) => [u.upnKey, u]));
    const featured = DEMO_PERSONAS.flatMap((p) => {
      const u = byUpn.get(p.userPrincipalName.toLowerCase());
      return u ? [{ userPrincipalName: u.userPrincipalName, displayName: u.displayName, description: p.description }] : [];
    });
    const featuredKeys = new Set(featured.map((f) => f.userPrincipalName.toLowerCase()));
    const others = users.filter((u) => !featuredKeys.has(u.upnKey))
      .map((u) => ({ userPrincipalName: u.userPrincipalName, displayName: u.displayName, description: requestorDescription(u) }));
    return { value: [...featured, ...others] };
  });

  typed(server).post('/latchkey/v1/auth/demo/signin', {
    config: { auth: { public: true } },
    schema: { hide: true, body: SigninBody },
  }, async (req, reply) => {
    requireCsrfHeader(req);
    const upn = req.body.userPrincipalName;
    // outside the demo domain: answered as unknown, so the route tells nothing about who else exists
    if (!isDemoUserPrincipalName(upn)) throw new NotFoundError('User', upn);
    const signedIn = await signInAs(req, reply, upn, 'demo');
    if ('refused' in signedIn) {
      throw signedIn.refused === 'unknown_user' ? new NotFoundError('User', upn) : new ForbiddenError(`The account '${upn}' is disabled.`);
    }
    return reply.status(204).send();
  });
}

export interface DemoSignInInput {
  /** `serve --demo` on the command line */
  demoFlag: boolean;
  oidcConfigured: boolean;
  storeKind: string;
  /** the database holds the demo company's marker (seedDemo seeded it; isDemoCompany) */
  demoCompany: boolean;
}

/**
 * Why demo sign-in stays off, or null when it may be on. It needs all of: `serve --demo` given on the
 * command line (an environment variable is not enough, so a configured deployment cannot inherit it),
 * no OpenID Connect configured, the embedded SQLite store, and a database that seedDemo seeded (so
 * `--demo` against a database of real people does not open it to anyone).
 */
export function demoSignInRefusal(input: DemoSignInInput): string | null {
  if (input.demoFlag !== true) return 'serve was not given --demo';
  if (input.oidcConfigured) return 'OIDC_ISSUER is set: sign-in goes through OpenID Connect';
  if (input.storeKind !== 'sqlite') return 'it needs the embedded SQLite store';
  if (!input.demoCompany) {
    return 'the database holds data that was not seeded as the demo company (no demo marker), so demo data was not seeded and ' +
      'its users are not offered for password-less sign-in; use an empty database (or `latchkey seed --demo` on one) for the demo';
  }
  return null;
}
