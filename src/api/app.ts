import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Clock } from '../domain/clock.js';
import { DEFAULT_PRINCIPAL_CACHE_SECONDS, type Config } from '../config.js';
import { pingStore, type Store } from '../store/db.js';
import type { ResourceConnector } from '../connectors/types.js';
import type { SecretBox } from '../store/secret-box.js';
import { createServices, type Services } from '../services/index.js';
import { createPrincipalCache, DEFAULT_MAX_PRINCIPALS, type PrincipalCache } from '../services/principal-cache.js';
import { registerBodyParsers } from './bodies.js';
import { registerErrorHandling } from './errors.js';
import { registerInputStringChecks } from './input-strings.js';
import { bearerAuthenticator, registerSecurity, type Authenticator } from './security.js';
import { registerGraphRoutes } from './graph/index.js';
import { registerLatchkeyRoutes } from './latchkey/index.js';
import { registerReconciliationRoutes } from './latchkey/reconciliation.js';
import { registerScimRoutes } from './scim/index.js';
import { createMetrics, registerMetrics, type LatchkeyMetrics } from './metrics.js';
import { createWorkPublisher } from '../store/notify.js';
import { createWebAuth, type WebAuthOptions } from './auth/index.js';
import { DEFAULT_WEB_ROOT, registerWebApp } from './web.js';
import { DEFAULT_AUTH_FAILURES_PER_MINUTE, registerRateLimits } from './rate-limit.js';
import { DOCS_UI_OPTIONS, registerSecurityHeaders } from './headers.js';
import { loggerOptions } from './request-log.js';

export interface AppOptions {
  store: Store;
  clock: Clock;
  config: Pick<Config, 'bodyLimit' | 'rateLimitPerMinute' | 'logLevel'> & Partial<Pick<Config, 'publicUrl' | 'metricsToken' | 'authFailuresPerMinute' | 'trustProxy' | 'principalCacheSeconds'>>;
  /** connectors beyond the built-in ones (tests add one that fails on demand) */
  connectors?: ResourceConnector[];
  /** pino options or false; tests pass false to keep output clean */
  logger?: FastifyServerOptions['logger'];
  /** extra sign-in methods tried before bearer tokens (e.g. OIDC sessions) */
  authenticators?: Authenticator[];
  /** web sign-in: demo sign-in, OpenID Connect, session lifetimes */
  auth?: WebAuthOptions;
  /** serve HTTPS with this key and certificate (PEM) instead of plain HTTP */
  https?: { key: string | Buffer; cert: string | Buffer };
  /** seals and opens connection secrets; the CLI builds it from LATCHKEY_SECRET_KEY or the key file (services/index.ts) */
  secretBox?: SecretBox;
  /** folder of the built web app (default dist/web); false serves no web app */
  webRoot?: string | false;
}

export interface App {
  server: FastifyInstance;
  services: Services;
  metrics: LatchkeyMetrics;
  /** the principals signed-in credentials were found to be, kept briefly (services/principal-cache.ts) */
  principals: PrincipalCache;
  /** the payload of this app's work NOTIFYs (PostgreSQL): a worker in the same process passes it on to ignore them */
  workOrigin: string;
}

const SAFE_REQUEST_ID = /^[\w-]{1,64}$/;

