import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { readPostgresSettings } from '../../src/connectors/postgresql/index.js';
import { makeConnection } from '../support/connections.js';
import { governResource, governingPackage, grantPackage, removeAssignment, setGrantState, type GovernedResource, type GoverningPackage, reconcileNow } from '../support/reconcile-fixture.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Reconciliation of a PostgreSQL connection against the local server's roles: a membership REVOKEd
// behind Latchkey's back is granted again, a member GRANTed by someone else is reported and, once the
// resource is exclusive, revoked; the Admin role (WITH ADMIN OPTION) is its own role of the target,
// and since it makes its holder a member too, a holder of Admin alone is no unmanaged Member, nor is
// their membership revoked when another assignment's Member ends. The resources, packages and grants
// are made through the API and delivered by the worker. Roles are cluster-wide: every one starts with a prefix random per run and all are dropped in after().

const PG_URL = new URL(process.env.LATCHKEY_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test');
const P = `lkr${randomBytes(4).toString('hex')}_`;
const READERS = `${P}g_readers`;
const WRITERS = `${P}g_writers`;
const role = (name: string) => `${P}${name}`;
const q = pg.escapeIdentifier;
const V1 = '/latchkey/v1';

describe('reconciliation against PostgreSQL roles', () => {
  let admin: pg.Client;
  let t: TestServer;
  let connectionId = '';
  let readers: GovernedResource & GoverningPackage;
  let writers: GovernedResource & GoverningPackage;
  const users: Record<string, string> = {};

  const holders = async (adminOption = false, of = READERS) => (await admin.query<{ rolname: string }>(
    `SELECT u.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
      WHERE r.rolname = $1 AND ($2 = false OR m.admin_option) ORDER BY u.rolname`, [of, adminOption],
  )).rows.map((r) => r.rolname);
  const reconcile = () => reconcileNow(t, connectionId);
  const unmanaged = async (of = readers) => (await t.admin.get(`${V1}/resources/${of.resourceId}/reconciliation`)).body.unmanaged as
    { roleName: string; accountId: string; removedDateTime: string | null }[];

  before(async () => {
    admin = new pg.Client({ connectionString: PG_URL.toString() });
    await admin.connect();
    for (const r of [READERS, WRITERS]) await admin.query(`CREATE ROLE ${q(r)} NOLOGIN`);
    for (const n of ['ada', 'bob', 'cy', 'dee', 'eve']) await admin.query(`CREATE ROLE ${q(role(n))} LOGIN`);
    t = await startTestServer();
    const settings = readPostgresSettings({
      host: PG_URL.hostname, port: Number(PG_URL.port || 5432), database: PG_URL.pathname.slice(1) || 'postgres', user: decodeURIComponent(PG_URL.username),
      ssl: 'disable', accountRule: { property: 'mailNickname', template: `${P}{mailNickname}` }, managedRolePrefix: `${P}g_`,
    });
    connectionId = await makeConnection(t, { kind: 'postgresql', settings, secrets: { password: 'not-the-password-7e2d' } });
    // ada gets a package of both roles, bob one of Member only: delivered by the worker, accounts linked by it
    readers = await governResource(t, { connectionId, originId: READERS });
    assert.deepEqual(Object.keys(readers.roles).sort(), ['admin', 'member']);
    const members = await governingPackage(t, readers, ['member']);
    for (const n of ['ada', 'bob', 'cy', 'dee', 'eve']) users[n] = (await t.user({ displayName: n, mailNickname: n })).id;
    await grantPackage(t, readers, users.ada);
    await grantPackage(t, members, users.bob);
    assert.deepEqual(await holders(), [role('ada'), role('bob')]);
    assert.deepEqual(await holders(true), [role('ada')]);
  });

  after(async () => {
    await t?.close();
    const { rows } = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1', [P]);
    for (const r of rows) await admin.query(`DROP ROLE ${q(r.rolname)}`);
    await admin.end();
  });

  it('finds the roles as granted', async () => {
    const run = await reconcile();
    assert.equal(run.rolesChecked, 2, 'Member and Admin');
    assert.equal(run.holdersChecked, 3, 'ada and bob are members, ada is also admin');
    assert.deepEqual([run.repaired, run.unmanaged, run.removed], [0, 0, 0]);
  });

  it('grants again a membership revoked behind its back', async () => {
    await admin.query(`REVOKE ${q(READERS)} FROM ${q(role('bob'))}`);
    await admin.query(`REVOKE ADMIN OPTION FOR ${q(READERS)} FROM ${q(role('ada'))}`);
    assert.deepEqual(await holders(), [role('ada')]);
    const run = await reconcile();
    assert.equal(run.repaired, 2);
    assert.deepEqual(await holders(), [role('ada'), role('bob')]);
    assert.deepEqual(await holders(true), [role('ada')], 'the admin option is back too');
    const audit = await t.store.db.selectFrom('auditEvents').select('modifiedProperties').where('activity', '=', 'Reconciliation repaired missing access').execute();
    assert.equal(audit.length, 2);
    assert.ok(audit.some((a) => a.modifiedProperties.includes(role('bob'))));
  });

  it('reports a member granted by someone else, then revokes it once the resource is exclusive', async () => {
    await admin.query(`GRANT ${q(READERS)} TO ${q(role('cy'))}`);
    const run = await reconcile();
    assert.equal(run.unmanaged, 1);
    assert.equal(run.removed, 0);
    assert.deepEqual((await unmanaged()).map((u) => [u.roleName, u.accountId]), [['Member', role('cy')]]);
    assert.ok((await holders()).includes(role('cy')));

    const patch = await t.admin.patch(`${V1}/resources/${readers.resourceId}`, { exclusive: true });
    assert.equal(patch.status, 200, patch.text);
    const removing = await reconcile();
    assert.equal(removing.removed, 1);
    assert.deepEqual(await holders(), [role('ada'), role('bob')], 'cy is no longer a member');
    const rows = await unmanaged();
    assert.equal(rows.length, 1);
    assert.ok(rows[0].removedDateTime);
    const audits = JSON.stringify(await t.store.db.selectFrom('auditEvents').selectAll().execute());
    assert.ok(!audits.includes('not-the-password-7e2d'));
  });

  it('leaves a membership alone while its grant is being revoked', async () => {
    const { grants } = await grantPackage(t, await governingPackage(t, readers, ['member']), users.cy);
    assert.ok((await holders()).includes(role('cy')), 'delivered');
    // the assignment ended and its revoke job not yet done: the API cannot hold that across the run's worker
    await setGrantState(t, grants[readers.roles.member], 'revoking');
    const run = await reconcile();
    assert.deepEqual([run.unmanaged, run.removed, run.repaired], [0, 0, 0]);
    assert.ok((await holders()).includes(role('cy')), 'the revocation is delivery\'s to do');
    // the revoke recorded as done, the membership left (granted again behind Latchkey's back, or a revoke that did not take)
    await setGrantState(t, grants[readers.roles.member], 'revoked');
    assert.equal((await reconcile()).removed, 1, 'once revoked, the membership is unmanaged again');
    assert.ok(!(await holders()).includes(role('cy')));
  });

  it('a holder of Admin alone is no unmanaged Member (WITH ADMIN OPTION is a membership too), and an exclusive resource keeps them', async () => {
    writers = await governResource(t, { connectionId, originId: WRITERS, roles: ['admin'] });
    await grantPackage(t, writers, users.dee);
    assert.deepEqual(await holders(false, WRITERS), [role('dee')], 'a member, by the grant of Admin');
    const run = await reconcile();
    assert.deepEqual([run.repaired, run.unmanaged, run.removed], [0, 0, 0]);
    assert.deepEqual(await unmanaged(writers), []);

    const patch = await t.admin.patch(`${V1}/resources/${writers.resourceId}`, { exclusive: true });
    assert.equal(patch.status, 200, patch.text);
    const exclusive = await reconcile();
    assert.deepEqual([exclusive.repaired, exclusive.unmanaged, exclusive.removed], [0, 0, 0]);
    assert.deepEqual(await unmanaged(writers), []);
    assert.deepEqual(await holders(true, WRITERS), [role('dee')], 'the Admin access Latchkey granted is still there');
  });

  it('a holder of Admin whose grant is on its way in is no unmanaged Member either', async () => {
    const { grants } = await grantPackage(t, writers, users.cy);
    // delivered in the target, not yet recorded: a worker mid-job, which the API cannot hold across the run
    await setGrantState(t, grants[writers.roles.admin], 'pending');
    const run = await reconcile();
    assert.deepEqual([run.repaired, run.unmanaged, run.removed], [0, 0, 0]);
    assert.ok((await holders(true, WRITERS)).includes(role('cy')));
    await setGrantState(t, grants[writers.roles.admin], 'delivered');
  });

  it('keeps the membership when Member ends while another assignment still gives Admin (REVOKE would take the admin option too)', async () => {
    const members = await governingPackage(t, writers, ['member']);
    const asMember = await grantPackage(t, members, users.eve);
    await grantPackage(t, writers, users.eve);
    assert.ok((await holders(true, WRITERS)).includes(role('eve')));
    await removeAssignment(t, asMember.assignmentId);
    assert.ok((await holders(true, WRITERS)).includes(role('eve')), 'eve is still a member WITH ADMIN OPTION');
    const run = await reconcile();
    assert.deepEqual([run.repaired, run.unmanaged, run.removed], [0, 0, 0]);
  });

  it('an Admin that ends alone takes the membership it gave with it: nothing left for reconciliation to find', async () => {
    const asAdmin = await grantPackage(t, writers, users.bob);
    await removeAssignment(t, asAdmin.assignmentId);
    assert.ok(!(await holders(true, WRITERS)).includes(role('bob')), 'the admin option is gone');
    assert.ok(!(await holders(false, WRITERS)).includes(role('bob')), 'and so is the membership: no Member grant gives it');
    const run = await reconcile();
    assert.deepEqual([run.unmanaged, run.removed], [0, 0]);
    assert.deepEqual(await unmanaged(writers), []);
  });
});
