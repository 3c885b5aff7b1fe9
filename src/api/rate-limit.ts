import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isIPv6 } from 'node:net';
import { readCookie, SESSION_COOKIE } from './auth/cookies.js';
import { graphErrorBody } from './errors.js';

// Rate limits, counted in this process's memory (README: per process). Three buckets:
// - a signed-in request counts against its person, whichever token or session it came with and however
//   the Authorization header is spelled; so the limit runs after sign-in (the security hook, onRequest)
// - a request that presents credentials which fail (401) counts against its client address, with a lower
//   limit; past it the address is refused before any credential is looked up (a brute-force guard)
// - everything else (no credentials, public routes) counts against its client address at the normal limit
// The client address is the peer, or X-Forwarded-For when TRUST_PROXY names the peer (Fastify's trustProxy).

const WINDOW_MS = 60_000;
/** Config's default too (AUTH_FAILURE_LIMIT_PER_MINUTE), for apps built without it */
export const DEFAULT_AUTH_FAILURES_PER_MINUTE = 60;

export interface RateLimits {
  perMinute: number;
  /** failed sign-ins per minute per address; at most perMinute */
  authFailuresPerMinute: number;
}

/** IPv4 as is; IPv6 by its /64, which one client usually holds whole (so it cannot hop between addresses). */
export function clientAddressKey(ip: string): string {
  if (!isIPv6(ip)) return `ip:${ip}`;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return `ip:${mapped[1]}`;
  const [head, tail] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `ip:${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

const addressKey = (req: FastifyRequest) => clientAddressKey(req.ip);

/** Whether the request tries to sign in: an Authorization header (any scheme) or a session cookie. */
function presentsCredentials(req: FastifyRequest): boolean {
  return req.headers.authorization !== undefined || readCookie(req, SESSION_COOKIE) !== undefined;
}

function tooManyRequests(message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode: 429 });
}

/** Registers the limits; call before registerSecurity, so that the guard's onRequest hook runs before sign-in. */
export async function registerRateLimits(server: FastifyInstance, limits: RateLimits): Promise<void> {
  if (limits.perMinute <= 0) return;
  await server.register(rateLimit, {
    max: limits.perMinute,
    timeWindow: WINDOW_MS,
    // preParsing: after every onRequest hook, so req.principal is known (and before a limited request's body is read)
    hook: 'preParsing',
    keyGenerator: (req) => (req.principal ? `user:${req.principal.userId}` : req.provisioner ? `source:${req.provisioner.sourceId}` : addressKey(req)),
    errorResponseBuilder: (req, ctx) => ({
      statusCode: 429,
      ...graphErrorBody(req, 'TooManyRequests', `Too many requests: at most ${ctx.max} a minute. Retry after ${Math.ceil(ctx.ttl / 1000)} seconds.`),
    }),
  });
  // the same store and key as above: for requests that end in onRequest (401) and never reach preParsing
  const byAddress = server.createRateLimit();
  const failuresMax = Math.max(1, Math.min(limits.authFailuresPerMinute, limits.perMinute));
  const failures = server.createRateLimit({ max: failuresMax, timeWindow: WINDOW_MS, keyGenerator: addressKey });

  server.addHook('onRequest', async (req, reply) => {
    const rule = req.routeOptions.config?.auth;
    const credentials = presentsCredentials(req);
    // public routes without credentials are limited by the hook above
    if (!credentials && (!rule || 'public' in rule)) return;
    const state = await (credentials ? failures : byAddress)(req, { increment: false });
    if (state.isAllowed || state.remaining > 0) return;
    reply.header('retry-after', state.ttlInSeconds);
    throw tooManyRequests(credentials
      ? `Too many failed sign-ins from this address: at most ${failuresMax} a minute. Retry after ${state.ttlInSeconds} seconds.`
      : `Too many requests: at most ${limits.perMinute} a minute. Retry after ${state.ttlInSeconds} seconds.`);
  });

  // counted before the answer leaves, so that a client's next request already sees it
  server.addHook('onSend', async (req, reply) => {
    if (reply.statusCode !== 401) return;
    await (presentsCredentials(req) ? failures : byAddress)(req);
  });
}
