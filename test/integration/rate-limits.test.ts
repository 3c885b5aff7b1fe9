import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp, type App } from '../../src/api/app.js';
import { clientAddressKey } from '../../src/api/rate-limit.js';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/domain/clock.js';
import { newId } from '../../src/domain/ids.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { newUserRow } from '../../src/store/users.js';
import { scratchDatabase, type ScratchDatabase } from '../support/stores.js';

// Rate limits: one bucket per signed-in person (however the credential is spelled), failed sign-ins
// counted per client address with a lower limit (a brute-force guard), X-Forwarded-For only from
// configured proxies. Requests are injected with a chosen remote address.

const ME = '/latchkey/v1/me';

interface Limited {
  app: App;
  /** a user with two tokens */
  tokens: [string, string];
  /** another user's token */
  other: string;
  get(headers: Record<string, string>, remoteAddress?: string): Promise<number>;
  close(): Promise<void>;
}

async function limitedApp(config: { rateLimitPerMinute: number; authFailuresPerMinute?: number; trustProxy?: boolean | string[] }): Promise<Limited> {
  const scratch: ScratchDatabase = await scratchDatabase();
  const store: Store = openStore(scratch.url);
  await migrateToLatest(store.db);
  const clock = new ManualClock(new Date());
  const app = await buildApp({ store, clock, logger: false, webRoot: false, config: { bodyLimit: 1 << 20, logLevel: 'silent', ...config } });
  const tokenFor = async (upn: string) => (await app.services.tokens.create(upn, 'test')).token;
  const users = [`rl-${newId().slice(0, 8)}@contoso.test`, `rl-${newId().slice(0, 8)}@contoso.test`];
  for (const upn of users) await store.db.insertInto('users').values(newUserRow({ displayName: upn, userPrincipalName: upn, mail: upn }, clock.now().toISOString())).execute();
  const tokens: [string, string] = [await tokenFor(users[0]), await tokenFor(users[0])];
  const other = await tokenFor(users[1]);
  return {
    app, tokens, other,
    async get(headers, remoteAddress = '192.0.2.10') {
      return (await app.server.inject({ method: 'GET', url: ME, headers, remoteAddress })).statusCode;
    },
    async close() {
      await app.server.close();
      await store.close();
      await scratch.drop();
    },
  };
}

describe('rate limits per person', () => {
  let l: Limited;
  before(async () => { l = await limitedApp({ rateLimitPerMinute: 6, authFailuresPerMinute: 2 }); });
  after(async () => { await l?.close(); });

  it('counts every spelling of the same token, and the same person\'s other tokens, in one bucket', async () => {
    const [t, t2] = l.tokens;
    const spellings = [`Bearer ${t}`, `bearer ${t}`, `BEARER ${t}`, `Bearer  ${t}`, `Bearer\t${t}`, `Bearer ${t2}`];
    for (const authorization of spellings) assert.equal(await l.get({ authorization }), 200, JSON.stringify(authorization));
    for (const authorization of [`Bearer ${t}`, `bEaReR ${t}`, `Bearer \t ${t}`, `Bearer ${t2}`]) {
      assert.equal(await l.get({ authorization }), 429, `${JSON.stringify(authorization)} is past the person's limit`);
    }
    assert.equal(await l.get({ authorization: `Bearer ${l.other}` }), 200, 'another person has a bucket of their own, from the same address');
  });
});

