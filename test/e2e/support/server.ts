import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { buildApp, type App } from '../../../src/api/app.js';
import { DEFAULT_WEB_ROOT } from '../../../src/api/web.js';
import { systemClock } from '../../../src/domain/clock.js';
import { seedDemo } from '../../../src/demo/seed.js';
import { openStore, type Store } from '../../../src/store/db.js';
import { migrateToLatest } from '../../../src/store/migrate.js';
import { createAppWorker, type AppWorker } from '../../../src/worker/index.js';
import { scratchDatabase, type ScratchDatabase } from '../../support/stores.js';
import { loadConfig, type OidcConfig } from '../../../src/config.js';

// The server the browser tests drive: the real app on a fresh database of the configured store, with the
// demo company, demo sign-in and a running worker (real clock), as `npm start` runs it.

export interface E2eServer {
  url: string;
  app: App;
  store: Store;
  close(): Promise<void>;
}

export interface E2eOptions {
  /** OpenID Connect sign-in instead of demo sign-in */
  oidc?: OidcConfig;
}

export async function startE2eServer(options: E2eOptions = {}): Promise<E2eServer> {
  if (!existsSync(`${DEFAULT_WEB_ROOT}/index.html`)) throw new Error(`The web app is not built (${DEFAULT_WEB_ROOT}): run npm run build:web first (npm run test:e2e does).`);
  const scratch: ScratchDatabase = await scratchDatabase();
  const store = openStore(scratch.url);
  await migrateToLatest(store.db);
  // no PUBLIC_URL: the port is known only after listening, and the app then answers on the address it is called at
  const config = { ...loadConfig({}), databaseUrl: scratch.url, publicUrl: undefined, workerPollMs: 200, rateLimitPerMinute: 0, logLevel: 'warn' };
  const app = await buildApp({ store, clock: systemClock, config, logger: { level: process.env.E2E_LOG_LEVEL ?? 'warn' }, auth: options.oidc ? { oidc: options.oidc } : { demoSignIn: true } });
  await app.services.catalogs.ensureGeneral();
  await seedDemo(app.services, store.db, systemClock);
  const worker: AppWorker = createAppWorker({ store, clock: systemClock, log: app.server.log, services: app.services, config });
  worker.start();
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}`;
  return {
    url,
    app,
    store,
    async close() {
      await worker.stop();
      await app.server.close();
      await store.close();
      await scratch.drop();
    },
  };
}
