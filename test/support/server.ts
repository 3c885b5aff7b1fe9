import type { AddressInfo } from 'node:net';
import { buildApp, type App, type AppOptions } from '../../src/api/app.js';
import type { WebAuthOptions } from '../../src/api/auth/index.js';
import { ManualClock } from '../../src/domain/clock.js';
import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { newId } from '../../src/domain/ids.js';
import { openStore, type Store, type StoreOptions } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { newUserRow, type NewUser } from '../../src/store/users.js';
import { scratchDatabase, type ScratchDatabase } from './stores.js';
import { ApiClient } from './client.js';
import { TestConnector } from './test-connector.js';
import { createWorker, type Worker } from '../../src/worker/runner.js';

export interface TestServer {
  url: string;
  store: Store;
  app: App;
  clock: ManualClock;
  /** a client signed in as a fresh tenant administrator */
  admin: ApiClient;
  adminId: string;
  /** creates a user directly in the store and returns a client signed in as that user */
  user(fields?: Partial<NewUser>): Promise<{ id: string; upn: string; client: ApiClient }>;
  /** gives a principal a role at '/' or in a catalog, directly in the store */
  grantRole(principalId: string, roleDefinitionId: string, catalogId?: string): Promise<void>;
  anonymous: ApiClient;
  /** the 'TestSystem' resource connector, which fails on demand */
  connector: TestConnector;
  /** the lifecycle worker, not started: tests run it with drain() after moving the clock */
  worker: Worker;
  /** runs every due job and timer until nothing is left */
  drain(): Promise<void>;
  close(): Promise<void>;
}

let counter = 0;

/** Starts a real HTTP server on a fresh database of the configured store. */
export async function startTestServer(options: {
  rateLimitPerMinute?: number; bodyLimit?: number; https?: { key: string; cert: string }; auth?: WebAuthOptions;
  /** pino options (e.g. a stream to read the log from); default: no log */
  logger?: AppOptions['logger'];
  /** sees every statement of the server's store (see openStore) */
  onQuery?: StoreOptions['onQuery'];
} = {}): Promise<TestServer> {
  const scratch: ScratchDatabase = await scratchDatabase();
  const store = openStore(scratch.url, { onQuery: options.onQuery });
  await migrateToLatest(store.db);
  const clock = new ManualClock(new Date());
  const connector = new TestConnector();
  const app = await buildApp({
    connectors: [connector],
    store,
    clock,
    config: { bodyLimit: options.bodyLimit ?? 1024 * 1024, rateLimitPerMinute: options.rateLimitPerMinute ?? 0, logLevel: 'silent' },
    logger: options.logger ?? false,
    https: options.https,
    auth: options.auth,
  });
  await app.services.catalogs.ensureGeneral();
  const worker = createWorker({ store, clock, log: app.server.log, tasks: app.services.workerTasks, owner: 'test-worker' });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.server.address() as AddressInfo).port;
  const url = options.https ? `https://localhost:${port}` : `http://127.0.0.1:${port}`;

  const user: TestServer['user'] = async (fields = {}) => {
    const n = ++counter;
    const upn = fields.userPrincipalName ?? `user${n}-${newId().slice(0, 8)}@contoso.test`;
    const row = newUserRow({ displayName: fields.displayName ?? `Test User ${n}`, ...fields, userPrincipalName: upn, mail: fields.mail ?? upn }, clock.now().toISOString());
    await store.db.insertInto('users').values(row).execute();
    const { token } = await app.services.tokens.create(upn, 'test');
    return { id: row.id, upn, client: new ApiClient(url, token) };
  };
  const grantRole: TestServer['grantRole'] = async (principalId, roleDefinitionId, catalogId) => {
    await store.db.insertInto('roleAssignments').values({
      id: newId(), principalId, roleDefinitionId, appScopeId: catalogId ? `/AccessPackageCatalog/${catalogId}` : '/',
      catalogId: catalogId ?? null, createdAt: clock.now().toISOString(),
    }).execute();
  };
  const adminUser = await user({ displayName: 'Test Administrator' });
  await grantRole(adminUser.id, RoleDefinitionIds.administrator);

  return {
    url, store, app, clock, admin: adminUser.client, adminId: adminUser.id, user, grantRole,
    anonymous: new ApiClient(url),
    connector,
    worker,
    drain: () => worker.drain(),
    async close() {
      await worker.stop();
      await app.server.close();
      await store.close();
      await scratch.drop();
    },
  };
}