export async function buildApp(opts: AppOptions): Promise<App> {
  // Fastify's types differ by transport; the app itself is the same on HTTP and HTTPS
  const server = Fastify({
    ...(opts.https ? { https: opts.https } : {}),
    logger: loggerOptions(opts.logger, opts.config.logLevel),
    bodyLimit: opts.config.bodyLimit,
    // X-Forwarded-For/-Proto/-Host only from the proxies TRUST_PROXY names: anyone can send those headers
    trustProxy: opts.config.trustProxy ?? false,
    // Graph clients send client-request-id; reuse it (when it is a plain token) so both sides log the same id
    genReqId: (req) => {
      const given = req.headers['client-request-id'];
      return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, useDefaults: false } },
    routerOptions: { ignoreTrailingSlash: true },
  }) as unknown as FastifyInstance;
  registerBodyParsers(server);
  const metrics = createMetrics({ db: opts.store.db, clock: opts.clock });
  const services = createServices({ db: opts.store.db, clock: opts.clock, log: server.log, publicUrl: opts.config.publicUrl }, { connectors: opts.connectors, onConnectorCall: metrics.connectorCall, onReconciliation: metrics.reconciliation, sessions: opts.auth?.sessions, secretBox: opts.secretBox });
  // on PostgreSQL, work created here also wakes the workers of other processes (LISTEN/NOTIFY, store/notify.ts)
  const workOrigin = randomUUID();
  if (opts.store.kind === 'postgres') services.onWork(createWorkPublisher(opts.store.db, server.log, metrics.notifySent, workOrigin));

  server.addHook('onSend', async (req, reply) => {
    reply.header('request-id', req.id);
    reply.header('client-request-id', req.id);
  });
  registerSecurityHeaders(server, { publicUrl: opts.config.publicUrl });
  registerErrorHandling(server, opts.clock);
  registerInputStringChecks(server);
  registerMetrics(server, metrics, opts.config.metricsToken ?? null);

  await server.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Latchkey API',
        version: '1.0',
        description: 'Entitlement management compatible with Microsoft Graph v1.0 (identityGovernance/entitlementManagement, users, groups, roleManagement). Identity providers provision people and groups through SCIM 2.0 at /scim/v2 (described by its own /scim/v2/ServiceProviderConfig, /Schemas and /ResourceTypes; not listed here), with a provisioning token from `latchkey token create --scim`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  await registerRateLimits(server, { perMinute: opts.config.rateLimitPerMinute, authFailuresPerMinute: opts.config.authFailuresPerMinute ?? DEFAULT_AUTH_FAILURES_PER_MINUTE });

  // bearer tokens before the session cookie: a request with a token is an API call, exempt from the CSRF rule
  const webAuth = createWebAuth({ db: opts.store.db, clock: opts.clock, log: server.log, publicUrl: opts.config.publicUrl }, opts.auth);
  // other processes' changes to who someone is end what the cache keeps (PostgreSQL: LISTEN, from now on)
  opts.store.identity.follow(server.log);
  const principals = createPrincipalCache({ identity: opts.store.identity, clock: opts.clock }, {
    ttlMs: (opts.config.principalCacheSeconds ?? DEFAULT_PRINCIPAL_CACHE_SECONDS) * 1000, maxEntries: DEFAULT_MAX_PRINCIPALS,
  });
  registerSecurity(server, opts.store.db, [...(opts.authenticators ?? []), bearerAuthenticator(services.tokens), webAuth.authenticator], principals);
  await webAuth.register(server);

  server.get('/healthz', { config: { auth: { public: true } }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  server.get('/readyz', { config: { auth: { public: true } }, schema: { hide: true } }, async (_req, reply) => {
    try {
      await pingStore(opts.store.db);
      return { status: 'ready', store: opts.store.kind };
    } catch (e) {
      return reply.status(503).send({ status: 'unavailable', error: (e as Error).message });
    }
  });
  server.get('/openapi.json', { config: { auth: { public: true } }, schema: { hide: true } }, async () => server.swagger());

  registerGraphRoutes(server, services, opts.store.db);
  registerLatchkeyRoutes(server, services);
  registerReconciliationRoutes(server, services);
  registerScimRoutes(server, services, { publicUrl: opts.config.publicUrl });

  await server.register(swaggerUi, { routePrefix: '/docs', ...DOCS_UI_OPTIONS });
  if (opts.webRoot !== false) await registerWebApp(server, opts.webRoot ?? DEFAULT_WEB_ROOT);
  return { server, services, metrics, principals, workOrigin };
}
