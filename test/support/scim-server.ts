import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { betterAuth, type BetterAuthOptions } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { scim } from '@better-auth/scim';

// A real third-party SCIM 2.0 service provider for the SCIM connector's tests: better-auth with its
// @better-auth/scim plugin on better-sqlite3 in a temp folder, served by node:http on a free port.
// In 1.7.5 the plugin issues bearer credentials per code-defined provisioning connection (its
// `connections[].credentials`, static bearer tokens) or through its managed-connection catalog (which
// needs a signed-in administrator); the first is the plugin's documented way for a fixed client, so the
// harness declares one connection with a random token. Stop/start keep the port and the database, so a
// test can take the target down and bring it back.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SCIM JSON, read field by field in the tests
type ScimJson = any;

export const SCIM_BASE_PATH = '/api/auth/scim/v2';

export interface ScimSeedUser {
  userName: string;
  externalId?: string;
  displayName?: string;
  email?: string;
}

export interface ScimServer {
  /** e.g. http://127.0.0.1:41234/api/auth/scim/v2 (no trailing slash) */
  baseUrl: string;
  port: number;
  token: string;
  /** SCIM ids of the seeded users by userName, and of the seeded groups by displayName */
  users: Map<string, string>;
  groups: Map<string, string>;
  /** a SCIM request with the harness's token (to read the target behind the connector's back) */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: ScimJson }>;
  stop(): Promise<void>;
  /** listens again on the same port with the same database */
  start(): Promise<void>;
  /** stops and removes the temp folder */
  dispose(): Promise<void>;
}

export interface ScimServerOptions {
  users?: ScimSeedUser[];
  groups?: { displayName: string; members?: string[] }[];
  /** better-auth's own rate limit on one SCIM path (e.g. '/scim/v2/Users'): `max` requests per `window` seconds, then 429 */
  rateLimit?: { path: string; window: number; max: number };
}

export async function startScimServer(seed: ScimServerOptions = {}): Promise<ScimServer> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-scim-'));
  const db = new Database(join(dir, 'scim.db'));
  const token = `scim-${randomBytes(24).toString('hex')}`;
  let port = 0;
  /** better-auth's handler, set once the server knows its port */
  const app: { handler?: ReturnType<typeof toNodeHandler> } = {};
  let server: Server | undefined;

  const listen = async (): Promise<void> => {
    const s = createServer((req, res) => {
      // as a reverse proxy would: better-auth's rate limit keys on the client address from this header
      req.headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
      void app.handler!(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  // listening first, so that the resources' meta.location carry the real port
  await listen();
  const options: BetterAuthOptions = {
    database: db,
    secret: randomBytes(32).toString('hex'),
    baseURL: `http://127.0.0.1:${port}`,
    logger: { disabled: true },
    telemetry: { enabled: false },
    rateLimit: seed.rateLimit
      ? { enabled: true, storage: 'memory' as const, window: 60, max: 1_000_000, customRules: { [seed.rateLimit.path]: { window: seed.rateLimit.window, max: seed.rateLimit.max } } }
      : { enabled: false },
    plugins: [scim({ connections: [{ id: 'latchkey-test', credentials: [{ type: 'bearer' as const, id: 'latchkey', token }] }] })],
  };
  const { runMigrations } = await getMigrations(options);
  await runMigrations();
  app.handler = toNodeHandler(betterAuth(options));
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  const baseUrl = `http://127.0.0.1:${port}${SCIM_BASE_PATH}`;
  const request = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: ScimJson }> => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json', ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  const users = new Map<string, string>();
  const groups = new Map<string, string>();
  for (const u of seed.users ?? []) {
    const r = await request('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: u.userName,
      externalId: u.externalId,
      displayName: u.displayName ?? u.userName,
      emails: u.email ? [{ value: u.email, primary: true }] : undefined,
      active: true,
    });
    if (r.status !== 201) throw new Error(`seeding SCIM user ${u.userName}: ${r.status} ${JSON.stringify(r.body)}`);
    users.set(u.userName, r.body.id);
  }
  for (const g of seed.groups ?? []) {
    const r = await request('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: g.displayName,
      members: (g.members ?? []).map((userName) => ({ value: users.get(userName) })),
    });
    if (r.status !== 201) throw new Error(`seeding SCIM group ${g.displayName}: ${r.status} ${JSON.stringify(r.body)}`);
    groups.set(g.displayName, r.body.id);
  }

  return {
    baseUrl,
    port,
    token,
    users,
    groups,
    request,
    stop,
    start: listen,
    dispose: async () => {
      await stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
