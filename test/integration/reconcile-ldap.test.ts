import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Attribute, Change, Client } from 'ldapts';
import { RoleDefinitionIds as R } from '../../src/domain/authorization.js';
import { makeConnection } from '../support/connections.js';
import { governResource, grantPackage, setGrantState, type GovernedResource, type GoverningPackage } from '../support/reconcile-fixture.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { slapdMissing, startSlapd, SUFFIX, type Slapd } from '../support/slapd.js';

// Reconciliation of an LDAP connection against a real OpenLDAP: a member removed behind Latchkey's back
// is put back (audited), a member nobody granted is reported and, once every catalog governing the group
// says the resource is exclusive, removed from the directory; a grant still on its way in or out is
// neither; DNs compare as LDAP compares them; runs are one at a time per connection, on demand and on
// schedule; a directory that is down fails the run, saying why. The group is added to the catalogs, and
// the access granted and delivered, through the API.

const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const dnOf = (uid: string) => `uid=${uid},${PEOPLE}`;
const ENG = `cn=eng,${GROUPS}`;
const V1 = '/latchkey/v1';
const PEOPLE_UIDS = ['alice', 'bob', 'carol', 'dave', 'erin'];

const person = (uid: string) => [`dn: ${dnOf(uid)}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: ${uid}`, `sn: ${uid}`, `mail: ${uid}@example.com`, ''].join('\n');

