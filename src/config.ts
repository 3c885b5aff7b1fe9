import { isIP } from 'node:net';

// Configuration from flags and environment. Flags win over the environment; the defaults run an
// embedded SQLite database in ./data so that `latchkey serve` works with nothing else installed.

export interface Config {
  databaseUrl: string;
  port: number;
  host: string;
  logLevel: string;
  /** largest accepted request body, bytes */
  bodyLimit: number;
  /** requests per minute per caller before 429; 0 turns the limit off */
  rateLimitPerMinute: number;
  /** failed sign-ins (401) per minute per client address before that address gets 429 (AUTH_FAILURE_LIMIT_PER_MINUTE) */
  authFailuresPerMinute: number;
  /** whose X-Forwarded-For/-Proto/-Host to believe (TRUST_PROXY): nobody, every peer, or these proxy addresses */
  trustProxy: boolean | string[];
  demo: boolean;
  /** SMTP server for outbox delivery, e.g. smtp://user:pass@host:587 or smtps://…; null keeps mail in the outbox */
  smtpUrl: string | null;
  /** From header of outgoing mail */
  mailFrom: string;
  /** base URL of links in emails (My Access), without a trailing slash */
  publicUrl: string;
  /** run the worker inside `serve` */
  worker: boolean;
  /** how often the worker looks for due jobs and timers, ms */
  workerPollMs: number;
  /** how long a job a worker claimed stays reserved without a renewal, ms (WORKER_LEASE_MS): a dead worker's jobs wait this long */
  workerLeaseMs: number;
  /** bearer token GET /metrics requires; null leaves it public (METRICS_TOKEN) */
  metricsToken: string | null;
  /** port on which `latchkey worker` serves /metrics and /healthz; null serves none (METRICS_PORT) */
  metricsPort: number | null;
  /** jobs one worker runs at once (WORKER_CONCURRENCY); null: on PostgreSQL 16 inside serve, 4 in `latchkey worker`; 1 on SQLite */
  workerConcurrency: number | null;
  /**
   * how long the API keeps the principal a token or session signs in, seconds (PRINCIPAL_CACHE_SECONDS); 0 turns
   * the cache off. Every change to users, groups, roles, tokens or sessions ends it at once (services/principal-cache.ts).
   */
  principalCacheSeconds: number;
  /** a web session unused this long ends, minutes */
  sessionIdleMinutes: number;
  /** a web session ends this long after sign-in, hours */
  sessionMaxHours: number;
  /** OpenID Connect sign-in for the web portals; null when OIDC_ISSUER is unset */
  oidc: OidcConfig | null;
  /** base64 of the 32-byte key that encrypts connection secrets (LATCHKEY_SECRET_KEY); store/secret-key.ts decodes it */
  secretKey: string | null;
  /** a file holding that key instead (LATCHKEY_SECRET_KEY_FILE); with neither, secret.key in the SQLite data folder */
  secretKeyFile: string | null;
  /** older keys a rotation still decrypts with (LATCHKEY_SECRET_KEY_OLD, comma-separated base64) */
  secretKeyOld: string[];
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** null for a public client (PKCE only) */
  clientSecret: string | null;
  /** the ID token (or userinfo) claim matched, case-insensitively, to userPrincipalName */
  userClaim: string;
  scopes: string;
  /** label of the sign-in button */
  displayName: string;
}

export const DEFAULT_OIDC_DISPLAY_NAME = 'Sign in with your organization';

function oidcOf(env: NodeJS.ProcessEnv): OidcConfig | null {
  const issuer = env.OIDC_ISSUER?.trim();
  if (!issuer) return null;
  const clientId = env.OIDC_CLIENT_ID?.trim();
  if (!clientId) throw new Error('OIDC_ISSUER is set: OIDC_CLIENT_ID is required too');
  // validated, but kept as given: discovery compares it with the provider's issuer exactly (some end with '/')
  httpUrl('OIDC_ISSUER', issuer);
  return {
    issuer,
    clientId,
    clientSecret: env.OIDC_CLIENT_SECRET?.trim() || null,
    userClaim: env.OIDC_USER_CLAIM?.trim() || 'preferred_username',
    scopes: env.OIDC_SCOPES?.trim() || 'openid profile email',
    displayName: env.OIDC_DISPLAY_NAME?.trim() || DEFAULT_OIDC_DISPLAY_NAME,
  };
}

/** the worker renews leases every third of the lease: shorter than this would mostly renew */
const MIN_WORKER_LEASE_MS = 1000;
/** the default lease of a claimed job (worker/runner.ts uses the same) */
export const DEFAULT_JOB_LEASE_MS = 30_000;

export const DEFAULT_DATABASE_URL = 'sqlite:data/latchkey.db';
export const DEFAULT_MAIL_FROM = 'Latchkey <latchkey@localhost>';
export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:8080';

/** false for off/false/0/no, true for on/true/1/yes, the fallback when unset */
function switchOf(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  throw new Error(`${name} must be on or off, got '${raw}'`);
}

function httpUrl(name: string, raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`${name} must be an http(s) URL, got '${raw}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL, got '${raw}'`);
  return raw.replace(/\/+$/, '');
}

