import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { AccountSubject, Target, TargetLimits } from '../../src/connectors/kit.js';
import { accountNameFor, postgresqlConnector, readPostgresSettings } from '../../src/connectors/postgresql/index.js';
import { ConnectorError } from '../../src/connectors/types.js';
import { ValidationError } from '../../src/domain/errors.js';

// Against the local PostgreSQL (the one the suite's store runs on). Roles are cluster-wide, so every
// role here starts with a prefix random per run and all of them are dropped in after().

const PG_URL = new URL(process.env.LATCHKEY_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test');
const P = `lkt${randomBytes(4).toString('hex')}_`;
const GROUPS = `${P}g_`;
const READERS = `${GROUPS}readers`;
const WRITERS = `${GROUPS}writers`;
const EVIL = `${GROUPS}x"; DROP ROLE "${P}ada"; --`;
const OUTSIDE = `${P}outside`;
const SECRET = 'not-the-password-4f1c';
const limits: TargetLimits = { timeoutMs: 5000, concurrency: 4 };
const q = pg.escapeIdentifier;

const subject = (mailNickname: string | null, upn = `${mailNickname ?? 'nobody'}@contoso.com`): AccountSubject => ({
  id: '3f2a9c1e-0000-4000-8000-000000000001',
  userPrincipalName: upn,
  mail: upn,
  mailNickname,
  displayName: mailNickname ?? 'Nobody',
  givenName: null,
  surname: null,
});

function settings(extra: Record<string, unknown> = {}) {
  return {
    host: PG_URL.hostname,
    port: Number(PG_URL.port || 5432),
    database: PG_URL.pathname.slice(1) || 'postgres',
    user: decodeURIComponent(PG_URL.username),
    ssl: 'disable',
    accountRule: { property: 'mailNickname', template: `${P}{mailNickname}` },
    managedRolePrefix: GROUPS,
    ...extra,
  };
}
const connect = (extra: Record<string, unknown> = {}, l: TargetLimits = limits) =>
  postgresqlConnector.createTarget(readPostgresSettings(settings(extra)), { password: SECRET }, l);

function isConnectorError(retryable: boolean, pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ConnectorError, `a ConnectorError, got ${String(e)}`);
    assert.equal(e.retryable, retryable, e.message);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes(SECRET), 'the password is never in a message');
    return true;
  };
}

/** A port nothing listens on (found by listening on 0 and closing). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A TCP proxy to the real server that can be stopped (connections cut) and started again on its port. */
function proxy() {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  return {
    get port() {
      return port;
    },
    async start() {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(PG_URL.port || 5432), PG_URL.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
      port = (server.address() as net.AddressInfo).port;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server!.close(r));
    },
  };
}

