#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, sessionLifetimes, type Config } from '../config.js';
import { systemClock } from '../domain/clock.js';
import { openStore, parseDatabaseUrl, type Store } from '../store/db.js';
import { migrateToLatest } from '../store/migrate.js';
import { buildApp } from '../api/app.js';
import { demoSignInRefusal } from '../api/auth/demo.js';
import { createMetrics, serveWorkerMetrics } from '../api/metrics.js';
import { createServices } from '../services/index.js';
import { isDemoCompany, seedDemo } from '../demo/seed.js';
import { createAppWorker, defaultWorkerConcurrency, workerPoolSize, type AppWorker } from '../worker/index.js';
import pino from 'pino';
import { readFileSync } from 'node:fs';
import { loadSecretKeys } from '../store/secret-key.js';
import { createSecretBox, unavailableSecretBox, type SecretBox } from '../store/secret-box.js';

// The `latchkey` command. Output meant for scripts (tokens, JSON) goes to stdout alone;
// progress and hints go to stderr so that `$(latchkey token create …)` captures just the token.

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number from 0 to 65535');
  return n;
};

interface DbOpts { db?: string }

async function withStore<T>(opts: DbOpts, fn: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env, { databaseUrl: opts.db });
  const store = openStore(config.databaseUrl);
  try {
    await migrateToLatest(store.db);
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

/** The box that seals connection secrets, with the key the configuration names (or the data folder's key file). */
function secretBoxOf(config: Config, log?: { info: (o: object, m: string) => void }): SecretBox {
  if (!config.secretKey && !config.secretKeyFile && parseDatabaseUrl(config.databaseUrl).kind === 'postgres') {
    // PostgreSQL has no data folder to keep a generated key in: the server runs, connections wait for a key
    return unavailableSecretBox('Connections keep their secrets encrypted, and on PostgreSQL the key must be given: set LATCHKEY_SECRET_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or LATCHKEY_SECRET_KEY_FILE and restart.');
  }
  const keys = loadSecretKeys(config);
  const box = createSecretBox(keys.current, keys.old);
  log?.info({ secretKey: keys.source, keyId: box.keyId }, 'connection secrets key loaded');
  return box;
}

function quietServices(store: Store) {
  return createServices({ db: store.db, clock: systemClock, log: pino({ level: 'warn' }) });
}

const program = new Command();
program.name('latchkey').description('Entitlement management with a Microsoft Graph-compatible API.').showHelpAfterError();

program
  .command('serve')
  .description('apply migrations and serve the API (SQLite by default)')
  .option('-p, --port <port>', 'port to listen on (env PORT, default 8080)', port)
  .option('--host <host>', 'address to bind (env HOST, default 127.0.0.1)')
  .option('--db <url>', 'database: a file path, sqlite:PATH or postgres://… (env DATABASE_URL)')
  .option('--demo', 'seed demo data when the database is empty; on SQLite without OIDC, and only on a database seeded with the demo, also turns on demo sign-in (pick any demo user, no password)')
  .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (env TLS_CERT_FILE)')
  .option('--tls-key <file>', 'and this PEM private key (env TLS_KEY_FILE)')
  .option('--no-worker', 'do not run the worker in this process (env WORKER=off); run `latchkey worker` elsewhere')
  .action(async (opts: { port?: number; host?: string; db?: string; demo?: boolean; tlsCert?: string; tlsKey?: string; worker?: boolean }) => {
    const config = loadConfig(process.env, {
      port: opts.port, host: opts.host, databaseUrl: opts.db, demo: opts.demo,
      // commander defaults --no-worker's value to true: only an explicit --no-worker overrides WORKER
      worker: opts.worker === false ? false : undefined,
    });
    const certFile = opts.tlsCert ?? process.env.TLS_CERT_FILE;
    const keyFile = opts.tlsKey ?? process.env.TLS_KEY_FILE;
    if (!!certFile !== !!keyFile) throw new InvalidArgumentError('HTTPS needs both --tls-cert and --tls-key');
    const https = certFile && keyFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile) } : undefined;
    const store = openStore(config.databaseUrl);
    const applied = await migrateToLatest(store.db);
    // the demo is seeded before the app is built: whether demo sign-in exists depends on what is in the database
    let seeded: Awaited<ReturnType<typeof seedDemo>>;
    if (config.demo) {
      const seeding = quietServices(store);
      await seeding.catalogs.ensureGeneral();
      seeded = await seedDemo(seeding, store.db, systemClock);
    }
    // demo sign-in only from the --demo flag itself (LATCHKEY_DEMO does not count), never with OIDC or PostgreSQL,
    // and only on a database seedDemo seeded: --demo against real people must not let anyone sign in as them
    const demoCompany = await isDemoCompany(store.db);
    const demoSignInOff = demoSignInRefusal({ demoFlag: opts.demo === true, oidcConfigured: !!config.oidc, storeKind: store.kind, demoCompany });
    const demoSignIn = demoSignInOff === null;
    const sessions = sessionLifetimes(config);
    const auth = { demoSignIn, oidc: config.oidc, sessions };
    const secretBox = secretBoxOf(config);
    const { server, services, metrics, workOrigin } = await buildApp({ store, clock: systemClock, config, https, auth, secretBox });
    if (secretBox.keyId === 'none') server.log.warn('no LATCHKEY_SECRET_KEY: connections to target systems cannot be added or used until one is set');
    else server.log.info({ keyId: secretBox.keyId }, 'connection secrets key loaded');
    if (opts.demo && demoSignInOff) server.log.warn({ reason: demoSignInOff }, `--demo given but demo sign-in stays off: ${demoSignInOff}`);
    await services.catalogs.ensureGeneral();
    if (seeded) server.log.info({ users: seeded.users, packages: seeded.packages }, 'seeded demo data');
    else if (config.demo) server.log.info('demo data not seeded: the database already has users');
    server.log.info({ store: store.description, migrationsApplied: applied.applied }, 'database ready');
    let worker: AppWorker | null = null;
    // PostgreSQL: the worker gets a pool of its own, so that a burst of API requests cannot starve delivery
    // of connections (bench, 1,000 parallel requests: p99 submit→delivered 50 s sharing the API's pool, 2.2 s
    // with separate worker processes). SQLite has one connection per process, shared by both.
    const workerConcurrency = config.workerConcurrency ?? defaultWorkerConcurrency(store.kind, true);
    const workerStore = config.worker && store.kind === 'postgres' ? openStore(config.databaseUrl, { poolSize: workerPoolSize(workerConcurrency) }) : store;
    if (config.worker) {
      const jobs = workerStore === store ? services : createServices({ db: workerStore.db, clock: systemClock, log: server.log, publicUrl: config.publicUrl }, { onConnectorCall: metrics.connectorCall, onReconciliation: metrics.reconciliation, sessions, secretBox });
      worker = createAppWorker({
        store: workerStore, clock: systemClock, log: server.log, config: { ...config, workerConcurrency }, observer: metrics.worker, workOrigin,
        // jobs run on the worker's pool; work created by this app's requests still kicks it at once
        services: { workerTasks: jobs.workerTasks, onWork: (kick) => services.onWork(kick) },
      });
      worker.start();
    }
    const shutdown = async (signal: string) => {
      server.log.info({ signal }, 'shutting down');
      await worker?.stop();
      await server.close();
      if (workerStore !== store) await workerStore.close();
      await store.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    await server.listen({ port: config.port, host: config.host });
    const url = `${https ? 'https' : 'http'}://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${(server.server.address() as { port: number }).port}`;
    process.stderr.write(`\nLatchkey is listening on ${url}  (API docs: ${url}/docs, store: ${store.description})\n`);
    if (demoSignIn) process.stderr.write(`DEMO SIGN-IN IS ON: open ${url} and pick any demo user (no password). Never expose this server.\n`);
    if (opts.demo && demoSignInOff) process.stderr.write(`Demo sign-in is off: ${demoSignInOff}.\n`);
    if (config.demo && demoCompany) {
      process.stderr.write(`Demo administrator: admin@contoso.example. Get a token with:\n  npx latchkey token create --user admin@contoso.example${opts.db ? ` --db ${opts.db}` : ''}\n\n`);
    }
  });

