import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import * as oidc from 'openid-client';
import type { OidcConfig } from '../../config.js';
import type { Clock } from '../../domain/clock.js';
import { newId } from '../../domain/ids.js';
import { hashToken } from '../../services/tokens.js';
import type { Db } from '../../store/db.js';
import { insertOidcFlow, takeOidcFlow } from '../../store/sign-ins.js';

// OpenID Connect sign-in (authorization code + PKCE, state and nonce) with openid-client. The provider
// is discovered from its issuer URL on first use; a failed discovery is logged and tried again at the
// next sign-in, so an unreachable provider never stops the server. A sign-in that left for the provider
// is a row in oidc_flows, found again through a random value in a cookie and used once; the rows of
// browsers that never came back are left to the worker's sweep (services/sign-in-purge.ts).

export const OIDC_CALLBACK_PATH = '/latchkey/v1/auth/oidc/callback';
/** a sign-in must come back from the provider within this time */
export const OIDC_FLOW_TTL_MS = 10 * 60_000;

/** Why a sign-in failed, as the `error` query parameter of /signin (the web page words it). */
export type OidcFailure =
  | 'provider_unavailable' // discovery or the token endpoint could not be reached
  | 'access_denied' // the provider (or the person there) refused
  | 'sign_in_expired' // no pending sign-in for this browser: too slow, or started elsewhere
  | 'invalid_response' // state, nonce, PKCE, signature or code validation failed
  | 'unknown_user' // no directory user matches the configured claim
  | 'account_disabled'; // the matching directory user is disabled

export class OidcSignInError extends Error {
  constructor(readonly failure: OidcFailure, message: string) {
    super(message);
  }
}

export interface OidcFlowStart {
  /** where to send the browser */
  authorizationUrl: URL;
  /** the cookie value that finds this flow again */
  flowCookie: string;
}

export function createOidcSignIn(deps: { db: Db; clock: Clock; log: FastifyBaseLogger }, cfg: OidcConfig) {
  const { db, clock, log } = deps;
  let configuration: oidc.Configuration | undefined;
  let discovering: Promise<oidc.Configuration> | undefined;
  const insecure = cfg.issuer.startsWith('http:');

  async function discover(): Promise<oidc.Configuration> {
    if (configuration) return configuration;
    discovering ??= oidc
      .discovery(
        new URL(cfg.issuer),
        cfg.clientId,
        undefined,
        // the OpenID Connect default for a confidential client; a public client relies on PKCE alone
        cfg.clientSecret ? oidc.ClientSecretBasic(cfg.clientSecret) : oidc.None(),
        // plain http only when the issuer itself is http (a provider on the same host or in tests)
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .then((c) => {
        configuration = c;
        log.info({ issuer: cfg.issuer }, 'OpenID Connect provider discovered');
        return c;
      })
      .finally(() => {
        discovering = undefined;
      });
    return discovering;
  }

  async function configurationOrFail(): Promise<oidc.Configuration> {
    try {
      return await discover();
    } catch (e) {
      log.error({ err: e, issuer: cfg.issuer }, 'OpenID Connect discovery failed; sign-in will try again');
      throw new OidcSignInError('provider_unavailable', 'The sign-in provider could not be reached.');
    }
  }

  return {
    displayName: cfg.displayName,

    /** Discovers the provider in the background at start-up; failures are logged, never thrown. */
    warmUp(): void {
      if (insecure) log.warn({ issuer: cfg.issuer }, 'OIDC_ISSUER is plain http: use https outside development');
      discover().catch((e: unknown) => log.error({ err: e, issuer: cfg.issuer }, 'OpenID Connect discovery failed at start-up; sign-in will try again'));
    },

    /** Starts a sign-in: stores state, nonce and PKCE verifier, and returns the provider's URL. */
    async start(redirectUri: string, returnTo: string): Promise<OidcFlowStart> {
      const c = await configurationOrFail();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const flowCookie = randomBytes(32).toString('base64url');
      const now = clock.now();
      await insertOidcFlow(db, {
        id: newId(), cookieHash: hashToken(flowCookie), state, nonce, codeVerifier, returnTo,
        createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + OIDC_FLOW_TTL_MS).toISOString(),
      });
      const authorizationUrl = oidc.buildAuthorizationUrl(c, {
        redirect_uri: redirectUri,
        scope: cfg.scopes,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { authorizationUrl, flowCookie };
    },

    /**
     * Completes a sign-in from the provider's redirect: takes the flow of this browser (once), checks the
     * response (state, code with PKCE, ID token signature and nonce), and returns the configured claim
     * and where the person wanted to go.
     */
    async finish(flowCookie: string | undefined, callbackUrl: URL): Promise<{ claimValue: string; returnTo: string }> {
      if (!flowCookie) throw new OidcSignInError('sign_in_expired', 'No sign-in was started in this browser, or it took too long.');
      const flow = await takeOidcFlow(db, hashToken(flowCookie));
      if (!flow || clock.now().toISOString() >= flow.expiresAt) {
        throw new OidcSignInError('sign_in_expired', 'No sign-in was started in this browser, or it took too long.');
      }
      const providerError = callbackUrl.searchParams.get('error');
      if (providerError) {
        throw new OidcSignInError('access_denied', `The provider refused the sign-in: ${providerError} ${callbackUrl.searchParams.get('error_description') ?? ''}`.trim());
      }
      const c = await configurationOrFail();
      let claims: Record<string, unknown>;
      let accessToken: string;
      try {
        const tokens = await oidc.authorizationCodeGrant(c, callbackUrl, {
          pkceCodeVerifier: flow.codeVerifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
        claims = { ...(tokens.claims() ?? {}) };
        accessToken = tokens.access_token;
      } catch (e) {
        log.warn({ err: e }, 'OpenID Connect sign-in refused');
        throw new OidcSignInError('invalid_response', 'The sign-in response did not pass validation.');
      }
      let value = claims[cfg.userClaim];
      if (typeof value !== 'string' || value === '') {
        // many providers put profile claims (email, preferred_username) only in userinfo
        try {
          const info = await oidc.fetchUserInfo(c, accessToken, String(claims.sub));
          value = (info as Record<string, unknown>)[cfg.userClaim];
        } catch (e) {
          log.warn({ err: e }, 'OpenID Connect userinfo request failed');
        }
      }
      if (typeof value !== 'string' || value === '') {
        throw new OidcSignInError('unknown_user', `The provider did not send the '${cfg.userClaim}' claim that identifies directory users.`);
      }
      return { claimValue: value, returnTo: flow.returnTo };
    },
  };
}

export type OidcSignIn = ReturnType<typeof createOidcSignIn>;