/** proxy-addr's names for address ranges, accepted in TRUST_PROXY next to addresses and CIDR ranges */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustProxyOf(raw: string | undefined): boolean | string[] {
  if (raw === undefined || raw.trim() === '') return false;
  const v = raw.trim().toLowerCase();
  if (['off', 'false', 'no', '0'].includes(v)) return false;
  if (['on', 'true', 'yes'].includes(v)) return true;
  const entries = raw.split(',').map((e) => e.trim());
  for (const e of entries) {
    const [address, prefix, ...rest] = e.split('/');
    const family = isIP(address);
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (!PROXY_RANGE_NAMES.has(e) && (!family || !prefixOk || rest.length > 0)) {
      throw new Error(`TRUST_PROXY must be on, off or a comma-separated list of proxy addresses (10.0.0.2, 10.0.0.0/8, loopback), got '${raw}'`);
    }
  }
  return entries;
}

function smtpUrlOf(raw: string | undefined): string | null {
  if (raw === undefined || raw.trim() === '') return null;
  if (!/^smtps?:\/\/[^/\s]/i.test(raw.trim())) throw new Error('SMTP_URL must look like smtp://[user:pass@]host[:port] or smtps://…');
  return raw.trim();
}

/** a few seconds: the cache is invalidated on every change anyway, the limit bounds how late a credential's use is recorded */
export const DEFAULT_PRINCIPAL_CACHE_SECONDS = 5;

export function loadConfig(env: NodeJS.ProcessEnv, flags: Partial<Config> = {}): Config {
  const int = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
    return n;
  };
  return {
    databaseUrl: flags.databaseUrl ?? env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    port: flags.port ?? int('PORT', 8080),
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    logLevel: flags.logLevel ?? env.LOG_LEVEL ?? 'info',
    bodyLimit: flags.bodyLimit ?? int('BODY_LIMIT_BYTES', 1024 * 1024),
    rateLimitPerMinute: flags.rateLimitPerMinute ?? int('RATE_LIMIT_PER_MINUTE', 6000),
    // at least 1: with 0 every request that carries a credential would be refused
    authFailuresPerMinute: flags.authFailuresPerMinute ?? Math.max(1, int('AUTH_FAILURE_LIMIT_PER_MINUTE', 60)),
    trustProxy: flags.trustProxy ?? trustProxyOf(env.TRUST_PROXY),
    demo: flags.demo ?? env.LATCHKEY_DEMO === '1',
    smtpUrl: flags.smtpUrl !== undefined ? flags.smtpUrl : smtpUrlOf(env.SMTP_URL),
    mailFrom: flags.mailFrom ?? (env.MAIL_FROM?.trim() || DEFAULT_MAIL_FROM),
    publicUrl: httpUrl('PUBLIC_URL', flags.publicUrl ?? (env.PUBLIC_URL?.trim() || DEFAULT_PUBLIC_URL)),
    worker: flags.worker ?? switchOf('WORKER', env.WORKER, true),
    workerPollMs: flags.workerPollMs ?? Math.max(10, int('WORKER_POLL_MS', 1000)),
    workerLeaseMs: flags.workerLeaseMs ?? Math.max(MIN_WORKER_LEASE_MS, int('WORKER_LEASE_MS', DEFAULT_JOB_LEASE_MS)),
    metricsToken: flags.metricsToken !== undefined ? flags.metricsToken : env.METRICS_TOKEN?.trim() || null,
    metricsPort: flags.metricsPort !== undefined ? flags.metricsPort : env.METRICS_PORT ? int('METRICS_PORT', 0) : null,
    workerConcurrency: flags.workerConcurrency !== undefined ? flags.workerConcurrency : env.WORKER_CONCURRENCY ? Math.max(1, int('WORKER_CONCURRENCY', 1)) : null,
    principalCacheSeconds: flags.principalCacheSeconds ?? int('PRINCIPAL_CACHE_SECONDS', DEFAULT_PRINCIPAL_CACHE_SECONDS),
    sessionIdleMinutes: flags.sessionIdleMinutes ?? Math.max(1, int('SESSION_IDLE_MINUTES', 8 * 60)),
    sessionMaxHours: flags.sessionMaxHours ?? Math.max(1, int('SESSION_MAX_HOURS', 7 * 24)),
    oidc: flags.oidc !== undefined ? flags.oidc : oidcOf(env),
    secretKey: flags.secretKey !== undefined ? flags.secretKey : env.LATCHKEY_SECRET_KEY?.trim() || null,
    secretKeyFile: flags.secretKeyFile !== undefined ? flags.secretKeyFile : env.LATCHKEY_SECRET_KEY_FILE?.trim() || null,
    secretKeyOld: flags.secretKeyOld ?? (env.LATCHKEY_SECRET_KEY_OLD ?? '').split(',').map((k) => k.trim()).filter(Boolean),
  };
}

/** Web session lifetimes in the units the session service counts in. */
export function sessionLifetimes(config: Pick<Config, 'sessionIdleMinutes' | 'sessionMaxHours'>): { idleMs: number; absoluteMs: number } {
  return { idleMs: config.sessionIdleMinutes * 60_000, absoluteMs: config.sessionMaxHours * 3_600_000 };
}
