import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { killHard, latchkey, type CliProcess } from '../support/processes.js';
import { scratchDatabase, testStore, type ScratchDatabase } from '../support/stores.js';

// Demo sign-in cannot be switched on by accident: the real `latchkey serve` turns it on only for the
// --demo flag itself, on SQLite, without OpenID Connect. Each case starts the CLI in a child process
// and asks the server what its sign-in page should offer.

describe('demo sign-in through the real CLI', () => {
  const procs: CliProcess[] = [];
  const scratches: ScratchDatabase[] = [];
  after(async () => {
    for (const p of procs) await killHard(p);
    for (const s of scratches) await s.drop();
  });

  async function serve(args: string[], env: Record<string, string> = {}): Promise<string> {
    const scratch = await scratchDatabase();
    scratches.push(scratch);
    const p = latchkey(['serve', '--no-worker', '--port', '0', '--db', scratch.url, ...args], { RATE_LIMIT_PER_MINUTE: '0', ...env });
    procs.push(p);
    const m = await p.waitFor(/Latchkey is listening on (http:\/\/\S+)/, `server ${p.pid} to listen`);
    return m[1];
  }
  const authConfig = async (url: string) => (await fetch(`${url}/latchkey/v1/auth/config`)).json() as Promise<{ demo: boolean; oidc: { enabled: boolean } }>;

  it(`serve --demo on ${testStore}: demo sign-in is ${testStore === 'sqlite' ? 'on' : 'off (SQLite only)'}`, { timeout: 120_000 }, async () => {
    const url = await serve(['--demo']);
    const onSqlite = testStore === 'sqlite';
    assert.deepEqual(await authConfig(url), { demo: onSqlite, oidc: { enabled: false, displayName: null } });
    const users = await fetch(`${url}/latchkey/v1/auth/demo/users`);
    assert.equal(users.status, onSqlite ? 200 : 404);
    if (onSqlite) {
      const body = await users.json() as { value: { userPrincipalName: string }[] };
      assert.equal(body.value[0].userPrincipalName, 'admin@contoso.example');
      assert.ok(body.value.length > 20, 'the whole seeded demo directory is offered');
      const signin = await fetch(`${url}/latchkey/v1/auth/demo/signin`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-latchkey-request': '1' }, body: JSON.stringify({ userPrincipalName: 'grace.hopper@contoso.example' }),
      });
      assert.equal(signin.status, 204);
      const cookie = signin.headers.getSetCookie()[0].split(';')[0];
      const me = await fetch(`${url}/latchkey/v1/me`, { headers: { cookie } });
      assert.equal(((await me.json()) as { displayName: string }).displayName, 'Grace Hopper');
    }
  });

  it('LATCHKEY_DEMO=1 without the --demo flag: demo sign-in stays off', { timeout: 120_000 }, async () => {
    const url = await serve([], { LATCHKEY_DEMO: '1' });
    assert.equal((await authConfig(url)).demo, false);
    assert.equal((await fetch(`${url}/latchkey/v1/auth/demo/users`)).status, 404);
  });

  it('serve --demo with OIDC configured: OIDC only, and the server starts though the provider is unreachable', { timeout: 120_000 }, async () => {
    const url = await serve(['--demo'], { OIDC_ISSUER: 'http://127.0.0.1:9/', OIDC_CLIENT_ID: 'latchkey', OIDC_CLIENT_SECRET: 's' });
    assert.deepEqual(await authConfig(url), { demo: false, oidc: { enabled: true, displayName: 'Sign in with your organization' } });
    assert.equal((await fetch(`${url}/latchkey/v1/auth/demo/signin`, { method: 'POST', headers: { 'x-latchkey-request': '1' } })).status, 404);
    const start = await fetch(`${url}/latchkey/v1/auth/oidc/signin`, { redirect: 'manual' });
    assert.equal(start.status, 302);
    assert.equal(start.headers.get('location'), '/signin?error=provider_unavailable');
  });
});