describe('rate limits on failed sign-ins', () => {
  let l: Limited;
  before(async () => { l = await limitedApp({ rateLimitPerMinute: 100, authFailuresPerMinute: 3 }); });
  after(async () => { await l?.close(); });

  it('limits bad credentials by client address, with the lower limit, and then refuses that address', async () => {
    const attacker = '198.51.100.7';
    for (let i = 0; i < 3; i++) assert.equal(await l.get({ authorization: `Bearer guess-${i}` }, attacker), 401, `guess ${i + 1}`);
    const res = await l.app.server.inject({ method: 'GET', url: ME, headers: { authorization: 'Bearer guess-4' }, remoteAddress: attacker });
    assert.equal(res.statusCode, 429, 'the fourth guess is refused before it is looked up');
    assert.equal(res.json().error.code, 'TooManyRequests');
    assert.ok(Number(res.headers['retry-after']) > 0, 'with Retry-After');
    assert.equal(await l.get({ authorization: `Bearer ${l.other}` }, attacker), 429, 'a right guess from that address is refused too');
    assert.equal(await l.get({ cookie: 'latchkey_session=guess' }, attacker), 429, 'so are session cookies');
    // other addresses are not affected
    assert.equal(await l.get({ authorization: `Bearer ${l.other}` }, '203.0.113.5'), 200);
    assert.equal(await l.get({ authorization: 'Bearer guess-5' }, '203.0.113.5'), 401);
    assert.equal(await l.get({ authorization: 'Basic Zm9vOmJhcg==' }, '203.0.113.5'), 401, 'a malformed header is a failure too');
    assert.equal(await l.get({ cookie: 'latchkey_session=ended' }, '203.0.113.5'), 401, 'an unknown session is a failure too');
    assert.equal(await l.get({ authorization: `Bearer ${l.other}` }, '203.0.113.5'), 429, 'three failures used up that address too');
  });

  it('counts requests without credentials against the address at the normal limit', async () => {
    const anonymous = '192.0.2.99';
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) statuses.push(await l.get({}, anonymous));
    assert.deepEqual([...new Set(statuses.slice(0, 100))], [401], 'no credentials: 401, and no brute-force refusal (nothing was guessed)');
    assert.equal(statuses[100], 429);
  });
});

describe('client addresses', () => {
  it('keys IPv4 as is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    assert.equal(clientAddressKey('192.0.2.1'), 'ip:192.0.2.1');
    assert.equal(clientAddressKey('::ffff:192.0.2.1'), 'ip:192.0.2.1');
    assert.equal(clientAddressKey('2001:db8:1:2::1'), 'ip:2001:db8:1:2::/64');
    assert.equal(clientAddressKey('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd'), 'ip:2001:db8:1:2::/64');
    assert.equal(clientAddressKey('2001:db8::1'), 'ip:2001:db8:0:0::/64');
    assert.equal(clientAddressKey('::1'), 'ip:0:0:0:0::/64');
    assert.notEqual(clientAddressKey('2001:db8:1:3::1'), clientAddressKey('2001:db8:1:2::1'));
  });
});

describe('X-Forwarded-For', () => {
  const proxy = '10.0.0.2';
  const guessesFrom = async (l: Limited, remoteAddress: string) => {
    const out: number[] = [];
    for (const client of ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4']) {
      out.push(await l.get({ authorization: 'Bearer wrong', 'x-forwarded-for': client }, remoteAddress));
    }
    return out;
  };

  it('is ignored unless configured', async () => {
    const l = await limitedApp({ rateLimitPerMinute: 100, authFailuresPerMinute: 2 });
    try {
      assert.deepEqual(await guessesFrom(l, proxy), [401, 401, 429, 429], 'a claimed client address does not open a new bucket');
    } finally {
      await l.close();
    }
  });

  it('names the client when the request comes from a configured proxy, and only then', async () => {
    const l = await limitedApp({ rateLimitPerMinute: 100, authFailuresPerMinute: 2, trustProxy: [proxy] });
    try {
      assert.deepEqual(await guessesFrom(l, proxy), [401, 401, 401, 401], 'each client behind the proxy has its own bucket');
      assert.deepEqual(await guessesFrom(l, '192.0.2.200'), [401, 401, 429, 429], 'a direct caller cannot claim another address');
    } finally {
      await l.close();
    }
  });

  it('is read from TRUST_PROXY: off by default, on, or a list of proxy addresses', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'off' }).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'on' }).trustProxy, true);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.2, 10.1.0.0/16,::1,loopback' }).trustProxy, ['10.0.0.2', '10.1.0.0/16', '::1', 'loopback']);
    for (const bad of ['2', 'proxy.example', '10.0.0.0/33', '10.0.0.2,,']) {
      assert.throws(() => loadConfig({ TRUST_PROXY: bad }), /TRUST_PROXY/, bad);
    }
    assert.equal(loadConfig({}).authFailuresPerMinute, 60);
    assert.equal(loadConfig({ AUTH_FAILURE_LIMIT_PER_MINUTE: '5' }).authFailuresPerMinute, 5);
    assert.equal(loadConfig({ AUTH_FAILURE_LIMIT_PER_MINUTE: '0' }).authFailuresPerMinute, 1, 'at least one');
  });
});
