import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openStore } from '../../src/store/db.js';
import { newUserRow } from '../../src/store/users.js';
import { childProcesses, within } from '../support/processes.js';
import { scratchDatabase, testStore, type ScratchDatabase } from '../support/stores.js';

// Demo sign-in cannot be switched on by accident: the real `latchkey serve` turns it on only for the
// --demo flag itself, on SQLite, without OpenID Connect, on a database that seedDemo seeded (its marker),
// and then offers only people of the demo domain. Each case starts the CLI in a child process and asks
// the server what its sign-in page should offer.

describe('demo sign-in through the real CLI', () => {
  const procs = childProcesses();
  const scratches: ScratchDatabase[] = [];
  // after the processes are killed (childProcesses' hook comes first)
  after(async () => {
    for (const s of scratches) await s.drop();
  });

  async function scratch(): Promise<ScratchDatabase> {
    const s = await scratchDatabase();
    scratches.push(s);
    return s;
  }
  const serveOn = (db: ScratchDatabase, args: string[], env: Record<string, string> = {}) => procs.serve(db.url, env, args);
  async function serve(args: string[], env: Record<string, string> = {}): Promise<string> {
    return (await serveOn(await scratch(), args, env)).url;
  }
  /** runs a CLI command to its end; it must succeed */
  async function run(args: string[]): Promise<void> {
    const p = procs.start(args);
    const code = await within(p.exited, `latchkey ${args[0]} to finish`, 90_000);
    assert.equal(code, 0, `latchkey ${args.join(' ')} exits 0:\n${p.output()}`);
  }
  const demoSignIn = (url: string, upn: string) => fetch(`${url}/latchkey/v1/auth/demo/signin`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-latchkey-request': '1' }, body: JSON.stringify({ userPrincipalName: upn }),
  });
  async function upnsIn(db: ScratchDatabase): Promise<string[]> {
    const store = openStore(db.url);
    try {
      return (await store.db.selectFrom('users').select('upnKey').orderBy('upnKey').execute()).map((u) => u.upnKey);
    } finally {
      await store.close();
    }
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

  it(`serve --demo against a database of real people on ${testStore}: nothing seeded, demo sign-in off, and the log says why`, { timeout: 120_000 }, async () => {
    const db = await scratch();
    await run(['bootstrap', '--admin', 'boss@corp.test', '--db', db.url]);
    const { url, p } = await serveOn(db, ['--demo']);
    assert.deepEqual(await authConfig(url), { demo: false, oidc: { enabled: false, displayName: null } });
    assert.equal((await fetch(`${url}/latchkey/v1/auth/demo/users`)).status, 404);
    const refused = await demoSignIn(url, 'boss@corp.test');
    assert.equal(refused.status, 404, 'the real administrator cannot be signed in as without a password');
    assert.equal(refused.headers.getSetCookie().length, 0, 'no session cookie');
    const why = testStore === 'sqlite' ? /the database holds data that was not seeded as the demo company \(no demo marker\)/ : /it needs the embedded SQLite store/;
    // on stderr for the person at the terminal, and in the JSON log (a warning) for whoever reads logs
    await p.waitFor(new RegExp(`Demo sign-in is off: ${why.source}`), 'the reason on stderr');
    await p.waitFor(new RegExp(`"level":40[^\n]*--demo given but demo sign-in stays off: ${why.source}`), 'the reason as a logged warning');
    assert.doesNotMatch(p.output(), /DEMO SIGN-IN IS ON|Demo administrator/, 'no demo banner, no demo administrator hint');
    assert.deepEqual(await upnsIn(db), ['boss@corp.test'], 'the demo company was not seeded into the real directory');
  });

  it(`serve --demo again on the demo database after a real person was added (${testStore}): ${testStore === 'sqlite' ? 'demo sign-in on, for demo people only' : 'off (SQLite only)'}`, { timeout: 120_000 }, async () => {
    const db = await scratch();
    await run(['seed', '--demo', '--db', db.url]);
    // someone added to the demo database by hand: a person outside the demo domain
    const store = openStore(db.url);
    try {
      await store.db.insertInto('users').values(newUserRow({ displayName: 'Boss', userPrincipalName: 'boss@corp.test', mail: 'boss@corp.test' }, new Date().toISOString())).execute();
    } finally {
      await store.close();
    }
    const { url } = await serveOn(db, ['--demo']);
    const onSqlite = testStore === 'sqlite';
    assert.equal((await authConfig(url)).demo, onSqlite, 'the marker seedDemo left turns demo sign-in on (on SQLite)');
    const users = await fetch(`${url}/latchkey/v1/auth/demo/users`);
    assert.equal(users.status, onSqlite ? 200 : 404);
    const outsider = await demoSignIn(url, 'boss@corp.test');
    assert.equal(outsider.status, 404, 'a person outside the demo domain is never accepted');
    assert.equal(outsider.headers.getSetCookie().length, 0);
    if (onSqlite) {
      const offered = ((await users.json()) as { value: { userPrincipalName: string }[] }).value.map((u) => u.userPrincipalName);
      assert.ok(offered.length > 20, `the demo directory is offered: ${offered.length}`);
      assert.ok(!offered.includes('boss@corp.test'), 'the outsider is not offered');
      assert.deepEqual(offered.filter((u) => !u.endsWith('@contoso.example')), [], 'only demo-domain people are offered');
      assert.equal((await demoSignIn(url, 'admin@contoso.example')).status, 204, 'demo people still sign in');
    }
  });
});