program
  .command('worker')
  .description('apply migrations and run only the worker: lifecycle jobs and timers, email delivery (SMTP_URL)')
  .option('--db <url>', 'database URL (env DATABASE_URL)')
  .action(async (opts: DbOpts) => {
    const config = loadConfig(process.env, { databaseUrl: opts.db });
    const log = pino({ level: config.logLevel });
    // one concurrency for the pool and the worker's lanes (createAppWorker would otherwise work out its own default)
    const workerConcurrency = config.workerConcurrency ?? defaultWorkerConcurrency(parseDatabaseUrl(config.databaseUrl).kind, false);
    const store = openStore(config.databaseUrl, { poolSize: workerPoolSize(workerConcurrency) });
    const applied = await migrateToLatest(store.db);
    log.info({ store: store.description, migrationsApplied: applied.applied }, 'database ready');
    // publicUrl rides along for the notification service (links in emails the worker queues)
    const deps = { db: store.db, clock: systemClock, log, publicUrl: config.publicUrl };
    const metrics = createMetrics({ db: store.db, clock: systemClock });
    const services = createServices(deps, { onConnectorCall: metrics.connectorCall, onReconciliation: metrics.reconciliation, sessions: sessionLifetimes(config), secretBox: secretBoxOf(config, log) });
    const worker = createAppWorker({ store, clock: systemClock, log, services, config: { ...config, workerConcurrency }, observer: metrics.worker });
    // the worker has no API server: METRICS_PORT gives it one just for /metrics and /healthz
    const metricsServer = config.metricsPort !== null ? await serveWorkerMetrics(metrics, { port: config.metricsPort, host: config.host, token: config.metricsToken }) : null;
    if (metricsServer) log.info({ address: metricsServer.address() }, 'worker metrics at /metrics');
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      await worker.stop();
      await store.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    worker.start();
  });