describe('PostgreSQL connector (roles on the local server)', () => {
  let admin: pg.Client;
  let target: Target;
  const ada = subject('ada');
  const adaRole = `${P}ada`;

  before(async () => {
    admin = new pg.Client({ connectionString: PG_URL.toString() });
    await admin.connect();
    for (const r of [READERS, WRITERS, EVIL, OUTSIDE]) await admin.query(`CREATE ROLE ${q(r)} NOLOGIN`);
    await admin.query(`COMMENT ON ROLE ${q(READERS)} IS 'Reads the reports'`);
    await admin.query(`CREATE ROLE ${q(adaRole)} LOGIN`);
    await admin.query(`CREATE ROLE ${q(`${P}grp_only`)} NOLOGIN`);
    await admin.query(`CREATE ROLE ${q(`${GROUPS}root`)} NOLOGIN SUPERUSER`);
    target = connect();
  });

  after(async () => {
    await target?.close();
    const { rows } = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1', [P]);
    for (const r of rows) await admin.query(`DROP ROLE ${q(r.rolname)}`);
    await admin.end();
  });

  const membership = async (role: string, member: string) =>
    (
      await admin.query<{ admin_option: boolean }>(
        `SELECT m.admin_option FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
          WHERE r.rolname = $1 AND u.rolname = $2`,
        [role, member],
      )
    ).rows[0];

  it('validates settings, naming the field', () => {
    assert.throws(() => readPostgresSettings({ ...settings(), host: undefined }), (e: unknown) => e instanceof ValidationError && e.target === 'settings.host');
    assert.throws(() => readPostgresSettings({ ...settings(), port: 70000 }), (e: unknown) => e instanceof ValidationError && e.target === 'settings.port');
    assert.throws(
      () => readPostgresSettings({ ...settings(), accountRule: { property: 'mail', template: 'lk_{mailNickname}' } }),
      (e: unknown) => e instanceof ValidationError && e.target === 'settings.accountRule.template',
    );
    assert.throws(
      () => readPostgresSettings({ ...settings(), accountRule: { property: 'mailNickname', template: 'lk";{mailNickname}' } }),
      (e: unknown) => e instanceof ValidationError && e.target === 'settings.accountRule.template',
    );
    const defaults = readPostgresSettings({ host: 'db', user: 'latchkey' });
    assert.equal(defaults.port, 5432);
    assert.equal(defaults.ssl, 'verify-full');
    assert.equal(defaults.createAccounts, false);
    assert.deepEqual(defaults.accountRule, { property: 'mailNickname' });
  });

  it('test() connects and says what it found', async () => {
    const { summary } = await target.test();
    assert.match(summary, new RegExp(`as ${PG_URL.username}`));
    assert.match(summary, /PostgreSQL \d+/);
    assert.match(summary, /4 roles to govern/, 'readers, writers, the odd one and the superuser, not the login role nor the role outside the prefix');
  });

  it('searches and looks up roles within the managed prefix', async () => {
    const found = await target.searchResources('READ', 10);
    assert.deepEqual(found.map((r) => r.originId), [READERS]);
    assert.equal(found[0]!.description, 'Reads the reports');
    assert.equal(found[0]!.addable, true);
    assert.deepEqual((await target.searchResources('', 10)).map((r) => r.originId), [READERS, WRITERS, EVIL, `${GROUPS}root`].sort());
    assert.equal((await target.searchResources('', 1)).length, 1);
    const wide = connect({ managedRolePrefix: P });
    try {
      assert.deepEqual((await wide.searchResources('ada', 10)).map((r) => r.originId), [EVIL], 'login roles are not offered by default');
      const withLogins = connect({ managedRolePrefix: P, includeLoginRoles: true });
      const names = (await withLogins.searchResources('ada', 10)).map((r) => r.originId);
      await withLogins.close();
      assert.deepEqual(names, [adaRole, EVIL].sort());
    } finally {
      await wide.close();
    }
    const outside = await target.lookupResource(OUTSIDE);
    assert.equal(outside?.addable, false);
    assert.match(outside!.reason!, new RegExp(`starting with '${GROUPS}'`));
    assert.equal(await target.lookupResource(`${GROUPS}missing`), undefined);
    assert.deepEqual(target.rolesOf((await target.lookupResource(READERS))!).map((r) => r.originId), ['member', 'admin']);
  });

  it('finds the account by the account rule, and none for a person without a login role', async () => {
    assert.deepEqual(await target.findAccount(ada), { id: adaRole, display: adaRole });
    assert.equal(await target.findAccount(subject('grace')), undefined);
    assert.equal(accountNameFor(readPostgresSettings(settings()).accountRule, subject('grace')), `${P}grace`, 'the name looked for');
    await assert.rejects(target.findAccount(subject('grp_only')), isConnectorError(false, /cannot log in/));
    await assert.rejects(target.findAccount(subject(null)), isConnectorError(false, /has no mailNickname/));
    assert.equal(target.createAccount, undefined, 'createAccounts is off by default');
  });

  it('grants to an account that does not exist fail naming it', async () => {
    await assert.rejects(target.grant({ id: `${P}grace`, display: 'grace' }, { resourceId: READERS, roleId: 'member' }), isConnectorError(false, new RegExp(`role "${P}grace" does not exist`)));
    await assert.rejects(target.grant({ id: adaRole, display: 'ada' }, { resourceId: `${GROUPS}missing`, roleId: 'member' }), isConnectorError(false, new RegExp(`has no role "${GROUPS}missing"`)));
    await assert.rejects(target.grant({ id: adaRole, display: 'ada' }, { resourceId: `${GROUPS}root`, roleId: 'member' }), isConnectorError(false, /is a superuser role/));
    assert.equal((await target.lookupResource(`${GROUPS}root`))?.addable, false);
    assert.deepEqual(await target.revoke({ id: adaRole, display: 'ada' }, { resourceId: `${GROUPS}missing`, roleId: 'member' }), { changed: false }, 'no role, no membership');
    await assert.rejects(target.grant({ id: adaRole, display: 'ada' }, { resourceId: OUTSIDE, roleId: 'member' }), isConnectorError(false, /only roles starting with/));
    assert.equal(await membership(OUTSIDE, adaRole), undefined);
    await assert.rejects(target.grant({ id: adaRole, display: 'ada' }, { resourceId: READERS, roleId: 'owner' }), isConnectorError(false, /not 'owner'/));
  });

  it('creates a missing login role without a password where the connection allows it', async () => {
    const creating = connect({ createAccounts: true });
    try {
      const grace = subject('Grace.Hopper-Müller');
      assert.equal(await creating.findAccount(grace), undefined);
      const created = await creating.createAccount!(grace);
      assert.equal(created.id, `${P}grace_hopper_muller`);
      const { rows } = await admin.query<{ rolcanlogin: boolean; rolpassword: string | null }>('SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = $1', [created.id]);
      assert.deepEqual(rows, [{ rolcanlogin: true, rolpassword: null }]);
      assert.deepEqual(await creating.findAccount(grace), created);
      assert.deepEqual(await creating.createAccount!(grace), created, 'creating again finds the one there');
    } finally {
      await creating.close();
    }
  });

  it('grants Member, idempotently, lists the holder, revokes, idempotently', async () => {
    const account = (await target.findAccount(ada))!;
    const role = { resourceId: READERS, roleId: 'member' };
    assert.deepEqual(await target.grant(account, role), { changed: true });
    assert.deepEqual(await membership(READERS, adaRole), { admin_option: false });
    assert.deepEqual(await target.grant(account, role), { changed: false });
    assert.deepEqual(await target.listHolders(role), [account]);
    assert.deepEqual(await target.listHolders({ resourceId: READERS, roleId: 'admin' }), []);
    assert.deepEqual(await target.revoke(account, role), { changed: true });
    assert.equal(await membership(READERS, adaRole), undefined);
    assert.deepEqual(await target.revoke(account, role), { changed: false });
    assert.deepEqual(await target.listHolders(role), []);
  });

  it('grants Admin as WITH ADMIN OPTION and revokes only the option', async () => {
    const account = { id: adaRole, display: adaRole };
    const member = { resourceId: WRITERS, roleId: 'member' };
    const adminRole = { resourceId: WRITERS, roleId: 'admin' };
    assert.deepEqual(await target.grant(account, member), { changed: true });
    assert.deepEqual(await target.grant(account, adminRole), { changed: true }, 'a member gets the admin option on top');
    assert.deepEqual(await membership(WRITERS, adaRole), { admin_option: true });
    assert.deepEqual(await target.grant(account, adminRole), { changed: false });
    assert.deepEqual(await target.grant(account, member), { changed: false }, 'an admin is a member');
    assert.deepEqual(await target.listHolders(adminRole), [account]);
    assert.deepEqual(await target.revoke(account, adminRole), { changed: true });
    assert.deepEqual(await membership(WRITERS, adaRole), { admin_option: false }, 'still a member');
    assert.deepEqual(await target.revoke(account, adminRole), { changed: false });
    assert.deepEqual(await target.revoke(account, member), { changed: true });
    assert.equal(await membership(WRITERS, adaRole), undefined);
  });

  it('grants Member and Admin of one role to one login at the same moment: both succeed (PostgreSQL refuses the second insert of the membership)', async () => {
    // two packages giving one person Member and Admin, delivered side by side; a fresh login each round
    const wide = connect({}, { timeoutMs: 5000, concurrency: 8 });
    try {
      for (let i = 0; i < 12; i++) {
        const login = `${P}race${i}`;
        await admin.query(`CREATE ROLE ${q(login)} LOGIN`);
        const account = { id: login, display: login };
        const outcomes = await Promise.all([
          wide.grant(account, { resourceId: WRITERS, roleId: 'member' }),
          wide.grant(account, { resourceId: WRITERS, roleId: 'admin' }),
          wide.grant(account, { resourceId: READERS, roleId: 'member' }),
          wide.grant(account, { resourceId: READERS, roleId: 'member' }),
        ]);
        assert.equal(outcomes.length, 4);
        assert.deepEqual(await membership(WRITERS, login), { admin_option: true }, `round ${i}: the Admin grant holds`);
        assert.deepEqual(await membership(READERS, login), { admin_option: false }, `round ${i}: Member once`);
        await Promise.all([wide.revoke(account, { resourceId: READERS, roleId: 'member' }), wide.revoke(account, { resourceId: READERS, roleId: 'member' })]);
        assert.equal(await membership(READERS, login), undefined, `round ${i}: revoked, twice at once`);
      }
    } finally {
      await wide.close();
    }
  });

  it('quotes a role name with a double quote and a semicolon instead of running it', async () => {
    const account = { id: adaRole, display: adaRole };
    assert.equal((await target.lookupResource(EVIL))?.originId, EVIL);
    assert.deepEqual(await target.grant(account, { resourceId: EVIL, roleId: 'member' }), { changed: true });
    assert.deepEqual(await membership(EVIL, adaRole), { admin_option: false });
    assert.equal((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [adaRole])).rowCount, 1, 'the DROP ROLE in the name did not run');
    assert.deepEqual(await target.listHolders({ resourceId: EVIL, roleId: 'member' }), [account]);
    assert.deepEqual(await target.revoke(account, { resourceId: EVIL, roleId: 'member' }), { changed: true });
    // the account rule makes a plain identifier of whatever the property holds
    assert.equal(accountNameFor({ property: 'mailNickname' }, subject(`x"; DROP ROLE ada; --`)), 'x_drop_role_ada');
  });

  it('reports a server that does not listen as retryable, without the password', async () => {
    const down = connect({ port: await closedPort() });
    try {
      await assert.rejects(down.test(), isConnectorError(true, /cannot be reached \(ECONNREFUSED\)/));
      await assert.rejects(down.grant({ id: adaRole, display: adaRole }, { resourceId: READERS, roleId: 'member' }), isConnectorError(true, /cannot be reached/));
    } finally {
      await down.close();
    }
  });

  it('reports a database that does not exist as not retryable', async () => {
    const wrong = connect({ database: `${P}nodb` });
    try {
      await assert.rejects(wrong.test(), isConnectorError(false, /does not exist/));
    } finally {
      await wrong.close();
    }
  });

  it('fails retryably while the server is down and works again once it is back', async () => {
    const p = proxy();
    await p.start();
    const via = connect({ port: p.port });
    try {
      const account = { id: adaRole, display: adaRole };
      const role = { resourceId: READERS, roleId: 'member' };
      await via.test();
      await p.stop();
      await assert.rejects(via.grant(account, role), isConnectorError(true, /PostgreSQL at 127\.0\.0\.1:\d+/));
      await p.start();
      assert.deepEqual(await via.grant(account, role), { changed: true });
      assert.deepEqual(await via.revoke(account, role), { changed: true });
    } finally {
      await via.close();
      await p.stop().catch(() => {});
    }
  });

  it('gives up on a server that accepts but never answers, retryably, naming the timeout', async () => {
    const silent = net.createServer(() => {});
    const held: net.Socket[] = [];
    silent.on('connection', (s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const mute = connect({ port: (silent.address() as net.AddressInfo).port }, { timeoutMs: 300, concurrency: 1 });
    try {
      const started = Date.now();
      await assert.rejects(mute.test(), isConnectorError(true, /did not answer within 300 ms/));
      assert.ok(Date.now() - started < 3000);
    } finally {
      await mute.close();
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('gives up on a statement the server holds (statement_timeout), retryably', async () => {
    // another session grants the same membership and does not commit: our GRANT waits on its row
    const other = new pg.Client({ connectionString: PG_URL.toString() });
    await other.connect();
    const slow = connect({ timeoutMs: 300 });
    try {
      await slow.test(); // connected beforehand, so that only the statement meets the 300 ms
      await other.query('BEGIN');
      await other.query(`GRANT ${q(WRITERS)} TO ${q(adaRole)}`);
      await assert.rejects(slow.grant({ id: adaRole, display: adaRole }, { resourceId: WRITERS, roleId: 'member' }), isConnectorError(true, /did not answer within 300 ms/));
      await other.query('ROLLBACK');
      assert.deepEqual(await slow.grant({ id: adaRole, display: adaRole }, { resourceId: WRITERS, roleId: 'member' }), { changed: true });
      assert.deepEqual(await slow.revoke({ id: adaRole, display: adaRole }, { resourceId: WRITERS, roleId: 'member' }), { changed: true });
    } finally {
      await other.end();
      await slow.close();
    }
  });
});
