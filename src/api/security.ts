import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  canCatalog,
  canTenant,
  type CatalogAction,
  type Principal,
  type TenantAction,
} from '../domain/authorization.js';
import { ForbiddenError, UnauthenticatedError } from '../domain/errors.js';
import type { Db } from '../store/db.js';
import { loadPrincipal } from '../services/principals.js';
import type { PrincipalCache } from '../services/principal-cache.js';
import type { Caller } from '../services/deps.js';
import { hashToken, isProvisioningToken, type Provisioner, type TokenService } from '../services/tokens.js';

/**
 * Every route states what it needs. A route registered without a rule makes the server refuse to
 * start, so nothing is reachable by accident (deny by default).
 * - public: no sign-in (health, OpenAPI document)
 * - authenticated: any signed-in person; the handler narrows what they see to what they may read
 * - tenant: a tenant-wide permission
 * - catalog: a permission in the catalog that holds the target; `of` finds that catalog (404 if the target does not exist)
 */
export type AuthRule =
  | { public: true }
  | { authenticated: true }
  | { tenant: TenantAction }
  /** an identity provider with a provisioning token (/scim/v2 only; api/scim signs it in, people cannot) */
  | { provisioning: true }
  | { catalog: CatalogAction; of: (req: FastifyRequest) => Promise<string> };

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** the identity source a provisioning token speaks for (routes with the provisioning rule) */
    provisioner?: Provisioner;
  }
  interface FastifyContextConfig {
    auth?: AuthRule;
  }
}

/** A credential a request carries, checked for its form only (no database yet). */
export interface Credential {
  /** names it in the principal cache: its kind and hash, never the secret */
  key: string;
  /** the user it signs in, from the database; throws UnauthenticatedError when it is unknown, revoked or ended */
  resolve(): Promise<{ userId: string; until?: number }>;
  /** checks of the request that hold whether its principal was cached or not (the session cookie's CSRF header) */
  admit?(): void;
}

/** Finds the signed-in person's credential on a request. Later sign-in methods plug in here. */
export interface Authenticator {
  /** the request's credential of this kind, or undefined when it carries none (throws when it carries a malformed one) */
  credential(req: FastifyRequest): Credential | undefined;
}

export function bearerAuthenticator(tokens: TokenService): Authenticator {
  return {
    credential(req) {
      const header = req.headers.authorization;
      if (!header) return undefined;
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw new UnauthenticatedError('The Authorization header must be "Bearer <token>".');
      const token = m[1];
      // an identity provider's token opens /scim/v2 and nothing else
      if (isProvisioningToken(token)) throw new UnauthenticatedError('A provisioning token is accepted only under /scim/v2.');
      return {
        key: `bearer:${hashToken(token)}`,
        async resolve() {
          const userId = await tokens.resolve(token);
          if (!userId) throw new UnauthenticatedError();
          return { userId };
        },
      };
    },
  };
}

// Swagger UI and the web app's static files (hashed assets, no data)
const PUBLIC_PREFIXES = ['/docs', '/assets/'];

export function registerSecurity(app: FastifyInstance, db: Db, authenticators: Authenticator[], principals: PrincipalCache): void {
  app.addHook('onRoute', (route) => {
    if (PUBLIC_PREFIXES.some((p) => route.url.startsWith(p))) {
      route.config = { ...(route.config ?? {}), auth: { public: true } };
      return;
    }
    if (!route.config?.auth) throw new Error(`Route ${String(route.method)} ${route.url} declares no auth rule`);
  });

  app.addHook('onRequest', async (req) => {
    const rule = req.routeOptions.config?.auth;
    if (req.is404 || !rule || 'public' in rule || 'provisioning' in rule) return;
    let credential: Credential | undefined;
    for (const a of authenticators) {
      credential = a.credential(req);
      if (credential) break;
    }
    if (!credential) throw new UnauthenticatedError('Sign in or send "Authorization: Bearer <token>".');
    const c = credential;
    req.principal = await principals.principalOf(c.key, async () => {
      const { userId, until } = await c.resolve();
      // before the user is read, as without the cache: an ended session answers 401, a live one without its CSRF header 403
      c.admit?.();
      const principal = await loadPrincipal(db, userId);
      if (!principal) throw new UnauthenticatedError('The account is disabled or no longer exists.');
      return { principal, until };
    });
    // again for a principal that was kept: the checks are of this request, not of the credential
    c.admit?.();
  });

  app.addHook('preHandler', async (req) => {
    // the not-found handler is no route: let it answer 404 rather than 403
    if (req.is404) return;
    const rule = req.routeOptions.config?.auth;
    if (!rule) throw new ForbiddenError();
    if ('public' in rule || 'authenticated' in rule) return;
    if ('provisioning' in rule) {
      // signed in by api/scim's own hook; checked again here so that a route cannot forget it
      if (!req.provisioner) throw new UnauthenticatedError();
      return;
    }
    const p = req.principal;
    if (!p) throw new UnauthenticatedError();
    if ('tenant' in rule) {
      if (!canTenant(p, rule.tenant)) throw new ForbiddenError(`This needs the '${rule.tenant}' permission.`);
      return;
    }
    const catalogId = await rule.of(req);
    if (!canCatalog(p, rule.catalog, catalogId)) throw new ForbiddenError(`This needs the '${rule.catalog}' permission in catalog '${catalogId}'.`);
  });
}

export function callerOf(req: FastifyRequest): Caller {
  if (!req.principal) throw new UnauthenticatedError();
  return { principal: req.principal, correlationId: req.id };
}