describe('reconciliation against OpenLDAP', { skip: slapdMissing() }, () => {
  let slapd: Slapd;
  let t: TestServer;
  let ldap: Client;
  let connectionId = '';
  let eng: GovernedResource & GoverningPackage;
  let engInB: GovernedResource & GoverningPackage;
  const users: Record<string, string> = {};
  let owner: Awaited<ReturnType<TestServer['user']>>;
  let ownerOfB: Awaited<ReturnType<TestServer['user']>>;

  const members = async (): Promise<string[]> => {
    const r = await ldap.search(ENG, { scope: 'base', attributes: ['member'] });
    const v = r.searchEntries[0]?.member ?? [];
    return (Array.isArray(v) ? v : [v]).map(String).map((d) => d.toLowerCase()).sort();
  };
  const modify = (operation: 'add' | 'delete', uid: string) =>
    ldap.modify(ENG, new Change({ operation, modification: new Attribute({ type: 'member', values: [dnOf(uid)] }) }));
  /** starts a run through the API, lets the worker do it, and answers the run as listed */
  const reconcile = async () => {
    const r = await t.admin.post(`${V1}/connections/${connectionId}/reconcile`);
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.state, 'running');
    await t.drain();
    const runs = await t.admin.get(`${V1}/connections/${connectionId}/reconciliations`);
    assert.equal(runs.status, 200, runs.text);
    const run = runs.body.value.find((x: { id: string }) => x.id === r.body.id);
    assert.ok(run, 'the run is listed');
    return run;
  };
  const audits = async (activity: string) =>
    t.store.db.selectFrom('auditEvents').selectAll().where('activity', '=', activity).orderBy('occurredAt').execute();
  const view = async (resourceId: string) => {
    const r = await t.admin.get(`${V1}/resources/${resourceId}/reconciliation`);
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  const tick = () => t.clock.advance(60_000);

  before(async () => {
    slapd = await startSlapd();
    await slapd.ldapadd([
      ...PEOPLE_UIDS.map(person),
      `dn: ${ENG}`, 'objectClass: groupOfNames', 'cn: eng', `member: ${dnOf('alice')}`, '',
    ].join('\n'));
    ldap = new Client({ url: slapd.url, timeout: 5000 });
    await ldap.bind(slapd.adminDn, slapd.adminPassword);
    t = await startTestServer();
    connectionId = await makeConnection(t, {
      kind: 'ldap', settings: { url: slapd.url, bindDn: slapd.adminDn, baseDn: SUFFIX, groupBaseDn: GROUPS, userBaseDn: PEOPLE }, secrets: { bindPassword: slapd.adminPassword },
    });
    eng = await governResource(t, { connectionId, originId: ENG, catalogName: 'Engineering' });
    // the same group governed by a second catalog: one role of the target, read once
    engInB = await governResource(t, { connectionId, originId: ENG, catalogName: 'Projects' });
    for (const uid of PEOPLE_UIDS) users[uid] = (await t.user({ displayName: uid, mail: `${uid}@example.com` })).id;
    // delivered by the worker: bob, dave and erin put in the group, alice (already there) linked
    await grantPackage(t, eng, users.alice);
    await grantPackage(t, engInB, users.bob);
    const dave = await grantPackage(t, eng, users.dave);
    const erin = await grantPackage(t, eng, users.erin);
    assert.deepEqual(await members(), ['alice', 'bob', 'dave', 'erin'].map((u) => dnOf(u).toLowerCase()));
    // alice's link spelt as a directory may return it (case, spaces): still her entry. Delivery links the
    // DN the directory answered, spelt as the member values are, so the API cannot make this one
    const linked = await t.store.db.updateTable('connectionAccounts').set({ accountId: `UID=Alice, ou=People,${SUFFIX}` })
      .where('connectionId', '=', connectionId).where('userId', '=', users.alice).executeTakeFirst();
    assert.equal(Number(linked.numUpdatedRows), 1);
    // dave's grant is on its way in, erin's on its way out (the directory already changed, the worker has
    // not recorded it): neither is compared. A run's worker would finish either job, so the store holds them
    await setGrantState(t, dave.grants[eng.roles.member], 'pending');
    await setGrantState(t, erin.grants[eng.roles.member], 'revoking');
    await modify('delete', 'erin');
    owner = await t.user({ displayName: 'Owner of Engineering' });
    await t.grantRole(owner.id, R.catalogOwner, eng.catalogId);
    ownerOfB = await t.user({ displayName: 'Owner of Projects' });
    await t.grantRole(ownerOfB.id, R.catalogOwner, engInB.catalogId);
  });

  after(async () => {
    await ldap?.unbind().catch(() => {});
    await t?.close();
    await slapd?.stop();
  });

  it('finds nothing to do when the directory matches the delivered grants', async () => {
    const run = await reconcile();
    assert.equal(run.state, 'succeeded', run.error);
    assert.equal(run.trigger, 'demand');
    assert.equal(run.rolesChecked, 1, 'the group governed by two catalogs is one role');
    assert.equal(run.holdersChecked, 3);
    assert.deepEqual([run.repaired, run.unmanaged, run.removed], [0, 0, 0]);
    assert.ok(run.finishedDateTime);
    assert.deepEqual(await members(), ['alice', 'bob', 'dave'].map((u) => dnOf(u).toLowerCase()));
  });

  it('puts back a delivered member removed behind its back, and audits the repair', async () => {
    await modify('delete', 'bob');
    assert.ok(!(await members()).includes(dnOf('bob')));
    tick();
    const run = await reconcile();
    assert.equal(run.state, 'succeeded', run.error);
    assert.equal(run.repaired, 1);
    assert.equal(run.unmanaged, 0);
    assert.ok((await members()).includes(dnOf('bob')), 'bob is a member again');
    const repaired = await audits('Reconciliation repaired missing access');
    assert.equal(repaired.length, 1);
    assert.equal(repaired[0].targetId, engInB.resourceId, 'on the resource whose grant explains it');
    assert.equal(repaired[0].actorDisplayName, 'Latchkey');
    const props = JSON.parse(repaired[0].modifiedProperties) as { displayName: string; newValue: unknown }[];
    assert.equal(props.find((p) => p.displayName === 'accountId')?.newValue, dnOf('bob'));
    assert.equal(props.find((p) => p.displayName === 'reconciliationId')?.newValue, run.id);
    tick();
    const again = await reconcile();
    assert.equal(again.repaired, 0, 'a repaired member is not repaired twice');
  });

  it('reports a member nobody granted, in both catalogs, and leaves it there', async () => {
    await modify('add', 'carol');
    tick();
    const run = await reconcile();
    assert.equal(run.state, 'succeeded', run.error);
    assert.equal(run.unmanaged, 1);
    assert.equal(run.removed, 0);
    assert.ok((await members()).includes(dnOf('carol')), 'a non-exclusive resource only reports');
    for (const r of [eng, engInB]) {
      const v = await view(r.resourceId);
      assert.equal(v.exclusive, false);
      assert.equal(v.lastRun.id, run.id);
      assert.equal(v.unmanaged.length, 1);
      assert.equal(v.unmanaged[0].accountId, dnOf('carol'));
      assert.equal(v.unmanaged[0].roleId, r.roles.member);
      assert.equal(v.unmanaged[0].roleName, 'Member');
      assert.equal(v.unmanaged[0].removedDateTime, null);
    }
    const firstSeen = (await view(eng.resourceId)).unmanaged[0].firstSeenDateTime;
    assert.equal((await audits('Reconciliation found unmanaged access')).length, 2, 'one per governing resource');

    tick();
    const again = await reconcile();
    assert.equal(again.unmanaged, 1);
    const seen = (await view(eng.resourceId)).unmanaged[0];
    assert.equal(seen.firstSeenDateTime, firstSeen);
    assert.ok(seen.lastSeenDateTime > firstSeen, 'last seen moves on');
    assert.equal((await audits('Reconciliation found unmanaged access')).length, 2, 'a holder already reported is not audited again');
  });

  it('lets the catalog owner make the resource exclusive, and nobody else', async () => {
    assert.equal((await ownerOfB.client.patch(`${V1}/resources/${eng.resourceId}`, { exclusive: true })).status, 403, 'owner of another catalog');
    const plain = await t.user();
    assert.equal((await plain.client.patch(`${V1}/resources/${eng.resourceId}`, { exclusive: true })).status, 403);
    assert.equal((await plain.client.get(`${V1}/resources/${eng.resourceId}/reconciliation`)).status, 403);
    const bad = await owner.client.patch(`${V1}/resources/${eng.resourceId}`, { exclusive: 'yes' });
    assert.equal(bad.status, 400, bad.text);
    const r = await owner.client.patch(`${V1}/resources/${eng.resourceId}`, { exclusive: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.exclusive, true);
    assert.equal(r.body.connectionId, connectionId);
    const audit = await audits('Update resource governance');
    assert.equal(audit.length, 1);
    assert.equal(audit[0].actorId, owner.id);
  });

  it('removes the unmanaged member only once every catalog governing the group is exclusive', async () => {
    tick();
    const partly = await reconcile();
    assert.equal(partly.removed, 0, 'Projects still only reports');
    assert.ok((await members()).includes(dnOf('carol')));

    assert.equal((await ownerOfB.client.patch(`${V1}/resources/${engInB.resourceId}`, { exclusive: true })).status, 200);
    tick();
    const run = await reconcile();
    assert.equal(run.state, 'succeeded', run.error);
    assert.equal(run.unmanaged, 1);
    assert.equal(run.removed, 1);
    assert.deepEqual(await members(), ['alice', 'bob', 'dave'].map((u) => dnOf(u).toLowerCase()), 'carol is gone; the pending grant is untouched');
    const v = await view(eng.resourceId);
    assert.equal(v.exclusive, true);
    assert.equal(v.unmanaged.length, 1, 'the removed holder stays as the record');
    assert.ok(v.unmanaged[0].removedDateTime);
    assert.equal((await audits('Reconciliation removed unmanaged access')).length, 2);

    tick();
    const after = await reconcile();
    assert.deepEqual([after.unmanaged, after.removed], [0, 0]);
    assert.ok((await view(eng.resourceId)).unmanaged[0].removedDateTime, 'still recorded as removed');
  });

  it('forgets an unmanaged holder someone else removed', async () => {
    for (const r of [eng, engInB]) assert.equal((await owner.client.patch(`${V1}/resources/${r.resourceId}`, { exclusive: false })).status, r === eng ? 200 : 403);
    assert.equal((await ownerOfB.client.patch(`${V1}/resources/${engInB.resourceId}`, { exclusive: false })).status, 200);
    await modify('add', 'erin');
    tick();
    const run = await reconcile();
    assert.equal(run.unmanaged, 0, 'erin is being revoked by Latchkey: not unmanaged');
    await modify('add', 'carol');
    tick();
    assert.equal((await reconcile()).unmanaged, 1);
    assert.equal((await view(eng.resourceId)).unmanaged.filter((u: { removedDateTime: string | null }) => !u.removedDateTime).length, 1);
    await modify('delete', 'carol');
    tick();
    assert.equal((await reconcile()).unmanaged, 0);
    assert.deepEqual((await view(eng.resourceId)).unmanaged, [], 'a holder no longer seen is deleted');
    await modify('delete', 'erin');
  });

  it('runs one reconciliation of a connection at a time', async () => {
    tick();
    const first = await t.admin.post(`${V1}/connections/${connectionId}/reconcile`);
    const second = await t.admin.post(`${V1}/connections/${connectionId}/reconcile`);
    assert.equal(first.status, 202);
    assert.equal(second.status, 202);
    assert.equal(second.body.id, first.body.id, 'the running one is answered');
    await t.drain();
    const runs = (await t.admin.get(`${V1}/connections/${connectionId}/reconciliations`)).body.value;
    assert.equal(runs[0].id, first.body.id, 'newest first');
    assert.equal(runs[0].state, 'succeeded');
    assert.equal((await t.admin.post(`${V1}/connections/00000000-0000-4000-8000-000000000000/reconcile`)).status, 404);
  });

  it('reconciles on schedule and sets the next time from the interval', async () => {
    tick();
    const set = await t.admin.patch(`${V1}/connections/${connectionId}`, { reconcileInterval: 'PT1H' });
    assert.equal(set.status, 200, set.text);
    const due = new Date(t.clock.now().getTime() + 3_600_000);
    assert.equal(set.body.nextReconcileAt, due.toISOString(), 'first due an interval from now');
    await t.drain();
    const before = (await t.admin.get(`${V1}/connections/${connectionId}/reconciliations`)).body.value.length;
    t.clock.advance(3_600_000);
    await t.drain();
    const runs = (await t.admin.get(`${V1}/connections/${connectionId}/reconciliations`)).body.value;
    assert.equal(runs.length, before + 1, 'one run, when due');
    assert.equal(runs[0].trigger, 'schedule');
    assert.equal(runs[0].state, 'succeeded', runs[0].error);
    const connection = await t.admin.get(`${V1}/connections/${connectionId}`);
    assert.equal(connection.body.nextReconcileAt, new Date(due.getTime() + 3_600_000).toISOString());
    await t.drain();
    assert.equal((await t.admin.get(`${V1}/connections/${connectionId}/reconciliations`)).body.value.length, runs.length, 'not due again yet');
    assert.equal((await t.admin.patch(`${V1}/connections/${connectionId}`, { reconcileInterval: null })).status, 200);
  });

  it('is for tenant administrators, counts in the metrics, and never shows the bind password', async () => {
    assert.equal((await owner.client.post(`${V1}/connections/${connectionId}/reconcile`)).status, 403);
    assert.equal((await owner.client.get(`${V1}/connections/${connectionId}/reconciliations`)).status, 403);
    const metrics = await t.app.metrics.registry.metrics();
    assert.match(metrics, /latchkey_reconciliation_runs_total\{outcome="succeeded"\} [1-9]/);
    assert.match(metrics, /latchkey_reconciliation_repaired_total 1\b/);
    assert.match(metrics, /latchkey_reconciliation_removed_total 1\b/);
    const everything = JSON.stringify([
      await t.store.db.selectFrom('auditEvents').selectAll().execute(),
      (await t.admin.get(`${V1}/connections/${connectionId}/reconciliations`)).body,
      await view(eng.resourceId),
    ]);
    assert.ok(!everything.includes(slapd.adminPassword), 'no secret in audit records or answers');
  });

  it('fails the run, saying why, when the directory is down', async () => {
    await slapd.kill();
    try {
      tick();
      const run = await reconcile();
      assert.equal(run.state, 'failed');
      assert.match(run.error, /eng/);
      assert.equal(run.rolesChecked, 0);
      assert.ok(!run.error.includes(slapd.adminPassword));
      const c = await t.admin.get(`${V1}/connections/${connectionId}`);
      assert.equal(c.body.health, 'failing', c.text);
      assert.match(await t.app.metrics.registry.metrics(), /latchkey_reconciliation_runs_total\{outcome="failed"\} 1\b/);
    } finally {
      await slapd.start();
    }
    await ldap.unbind().catch(() => {});
    ldap = new Client({ url: slapd.url, timeout: 5000 });
    await ldap.bind(slapd.adminDn, slapd.adminPassword);
    tick();
    assert.equal((await reconcile()).state, 'succeeded', 'and the next run, with the directory back, succeeds');
  });
});
