import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../../domain/errors.js';
import { servedOverHttps } from '../headers.js';

// Cookies of the web sign-in, read and written through @fastify/cookie.

export const SESSION_COOKIE = 'latchkey_session';
/** the pending OpenID Connect sign-in of this browser; only sent back to the callback */
export const OIDC_FLOW_COOKIE = 'latchkey_oidc';
export const OIDC_FLOW_COOKIE_PATH = '/latchkey/v1/auth/oidc';

/** The header that proves a request came from Latchkey's own pages (cross-site forms cannot set headers). */
export const CSRF_HEADER = 'x-latchkey-request';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Registers @fastify/cookie unless another part of the app already did. */
export async function registerCookies(server: FastifyInstance): Promise<void> {
  if (!server.hasPlugin('@fastify/cookie')) await server.register(fastifyCookie);
}

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  // the security hook runs before the plugin's own onRequest hook has filled req.cookies
  const header = req.headers.cookie;
  const jar = req.cookies ?? (header ? req.server.parseCookie(header) : {});
  const value = jar[name];
  return value ? value : undefined;
}

export interface CookieSecurity {
  /** PUBLIC_URL; Secure cookies when it is https */
  publicUrl?: string;
}

/** Secure when the deployment is served over https (PUBLIC_URL) or this request came over https. */
function secureFor(req: FastifyRequest, opts: CookieSecurity): boolean {
  return servedOverHttps(req, opts.publicUrl);
}

export function setCookie(reply: FastifyReply, req: FastifyRequest, opts: CookieSecurity, name: string, value: string, attrs: { path?: string; maxAgeSeconds?: number; expires?: Date } = {}): void {
  reply.setCookie(name, value, {
    httpOnly: true,
    sameSite: 'lax',
    path: attrs.path ?? '/',
    secure: secureFor(req, opts),
    ...(attrs.maxAgeSeconds !== undefined ? { maxAge: attrs.maxAgeSeconds } : {}),
    ...(attrs.expires ? { expires: attrs.expires } : {}),
  });
}

export function clearCookie(reply: FastifyReply, req: FastifyRequest, opts: CookieSecurity, name: string, path = '/'): void {
  setCookie(reply, req, opts, name, '', { path, maxAgeSeconds: 0, expires: new Date(0) });
}

export function isUnsafeMethod(method: string): boolean {
  return UNSAFE_METHODS.has(method.toUpperCase());
}

/** Refuses a state-changing request that lacks the CSRF header. */
export function requireCsrfHeader(req: FastifyRequest): void {
  if (req.headers[CSRF_HEADER] === '1') return;
  throw new ForbiddenError(
    `Requests that change data with the session cookie must carry the header 'X-Latchkey-Request: 1' ` +
      '(protection against cross-site request forgery). API clients send "Authorization: Bearer <token>" instead.',
  );
}