program
  .command('migrate')
  .description('apply pending database migrations (a no-op when up to date)')
  .option('--db <url>', 'database URL (env DATABASE_URL)')
  .action(async (opts: DbOpts) => {
    await withStore(opts, async (store) => {
      const services = quietServices(store);
      await services.catalogs.ensureGeneral();
      process.stderr.write(`database ${store.description} is up to date\n`);
    });
  });

program
  .command('seed')
  .description('load data into an empty database')
  .option('--demo', 'the demo company: users, groups, catalogs and access packages')
  .option('--db <url>', 'database URL (env DATABASE_URL)')
  .action(async (opts: DbOpts & { demo?: boolean }) => {
    if (!opts.demo) throw new InvalidArgumentError('say which data to load: --demo');
    await withStore(opts, async (store) => {
      const services = quietServices(store);
      await services.catalogs.ensureGeneral();
      const seeded = await seedDemo(services, store.db, systemClock);
      process.stderr.write(seeded ? `seeded ${seeded.users} users and ${seeded.packages} access packages\n` : 'the database already has data; nothing seeded\n');
    });
  });

program
  .command('bootstrap')
  .description('make a user the tenant-wide administrator of a database that has none')
  .requiredOption('--admin <userPrincipalName>', 'the administrator (created if missing)')
  .option('--db <url>', 'database URL (env DATABASE_URL)')
  .action(async (opts: DbOpts & { admin: string }) => {
    await withStore(opts, async (store) => {
      const services = quietServices(store);
      await services.catalogs.ensureGeneral();
      const r = await services.bootstrap.bootstrapAdmin(opts.admin);
      process.stderr.write(
        `${opts.admin} is the administrator${r.createdUser ? ' (user created)' : ''}${r.createdRole ? '' : ' (already was; nothing changed)'}\n`,
      );
    });
  });

