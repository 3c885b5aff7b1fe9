import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AccountRef, AccountSubject, Target } from '../../src/connectors/kit.js';
import { resolveScimAccount, scimConnector, type ScimSettingsInput } from '../../src/connectors/scim/index.js';
import { ConnectorError } from '../../src/connectors/types.js';
import { startScimServer, type ScimServer } from '../support/scim-server.js';

// The SCIM 2.0 connector against a real third-party SCIM service provider: better-auth's
// @better-auth/scim plugin (test/support/scim-server.ts), seeded through its own SCIM API.

const LIMITS = { timeoutMs: 5000, concurrency: 4 };

function subject(upn: string, extra: Partial<AccountSubject> = {}): AccountSubject {
  return { id: `id-${upn}`, userPrincipalName: upn, mail: upn.includes('@') ? upn : null, mailNickname: null, displayName: upn, givenName: null, surname: null, ...extra };
}

async function rejectsWith(p: Promise<unknown>, check: (e: ConnectorError) => void): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ConnectorError, `a ConnectorError, got ${String(e)}`);
    check(e);
    return true;
  });
}

describe('SCIM 2.0 connector against better-auth SCIM', () => {
  let scim: ScimServer;
  let settings: ScimSettingsInput;
  let target: Target;
  const members = async (group: string): Promise<string[]> => {
    const r = await scim.request('GET', `/Groups/${scim.groups.get(group)}?attributes=members`);
    return ((r.body.members ?? []) as { value: string }[]).map((m) => m.value).sort();
  };
  const role = (group: string) => ({ resourceId: scim.groups.get(group)!, roleId: 'Member' });

  before(async () => {
    scim = await startScimServer({
      users: [
        { userName: 'alice@example.org', externalId: 'ext-alice' },
        { userName: 'bob@example.org' },
        { userName: 'dave "the admin"', email: 'dave@example.org' },
        { userName: 'dave', email: 'dave2@example.org' },
      ],
      groups: [
        { displayName: 'Engineering', members: ['alice@example.org'] },
        { displayName: 'Operations' },
        { displayName: 'Finance' },
        ...Array.from({ length: 7 }, (_, i) => ({ displayName: `Team ${i + 1}` })),
      ],
    });
    settings = { baseUrl: scim.baseUrl, pageSize: 3 };
    target = scimConnector.createTarget(settings, { bearerToken: scim.token }, LIMITS);
  });
  after(async () => {
    await target?.close();
    await scim?.dispose();
  });

  it('tests the connection: groups and users counted', async () => {
    const r = await target.test();
    assert.match(r.summary, /10 groups, 4 users/);
  });

  it('searches groups across pages (the server filters only by eq, so co falls back to reading every page)', async () => {
    const all = await target.searchResources('', 100);
    assert.equal(all.length, 10, 'pages of 3 until totalResults');
    assert.deepEqual(all.slice(0, 3).map((g) => g.displayName), ['Engineering', 'Finance', 'Operations']);
    const teams = await target.searchResources('team', 4);
    assert.deepEqual(teams.map((g) => g.displayName), ['Team 1', 'Team 2', 'Team 3', 'Team 4']);
    assert.deepEqual((await target.searchResources('ops', 10)).map((g) => g.displayName), []);
    assert.deepEqual((await target.searchResources('OPERA', 10)).map((g) => g.displayName), ['Operations']);
  });

  it('looks a group up by its id, undefined when it does not exist', async () => {
    const g = await target.lookupResource(scim.groups.get('Engineering')!);
    assert.equal(g?.displayName, 'Engineering');
    assert.equal(g?.addable, true);
    assert.equal(await target.lookupResource('no-such-group'), undefined);
    assert.deepEqual(target.rolesOf(g!).map((r) => r.originId), ['Member']);
  });

  it('finds accounts by userName or externalId; not found names the account looked for', async () => {
    const alice = await target.findAccount(subject('alice@example.org'));
    assert.deepEqual(alice, { id: scim.users.get('alice@example.org'), display: 'alice@example.org' });
    const byExt = scimConnector.createTarget({ ...settings, accountAttribute: 'externalId', accountProperty: 'id' }, { bearerToken: scim.token }, LIMITS);
    assert.equal((await byExt.findAccount(subject('someone', { id: 'ext-alice' })))?.id, scim.users.get('alice@example.org'));
    assert.equal(await byExt.findAccount(subject('someone', { id: 'ext-nobody' })), undefined);

    assert.equal(await target.findAccount(subject('carol@example.org')), undefined);
    assert.equal(target.createAccount, undefined, 'createAccounts is off by default');
    await rejectsWith(resolveScimAccount(target, settings, subject('carol@example.org')), (e) => {
      assert.equal(e.retryable, false);
      assert.match(e.message, /No SCIM user with userName "carol@example\.org" \(the user's userPrincipalName\)/);
      assert.match(e.message, /does not create accounts/);
    });
  });

  it('quotes the filter: a userName with a double quote finds exactly that user', async () => {
    const dave = await target.findAccount(subject('dave "the admin"'));
    assert.equal(dave?.id, scim.users.get('dave "the admin"'));
    assert.equal((await target.findAccount(subject('dave')))?.id, scim.users.get('dave'));
    assert.equal(await target.findAccount(subject('dave" or userName eq "dave')), undefined, 'no filter injection');
  });

  it('creates a missing account when the connection allows it, and finds it afterwards', async () => {
    const creating = scimConnector.createTarget({ ...settings, createAccounts: true }, { bearerToken: scim.token }, LIMITS);
    const carol = subject('carol@example.org', { displayName: 'Carol Example', givenName: 'Carol', surname: 'Example' });
    const made = await resolveScimAccount(creating, { ...settings, createAccounts: true }, carol);
    assert.equal(made.display, 'carol@example.org');
    const r = await scim.request('GET', `/Users/${made.id}`);
    assert.equal(r.body.userName, 'carol@example.org');
    assert.equal(r.body.externalId, 'id-carol@example.org');
    assert.equal(r.body.displayName, 'Carol Example');
    assert.equal(r.body.active, true);
    assert.equal(r.body.emails[0].value, 'carol@example.org');
    assert.deepEqual(await resolveScimAccount(creating, { ...settings, createAccounts: true }, carol), made, 'found, not created twice');
    scim.users.set('carol@example.org', made.id);
  });

  it('grants idempotently, lists holders, revokes idempotently (removal form: auto)', async () => {
    const bob: AccountRef = (await target.findAccount(subject('bob@example.org')))!;
    assert.deepEqual(await target.grant(bob, role('Operations')), { changed: true });
    assert.deepEqual(await members('Operations'), [bob.id]);
    assert.deepEqual(await target.grant(bob, role('Operations')), { changed: false });
    assert.deepEqual(await target.listHolders(role('Operations')), [{ id: bob.id, display: 'bob@example.org' }]);
    assert.deepEqual(await target.revoke(bob, role('Operations')), { changed: true });
    assert.deepEqual(await members('Operations'), []);
    assert.deepEqual(await target.revoke(bob, role('Operations')), { changed: false });
  });

  it('a member added behind its back is granted with changed false; a non-member revoked among members likewise; neither reads the member list', async () => {
    const alice = { id: scim.users.get('alice@example.org')!, display: 'alice@example.org' };
    const bob = { id: scim.users.get('bob@example.org')!, display: 'bob@example.org' };
    const group = scim.groups.get('Team 7')!;
    const added = await scim.request('PATCH', `/Groups/${group}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: alice.id }] }],
    });
    assert.equal(added.status, 200);
    const asked: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      asked.push(`${init?.method ?? 'GET'} ${String(input)}`);
      return realFetch(input, init);
    };
    try {
      assert.deepEqual(await target.grant(alice, role('Team 7')), { changed: false }, 'already a member');
      assert.deepEqual(await target.revoke(bob, role('Team 7')), { changed: false }, 'not a member');
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.deepEqual(await members('Team 7'), [alice.id], 'alice kept, nothing else changed');
    assert.ok(asked.length > 0);
    for (const a of asked) assert.ok(!/attributes=members/.test(a) || /excludedAttributes=members/.test(a), `no request asks for the member list: ${a}`);
    assert.deepEqual(await target.grant(bob, role('Team 7')), { changed: true });
    assert.deepEqual(await target.revoke(alice, role('Team 7')), { changed: true });
    assert.deepEqual(await members('Team 7'), [bob.id]);
  });

  for (const memberRemoval of ['path', 'valueList'] as const) {
    it(`removes a member with the ${memberRemoval === 'path' ? 'members[value eq "id"] path' : 'value list'} form, leaving the others`, async () => {
      const t = scimConnector.createTarget({ ...settings, memberRemoval }, { bearerToken: scim.token }, LIMITS);
      const alice = { id: scim.users.get('alice@example.org')!, display: 'alice@example.org' };
      const bob = { id: scim.users.get('bob@example.org')!, display: 'bob@example.org' };
      await t.grant(alice, role('Finance'));
      await t.grant(bob, role('Finance'));
      assert.deepEqual(await members('Finance'), [alice.id, bob.id].sort());
      assert.deepEqual(await t.revoke(bob, role('Finance')), { changed: true });
      assert.deepEqual(await members('Finance'), [alice.id]);
      assert.deepEqual(await t.revoke(alice, role('Finance')), { changed: true });
      assert.deepEqual(await members('Finance'), []);
    });
  }

  it('a group that does not exist is a non-retryable error naming it', async () => {
    const bob = { id: scim.users.get('bob@example.org')!, display: 'bob@example.org' };
    await rejectsWith(target.grant(bob, { resourceId: 'gone-group', roleId: 'Member' }), (e) => {
      assert.equal(e.retryable, false);
      assert.match(e.message, /SCIM group "gone-group" does not exist/);
    });
  });

  it('an account the server does not know: the error says which account and which group', async () => {
    await rejectsWith(target.grant({ id: 'no-such-user', display: 'ghost@example.org' }, role('Operations')), (e) => {
      assert.equal(e.retryable, false);
      assert.match(e.message, /^Adding ghost@example\.org to SCIM group "[^"]+": The SCIM service 127\.0\.0\.1:\d+ refused PATCH \/Groups\/\S+ \(4\d\d: /);
    });
  });

  it('a wrong token is a non-retryable error that does not show the token', async () => {
    const wrong = 'wrong-token-' + 'x'.repeat(20);
    const t = scimConnector.createTarget(settings, { bearerToken: wrong }, LIMITS);
    await rejectsWith(t.test(), (e) => {
      assert.equal(e.retryable, false);
      assert.match(e.message, /refused the bearer token \(401/);
      assert.ok(!e.message.includes(wrong));
      assert.ok(!e.message.includes(scim.token));
    });
  });

  it('refuses plain http to a host other than localhost unless allowed', () => {
    assert.throws(() => scimConnector.createTarget({ baseUrl: 'http://scim.example.com/scim/v2' }, { bearerToken: 't' }, LIMITS), /must use https/);
    assert.ok(scimConnector.createTarget({ baseUrl: 'http://scim.example.com/scim/v2', allowInsecureHttp: true }, { bearerToken: 't' }, LIMITS));
    assert.ok(scimConnector.createTarget({ baseUrl: 'https://scim.example.com/scim/v2' }, { bearerToken: 't' }, LIMITS));
  });

  it('the server stopped is a retryable error; started again, it works', async () => {
    const bob = { id: scim.users.get('bob@example.org')!, display: 'bob@example.org' };
    await scim.stop();
    await rejectsWith(target.grant(bob, role('Operations')), (e) => {
      assert.equal(e.retryable, true);
      assert.match(e.message, /could not be reached \(ECONNREFUSED\)/);
    });
    await scim.start();
    assert.deepEqual(await target.grant(bob, role('Operations')), { changed: true });
    assert.deepEqual(await target.listHolders(role('Operations')), [{ id: bob.id, display: 'bob@example.org' }]);
    assert.deepEqual(await target.revoke(bob, role('Operations')), { changed: true });
  });
});

describe('SCIM 2.0 connector: Retry-After and timeouts', () => {
  let limited: ScimServer;
  let silent: Server;
  before(async () => {
    limited = await startScimServer({ users: [{ userName: 'alice@example.org' }], rateLimit: { path: '/scim/v2/Users', window: 60, max: 2 } });
    silent = createServer(() => {}); // accepts and never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  });
  after(async () => {
    await limited?.dispose();
    silent?.closeAllConnections();
    await new Promise<void>((resolve) => silent?.close(() => resolve()));
  });

  it('429 is retryable and carries the server\'s Retry-After', async () => {
    const t = scimConnector.createTarget({ baseUrl: limited.baseUrl }, { bearerToken: limited.token }, LIMITS);
    // the seeding POST /Users counted too: ask until the limit of 2 per minute answers 429
    let refused: Promise<unknown> | undefined;
    for (let i = 0; i < 3 && !refused; i++) {
      const p = t.findAccount(subject('alice@example.org'));
      await p.then(
        (found) => assert.ok(found, 'found while under the limit'),
        () => {
          refused = p;
        },
      );
    }
    assert.ok(refused, 'the server refused within 3 requests');
    await rejectsWith(refused, (e) => {
      assert.equal(e.retryable, true);
      assert.match(e.message, /busy \(429\)/);
      assert.ok(e.retryAfterMs !== undefined && e.retryAfterMs > 0 && e.retryAfterMs <= 60_000, `retryAfterMs ${e.retryAfterMs}`);
    });
  });

  it('a server that does not answer times out with a retryable error naming the timeout', async () => {
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/scim/v2`;
    const t = scimConnector.createTarget({ baseUrl: url, timeoutMs: 300 }, { bearerToken: 't' }, LIMITS);
    await rejectsWith(t.test(), (e) => {
      assert.equal(e.retryable, true);
      assert.match(e.message, /did not answer GET \/Groups within 300 ms/);
    });
    const byLimits = scimConnector.createTarget({ baseUrl: url, timeoutMs: 60_000 }, { bearerToken: 't' }, { timeoutMs: 200, concurrency: 1 });
    await rejectsWith(byLimits.test(), (e) => {
      assert.equal(e.retryable, true);
      assert.match(e.message, /within 200 ms/);
    });
  });
});
