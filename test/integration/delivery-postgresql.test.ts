import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { addConnectedRole, makeCatalogAndPackage, makeConnection } from '../support/connections.js';
import { HOUR, adminAdd, directPolicy, getRequest } from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Delivery into the local PostgreSQL: a package with a role's Member (or Admin) grants the person's
// login role membership (read back from pg_auth_members), creating the login role where the
// connection creates accounts; expiry revokes it, except where another active assignment still gives
// the same role. Roles are cluster-wide: every one made here starts with a prefix random per run and
// all are dropped in after().

const PG_URL = new URL(process.env.LATCHKEY_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test');
const P = `lkd${randomBytes(4).toString('hex')}_`;
const GROUPS = `${P}g_`;
const REPORTS = `${GROUPS}reports`;
const BILLING = `${GROUPS}billing`;
const q = pg.escapeIdentifier;

describe('delivery into PostgreSQL roles', () => {
  let admin: pg.Client;
  let t: TestServer;
  let existing = '';
  let creating = '';

  const settings = (extra: Record<string, unknown> = {}) => ({
    host: PG_URL.hostname, port: Number(PG_URL.port || 5432), database: PG_URL.pathname.slice(1) || 'postgres', user: decodeURIComponent(PG_URL.username),
    ssl: 'disable', accountRule: { property: 'mailNickname', template: `${P}{mailNickname}` }, managedRolePrefix: GROUPS, ...extra,
  });
  const membership = async (role: string, member: string): Promise<{ admin: boolean } | undefined> => {
    const { rows } = await admin.query<{ admin_option: boolean }>(
      `SELECT m.admin_option FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = $1 AND u.rolname = $2`,
      [role, member],
    );
    return rows[0] ? { admin: rows[0].admin_option } : undefined;
  };
  const loginRole = async (name: string) => (await admin.query<{ rolcanlogin: boolean }>('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [name])).rows[0];

  before(async () => {
    admin = new pg.Client({ connectionString: PG_URL.toString() });
    await admin.connect();
    for (const r of [REPORTS, BILLING]) await admin.query(`CREATE ROLE ${q(r)} NOLOGIN`);
    await admin.query(`CREATE ROLE ${q(`${P}ada`)} LOGIN`);
    t = await startTestServer();
    existing = await makeConnection(t, { kind: 'postgresql', displayName: 'Reporting DB', settings: settings(), secrets: { password: 'unused-with-trust' } });
    creating = await makeConnection(t, { kind: 'postgresql', displayName: 'Billing DB', settings: settings({ createAccounts: true }), secrets: { password: 'unused-with-trust' } });
  });
  after(async () => {
    await t?.close();
    const { rows } = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1', [P]);
    // members before the roles they belong to do not matter to DROP ROLE; memberships go with the role
    for (const r of rows) await admin.query(`DROP ROLE ${q(r.rolname)}`);
    await admin.end();
  });

  it('Member of a role granted to the login role, kept while another assignment gives it, revoked when the last one expires', async () => {
    const short = await makeCatalogAndPackage(t, 'Reports for a day');
    await addConnectedRole(t, { connectionId: existing, ...short, originId: REPORTS, roleOriginId: 'member' });
    const shortPolicy = await directPolicy(t, short.packageId, { expiration: { type: 'afterDuration', duration: 'PT8H' } });
    const long = await makeCatalogAndPackage(t, 'Reports for two days');
    await addConnectedRole(t, { connectionId: existing, ...long, originId: REPORTS, roleOriginId: 'member' });
    const longPolicy = await directPolicy(t, long.packageId, { expiration: { type: 'afterDuration', duration: 'PT16H' } });
    const ada = await t.user({ displayName: 'Ada', mailNickname: 'ada' });

    const r1 = await adminAdd(t, short.packageId, shortPolicy, { targetId: ada.id });
    assert.equal(r1.status, 201, r1.text);
    await t.drain();
    assert.equal((await getRequest(t, r1.body.id)).state, 'delivered');
    assert.deepEqual(await membership(REPORTS, `${P}ada`), { admin: false }, 'ada is a member of the role');
    const r2 = await adminAdd(t, long.packageId, longPolicy, { targetId: ada.id });
    assert.equal(r2.status, 201, r2.text);
    await t.drain();
    assert.equal((await getRequest(t, r2.body.id)).state, 'delivered');

    t.clock.advance(8 * HOUR + 1000);
    await t.drain();
    assert.deepEqual(await membership(REPORTS, `${P}ada`), { admin: false }, 'the first assignment ended, the second still gives the role');
    t.clock.advance(8 * HOUR + 1000);
    await t.drain();
    assert.equal(await membership(REPORTS, `${P}ada`), undefined, 'both ended: revoked');
    const accounts = await ada.client.get(`/latchkey/v1/users/${ada.id}/accounts`);
    assert.deepEqual(accounts.body.value.map((a: Record<string, unknown>) => [a.connectionName, a.accountId, a.createdByLatchkey]), [['Reporting DB', `${P}ada`, false]]);
  });

  it('Admin of a role to a person without a login role: created (LOGIN) by the connection that creates accounts, granted WITH ADMIN OPTION', async () => {
    const fx = await makeCatalogAndPackage(t, 'Billing admin');
    await addConnectedRole(t, { connectionId: creating, ...fx, originId: BILLING, roleOriginId: 'admin' });
    const policyId = await directPolicy(t, fx.packageId, { expiration: { type: 'afterDuration', duration: 'PT8H' } });
    const bea = await t.user({ displayName: 'Bea', mailNickname: 'bea' });
    assert.equal(await loginRole(`${P}bea`), undefined);
    const r = await adminAdd(t, fx.packageId, policyId, { targetId: bea.id });
    assert.equal(r.status, 201, r.text);
    await t.drain();
    assert.equal((await getRequest(t, r.body.id)).state, 'delivered');
    assert.deepEqual(await loginRole(`${P}bea`), { rolcanlogin: true }, 'the login role was created');
    assert.deepEqual(await membership(BILLING, `${P}bea`), { admin: true });
    const accounts = await t.admin.get(`/latchkey/v1/users/${bea.id}/accounts`);
    assert.deepEqual(accounts.body.value.map((a: Record<string, unknown>) => [a.accountId, a.createdByLatchkey]), [[`${P}bea`, true]]);

    t.clock.advance(8 * HOUR + 1000);
    await t.drain();
    // the membership came with the Admin grant: access must not outlive the assignment that gave it
    assert.equal(await membership(BILLING, `${P}bea`), undefined, 'revoking Admin, with no Member grant left, ends the membership');
  });

  it('Admin ending while a Member grant goes on: only the admin option goes', async () => {
    const member = await makeCatalogAndPackage(t, 'Billing member');
    await addConnectedRole(t, { connectionId: creating, ...member, originId: BILLING, roleOriginId: 'member' });
    const memberPolicy = await directPolicy(t, member.packageId);
    const adm = await makeCatalogAndPackage(t, 'Billing admin for a day');
    await addConnectedRole(t, { connectionId: creating, ...adm, originId: BILLING, roleOriginId: 'admin' });
    const adminPolicy = await directPolicy(t, adm.packageId, { expiration: { type: 'afterDuration', duration: 'PT8H' } });
    const dot = await t.user({ displayName: 'Dot', mailNickname: 'dot' });
    assert.equal((await adminAdd(t, member.packageId, memberPolicy, { targetId: dot.id })).status, 201);
    assert.equal((await adminAdd(t, adm.packageId, adminPolicy, { targetId: dot.id })).status, 201);
    await t.drain();
    assert.deepEqual(await membership(BILLING, `${P}dot`), { admin: true });
    t.clock.advance(8 * HOUR + 1000);
    await t.drain();
    assert.deepEqual(await membership(BILLING, `${P}dot`), { admin: false }, 'the Member assignment still gives the membership');
  });

  it('no login role and a connection that does not create them: failed, naming the role looked for', async () => {
    const fx = await makeCatalogAndPackage(t, 'Reports, no login');
    await addConnectedRole(t, { connectionId: existing, ...fx, originId: REPORTS, roleOriginId: 'member' });
    const policyId = await directPolicy(t, fx.packageId);
    const cy = await t.user({ displayName: 'Cy', mailNickname: 'cy' });
    const r = await adminAdd(t, fx.packageId, policyId, { targetId: cy.id });
    await t.drain();
    const req = await getRequest(t, r.body.id);
    assert.equal(req.state, 'deliveryFailed');
    assert.match(req.fulfillmentErrors[0].message, new RegExp(`${P}cy`));
    assert.equal(await loginRole(`${P}cy`), undefined, 'nothing created');
  });
});