const token = program.command('token').description('API tokens and provisioning tokens (stored hashed)');
token
  .command('create')
  .description('print a new bearer token on stdout: a user\'s API token (--user), or with --scim a provisioning token accepted only under /scim/v2')
  .option('--user <userPrincipalName>', 'whose token')
  .option('--scim', 'a provisioning token for an identity provider (SCIM 2.0 at /scim/v2); needs --name')
  .option('--source <id or name>', 'with --scim: the SCIM identity source it belongs to (default: the one named after --name, made if missing)')
  .option('--name <label>', 'a label to recognise it by')
  .option('--db <url>', 'database URL (env DATABASE_URL)')
  .action(async (opts: DbOpts & { user?: string; name?: string; scim?: boolean; source?: string }) => {
    if (opts.scim ? opts.user || !opts.name : !opts.user || opts.source) {
      throw new Error(opts.scim ? 'token create --scim needs --name <label> and takes no --user' : 'token create needs --user <userPrincipalName>, or --scim --name <label>');
    }
    await withStore(opts, async (store) => {
      const services = quietServices(store);
      if (opts.scim) {
        const made = await services.tokens.createProvisioning(opts.name!, opts.source);
        process.stderr.write(`provisioning token for identity source '${made.identitySource.displayName}' (${made.identitySource.id}${made.identitySource.created ? ', created' : ''}); SCIM endpoint: <your server>/scim/v2\n`);
        process.stdout.write(`${made.token}\n`);
        return;
      }
      const { token: t } = await services.tokens.create(opts.user!, opts.name ?? null);
      process.stdout.write(`${t}\n`);
    });
  });
token
  .command('list')
  .description('list tokens (never the secrets); provisioning tokens name their identity source')
  .option('--user <userPrincipalName>', 'only this user’s tokens')
  .option('--scim', 'only provisioning tokens')
  .option('--db <url>', 'database URL (env DATABASE_URL)')
  .action(async (opts: DbOpts & { user?: string; scim?: boolean }) => {
    await withStore(opts, async (store) => {
      const services = quietServices(store);
      const people = opts.scim ? [] : (await services.tokens.list(opts.user)).map((t) => ({ kind: 'api', ...t }));
      const provisioning = opts.user ? [] : (await services.tokens.listProvisioning()).map((t) => ({ kind: 'scim', ...t }));
      process.stdout.write(`${JSON.stringify([...people, ...provisioning], null, 2)}\n`);
    });
  });
token
  .command('revoke')
  .description('revoke a token by its id (see token list)')
  .argument('<id>', 'token id')
  .option('--db <url>', 'database URL (env DATABASE_URL)')
  .action(async (id: string, opts: DbOpts) => {
    await withStore(opts, async (store) => {
      await quietServices(store).tokens.revoke(id);
      process.stderr.write(`token ${id} revoked\n`);
    });
  });

const secrets = program.command('secrets').description('the key connection secrets are sealed with');
secrets
  .command('rotate')
  .description('seal every connection\'s secrets again with LATCHKEY_SECRET_KEY (after moving the previous key to LATCHKEY_SECRET_KEY_OLD); prints a JSON report')
  .option('--db <url>', 'database URL (env DATABASE_URL)')
  .action(async (opts: DbOpts) => {
    await withStore(opts, async (store, config) => {
      const secretBox = secretBoxOf(config);
      const services = createServices({ db: store.db, clock: systemClock, log: pino({ level: 'warn' }) }, { secretBox });
      const report = await services.connections.resealAll();
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      if (report.failed.length > 0) {
        process.stderr.write(`${report.failed.length} connection(s) could not be opened with the current or old keys; they keep their old sealing\n`);
        process.exitCode = 1;
      } else {
        process.stderr.write(`every connection is sealed with key ${report.keyId}; the old keys may now be removed from LATCHKEY_SECRET_KEY_OLD\n`);
      }
    });
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  const err = e as Error & { status?: number };
  console.error(`latchkey: ${err.message}`);
  process.exit(err.status && err.status < 500 ? 2 : 1);
});
