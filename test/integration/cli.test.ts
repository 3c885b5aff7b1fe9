import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/api/app.js';
import { systemClock } from '../../src/domain/clock.js';
import { openStore } from '../../src/store/db.js';
import { scratchDatabase, type ScratchDatabase } from '../support/stores.js';
import { nodeArgs } from '../support/processes.js';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { generateSigningSecret } from '../../src/connectors/webhook/index.js';
import { createServices } from '../../src/services/index.js';
import { connectionSecretsContext } from '../../src/services/connections/targets.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createSecretBox } from '../../src/store/secret-box.js';

const exec = promisify(execFile);

/** Runs the real CLI from source, as `npx latchkey` would after a build. */
async function latchkey(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [...nodeArgs('src/cli/main.ts'), ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('latchkey CLI', () => {
  let scratch: ScratchDatabase;
  before(async () => { scratch = await scratchDatabase(); });
  after(async () => { await scratch.drop(); });

  it('migrates idempotently', async () => {
    const a = await latchkey(['migrate', '--db', scratch.url]);
    assert.equal(a.code, 0, a.stderr);
    const b = await latchkey(['migrate'], { DATABASE_URL: scratch.url });
    assert.equal(b.code, 0, b.stderr);
    const store = openStore(scratch.url);
    try {
      const general = await store.db.selectFrom('catalogs').select('displayName').where('catalogType', '=', 'serviceDefault').execute();
      assert.deepEqual(general, [{ displayName: 'General' }]);
    } finally {
      await store.close();
    }
  });

  it('bootstraps an administrator once, then issues, lists and revokes tokens that sign in to the API', async () => {
    const first = await latchkey(['bootstrap', '--admin', 'ops@example.com', '--db', scratch.url]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /ops@example.com is the administrator \(user created\)/);
    const again = await latchkey(['bootstrap', '--admin', 'OPS@example.com', '--db', scratch.url]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already was; nothing changed/);
    const other = await latchkey(['bootstrap', '--admin', 'intruder@example.com', '--db', scratch.url]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /An administrator already exists \(ops@example.com\)/);

    const created = await latchkey(['token', 'create', '--user', 'ops@example.com', '--name', 'ci', '--db', scratch.url]);
    assert.equal(created.code, 0, created.stderr);
    const lines = created.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, 'stdout holds the token and nothing else');
    const token = lines[0];
    assert.match(token, /^lk_[\w-]{40,}$/);

    const store = openStore(scratch.url);
    try {
      const rows = await store.db.selectFrom('apiTokens').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.notEqual(rows[0].tokenHash, token, 'only a hash is stored');
      assert.ok(!JSON.stringify(rows).includes(token.slice(3)), 'expected: !JSON.stringify(rows).includes(token.slice(3))');
    } finally {
      await store.close();
    }

    const list = await latchkey(['token', 'list', '--db', scratch.url]);
    const listed = JSON.parse(list.stdout) as { id: string; name: string; userPrincipalName: string; revokedAt: string | null }[];
    assert.equal(listed.length, 1);
    assert.equal(listed[0].name, 'ci');
    assert.ok(!list.stdout.includes(token), 'expected: !list.stdout.includes(token)');

    const call = async () => {
      const res = await fetch(`${url}/v1.0/identityGovernance/entitlementManagement/catalogs`, { headers: { authorization: `Bearer ${token}` } });
      return res.status;
    };
    const serverStore = openStore(scratch.url);
    const { server } = await buildApp({ store: serverStore, clock: systemClock, config: { bodyLimit: 1 << 20, rateLimitPerMinute: 0, logLevel: 'silent' }, logger: false });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    try {
      assert.equal(await call(), 200, 'the new token signs the administrator in');
      const revoke = await latchkey(['token', 'revoke', listed[0].id, '--db', scratch.url]);
      assert.equal(revoke.code, 0, revoke.stderr);
      assert.equal(await call(), 401, 'a revoked token is refused');
    } finally {
      await server.close();
      await serverStore.close();
    }
    const twice = await latchkey(['token', 'revoke', listed[0].id, '--db', scratch.url]);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /already revoked/);
  });

  it('issues provisioning tokens for /scim/v2 with --scim, each of an identity source, listed with it and revocable', async () => {
    const made = await latchkey(['token', 'create', '--scim', '--name', 'Entra', '--db', scratch.url]);
    assert.equal(made.code, 0, made.stderr);
    const token = made.stdout.trim();
    assert.match(token, /^lkp_[\w-]{40,}$/);
    assert.match(made.stderr, /identity source 'Entra' \(.*created\)/);
    const second = await latchkey(['token', 'create', '--scim', '--name', 'Entra rotation', '--source', 'Entra', '--db', scratch.url]);
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /created/, 'the named source is reused');
    const missing = await latchkey(['token', 'create', '--scim', '--name', 'x', '--source', 'No such source', '--db', scratch.url]);
    assert.equal(missing.code, 2);
    const noName = await latchkey(['token', 'create', '--scim', '--db', scratch.url]);
    assert.notEqual(noName.code, 0);
    assert.match(noName.stderr, /--name/);

    const list = await latchkey(['token', 'list', '--scim', '--db', scratch.url]);
    const listed = JSON.parse(list.stdout) as { id: string; kind: string; name: string; identitySource: { id: string; displayName: string; kind: string } }[];
    assert.deepEqual(listed.map((x) => [x.kind, x.name, x.identitySource.displayName, x.identitySource.kind]), [['scim', 'Entra', 'Entra', 'scim'], ['scim', 'Entra rotation', 'Entra', 'scim']]);
    assert.ok(!list.stdout.includes(token));

    const serverStore = openStore(scratch.url);
    const { server } = await buildApp({ store: serverStore, clock: systemClock, config: { bodyLimit: 1 << 20, rateLimitPerMinute: 0, logLevel: 'silent' }, logger: false });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    const status = async (path: string) => (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })).status;
    try {
      assert.equal(await status('/scim/v2/Users'), 200);
      assert.equal(await status('/v1.0/users'), 401, 'a provisioning token opens nothing but /scim/v2');
      const revoke = await latchkey(['token', 'revoke', listed[0].id, '--db', scratch.url]);
      assert.equal(revoke.code, 0, revoke.stderr);
      assert.equal(await status('/scim/v2/Users'), 401);
    } finally {
      await server.close();
      await serverStore.close();
    }
  });

  it('explains unknown users and bad database URLs', async () => {
    const r = await latchkey(['token', 'create', '--user', 'nobody@example.com', '--db', scratch.url]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /User 'nobody@example.com' was not found/);
    const bad = await latchkey(['migrate', '--db', 'mysql://x@y/z']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Unsupported database URL scheme/);
  });

  it('reseals every connection\'s secrets with the current key after a rotation, and says which it cannot open', async () => {
    const [oldKey, newKey, strayKey] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const signingSecret = generateSigningSecret();
    const store = openStore(scratch.url);
    let connectionId = '';
    try {
      await migrateToLatest(store.db);
      const services = createServices({ db: store.db, clock: systemClock, log: pino({ level: 'silent' }) }, { secretBox: createSecretBox(oldKey) });
      const caller = {
        principal: { userId: 'cli-test', displayName: 'CLI test', userPrincipalName: 'cli@test', userType: 'Member', tenantRoles: new Set([RoleDefinitionIds.administrator]), catalogRoles: new Map() },
        correlationId: null,
      };
      connectionId = (await services.connections.create(caller, {
        kind: 'webhook', displayName: 'rotated', settings: { url: 'https://hooks.example.com/latchkey' }, secrets: { signingSecret },
      })).id;
    } finally {
      await store.close();
    }
    const env = { LATCHKEY_SECRET_KEY: newKey.toString('base64'), LATCHKEY_SECRET_KEY_OLD: oldKey.toString('base64') };
    const first = await latchkey(['secrets', 'rotate', '--db', scratch.url], env);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout);
    assert.equal(report.resealed, 1, first.stdout);
    assert.equal(report.unchanged, 0);
    assert.deepEqual(report.failed, []);
    assert.equal(report.keyId, createSecretBox(newKey).keyId);
    assert.ok(!first.stdout.includes(signingSecret) && !first.stderr.includes(signingSecret), 'the secret is not printed');

    // the new key alone now opens the secrets, unchanged; the old one no longer does
    const check = openStore(scratch.url);
    try {
      const row = await check.db.selectFrom('connections').select('secrets').where('id', '=', connectionId).executeTakeFirstOrThrow();
      assert.deepEqual(createSecretBox(newKey).openSecrets(row.secrets, connectionSecretsContext(connectionId)), { signingSecret });
      assert.throws(() => createSecretBox(oldKey).openSecrets(row.secrets, connectionSecretsContext(connectionId)));
    } finally {
      await check.close();
    }
    const again = await latchkey(['secrets', 'rotate', '--db', scratch.url], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).resealed, 0);
    assert.equal(JSON.parse(again.stdout).unchanged, 1);

    // a key that never sealed them, without the one that did: reported, the value left as it was
    const lost = await latchkey(['secrets', 'rotate', '--db', scratch.url], { LATCHKEY_SECRET_KEY: strayKey.toString('base64'), LATCHKEY_SECRET_KEY_OLD: '' });
    assert.equal(lost.code, 1, lost.stderr);
    const failed = JSON.parse(lost.stdout).failed;
    assert.deepEqual(failed.map((f: { id: string }) => f.id), [connectionId]);
    assert.match(failed[0].error, /neither the current key/);
    assert.match(lost.stderr, /could not be opened/);
  });
});
