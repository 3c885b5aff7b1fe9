import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'ldapts';
import { EM } from '../support/client.js';
import { addConnectedRole, makeCatalogAndPackage, makeConnection } from '../support/connections.js';
import {
  V1, adminAdd, auditActivities, decide, directPolicy, getRequest, groupMemberIds, makePackage, makePolicy, outbox, stage, stagesOf, userAdd,
} from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { slapdMissing, startSlapd, SUFFIX, type Slapd } from '../support/slapd.js';

// Leaver: a person disabled (or deleted) loses every assignment through systemRemove requests that say why,
// the access leaves the target systems, their open requests are canceled and the approvals waiting on them
// pass to the stages' fallback approvers. Re-enabling them gives nothing back.

const removalsOf = (t: TestServer, userId: string) => t.store.db.selectFrom('assignmentRequests').selectAll()
  .where('targetId', '=', userId).where('requestType', '=', 'systemRemove').execute();
const activeOf = (t: TestServer, userId: string) => t.store.db.selectFrom('assignments').select(['id', 'state'])
  .where('targetId', '=', userId).where('state', 'in', ['delivering', 'delivered', 'partiallyDelivered', 'deliveryFailed']).execute();

describe('leaver', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t?.close();
  });

  it('disabled through the API: every assignment removed with the cause, access revoked, open requests canceled, approvals passed to the fallback', async () => {
    const a = await makePackage(t, 'Leaver A', { testResources: ['crm'] });
    const b = await makePackage(t, 'Leaver B');
    const c = await makePackage(t, 'Leaver C');
    const approver = await t.user({ displayName: 'Approver' });
    const leaver = await t.user({ displayName: 'Leo Leaver' });
    const fallback = await t.user({ displayName: 'Fallback approver' });
    const colleague = await t.user({ displayName: 'Colleague' });

    const pa = await directPolicy(t, a.packageId);
    const pb = await directPolicy(t, b.packageId);
    for (const [pkg, policy] of [[a.packageId, pa], [b.packageId, pb]]) {
      const r = await adminAdd(t, pkg, policy, { targetId: leaver.id });
      assert.equal(r.status, 201, r.text);
    }
    // the leaver's own request waits for an approver; a colleague's request waits for the leaver
    const pc = await makePolicy(t, c.packageId, { stages: [stage([approver.id])] });
    const open = await userAdd(leaver.client, c.packageId, pc);
    assert.equal(open.status, 201, open.text);
    const pd = await makePolicy(t, b.packageId, { stages: [stage([leaver.id], { fallbackPrimaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: fallback.id }] })] });
    const waiting = await userAdd(colleague.client, b.packageId, pd);
    assert.equal(waiting.status, 201, waiting.text);
    await t.drain();
    assert.deepEqual(await groupMemberIds(t, a.groupId), [leaver.id]);
    assert.ok(t.connector.held.has(`${leaver.id}|Reader_crm`));
    assert.equal((await activeOf(t, leaver.id)).length, 2);

    const off = await t.admin.patch(`${V1}/users/${leaver.id}`, { accountEnabled: false });
    assert.equal(off.status, 204, off.text);
    await t.drain();

    assert.deepEqual(await activeOf(t, leaver.id), [], 'no active assignment is left');
    const removals = await removalsOf(t, leaver.id);
    assert.equal(removals.length, 2);
    for (const r of removals) {
      assert.equal(r.state, 'delivered', 'revocation done');
      assert.match(r.justification ?? '', /the user was disabled by Test Administrator \(API\)/);
      assert.equal(r.requestorId, null, 'the system asked');
    }
    assert.deepEqual(await groupMemberIds(t, a.groupId), [], 'out of the directory group');
    assert.deepEqual(await groupMemberIds(t, b.groupId), []);
    assert.ok(!t.connector.held.has(`${leaver.id}|Reader_crm`), 'revoked in the target system');
    const audited = await auditActivities(t, removals[0].assignmentId!);
    assert.ok(audited.includes('System removes access package assignment'), audited.join(', '));
    const record = await t.store.db.selectFrom('auditEvents').select('modifiedProperties')
      .where('targetId', '=', removals[0].assignmentId!).where('activity', '=', 'System removes access package assignment').executeTakeFirstOrThrow();
    assert.match(record.modifiedProperties, /the user was disabled by Test Administrator/);

    const canceled = await getRequest(t, open.body.id);
    assert.equal(canceled.state, 'canceled', 'their open request is canceled');
    assert.deepEqual((await stagesOf(t, open.body.id)).map((s) => s.status), ['Completed']);

    // the colleague's approval moved to the fallback approver, who decides it
    const approvers = await t.store.db.selectFrom('approvalStageApprovers').select('approverId').where('requestId', '=', waiting.body.id).execute();
    assert.deepEqual(approvers.map((x) => x.approverId), [fallback.id]);
    assert.deepEqual((await outbox(t, { to: fallback.upn, template: 'approvalRequired' })).length, 1, 'the fallback approver is told');
    assert.equal((await decide(t, fallback.client, waiting.body.id, 'Approve')).status, 204);
    await t.drain();
    assert.equal((await getRequest(t, waiting.body.id)).state, 'delivered');

    // re-enabled: nothing comes back
    const on = await t.admin.patch(`${V1}/users/${leaver.id}`, { accountEnabled: true });
    assert.equal(on.status, 204, on.text);
    await t.drain();
    assert.deepEqual(await activeOf(t, leaver.id), []);
    assert.deepEqual(await groupMemberIds(t, a.groupId), []);
    assert.ok(!t.connector.held.has(`${leaver.id}|Reader_crm`));
  });

  it('the leaver job run twice changes nothing the second time', async () => {
    const p = await makePackage(t, 'Leaver twice');
    const policy = await directPolicy(t, p.packageId);
    const u = await t.user({ displayName: 'Twice' });
    assert.equal((await adminAdd(t, p.packageId, policy, { targetId: u.id })).status, 201);
    await t.drain();
    assert.equal((await t.admin.patch(`${V1}/users/${u.id}`, { accountEnabled: false })).status, 204);
    await t.drain();
    const job = await t.store.db.selectFrom('jobs').selectAll().where('kind', '=', 'leaver').where('payload', 'like', `%${u.id}%`).executeTakeFirstOrThrow();
    // the same job once more, as a worker whose lease ran out would run it again
    await t.store.db.updateTable('jobs').set({ doneAt: null, runAt: t.clock.now().toISOString(), leaseOwner: null, leaseExpiresAt: null }).where('id', '=', job.id).execute();
    await t.drain();
    assert.equal((await removalsOf(t, u.id)).length, 1, 'one removal, not two');
  });

  it('deleted: the requests still open for them are canceled', async () => {
    const p = await makePackage(t, 'Leaver deleted');
    const approver = await t.user({ displayName: 'Approver D' });
    const policy = await makePolicy(t, p.packageId, { stages: [stage([approver.id])] });
    const u = await t.user({ displayName: 'Deleted' });
    const r = await userAdd(u.client, p.packageId, policy);
    assert.equal(r.status, 201, r.text);
    await t.drain();
    const del = await t.admin.delete(`${V1}/users/${u.id}`);
    assert.equal(del.status, 204, del.text);
    await t.drain();
    const req = await t.store.db.selectFrom('assignmentRequests').select(['state', 'reason']).where('id', '=', r.body.id).executeTakeFirstOrThrow();
    assert.equal(req.state, 'canceled');
    assert.match(req.reason ?? '', /the user was deleted by Test Administrator \(API\)/);
    const pending = await t.admin.get(`${EM}/assignmentRequests/${r.body.id}`);
    assert.equal(pending.status, 200, pending.text);
  });
});

describe('leaver, access in OpenLDAP', { skip: slapdMissing() }, () => {
  const PEOPLE = `ou=people,${SUFFIX}`;
  const GROUPS = `ou=groups,${SUFFIX}`;
  let slapd: Slapd;
  let t: TestServer;
  let reader: Client;
  let connectionId = '';

  const members = async (cn: string): Promise<string[]> => {
    if (!reader.isBound) await reader.bind(slapd.adminDn, slapd.adminPassword);
    const r = await reader.search(`cn=${cn},${GROUPS}`, { scope: 'base', attributes: ['member'] });
    const v = r.searchEntries[0]?.member ?? [];
    return (Array.isArray(v) ? v : [v]).map(String).filter((m) => m !== slapd.adminDn).sort();
  };

  before(async () => {
    slapd = await startSlapd();
    await slapd.ldapadd([
      `dn: uid=lena,${PEOPLE}`, 'objectClass: inetOrgPerson', 'uid: lena', 'cn: lena', 'sn: lena', 'mail: lena@ldap.example', '',
      `dn: cn=finance,${GROUPS}`, 'objectClass: groupOfNames', 'cn: finance', `member: ${slapd.adminDn}`, '',
    ].join('\n'));
    reader = new Client({ url: slapd.url, timeout: 5000 });
    t = await startTestServer();
    connectionId = await makeConnection(t, {
      kind: 'ldap', displayName: 'Corporate LDAP',
      settings: { url: slapd.url, bindDn: slapd.adminDn, baseDn: SUFFIX, groupBaseDn: GROUPS, userBaseDn: PEOPLE },
      secrets: { bindPassword: slapd.adminPassword }, timeoutMs: 3000,
    });
  });
  after(async () => {
    await reader?.unbind().catch(() => undefined);
    await t?.close();
    await slapd?.stop();
  });

  it('disabled: the LDAP group membership the package gave is gone from slapd', async () => {
    const { catalogId, packageId } = await makeCatalogAndPackage(t, 'Finance share');
    await addConnectedRole(t, { connectionId, catalogId, packageId, originId: `cn=finance,${GROUPS}`, roleOriginId: 'member' });
    const policy = await directPolicy(t, packageId);
    const lena = await t.user({ displayName: 'Lena', mail: 'lena@ldap.example' });
    const r = await adminAdd(t, packageId, policy, { targetId: lena.id });
    assert.equal(r.status, 201, r.text);
    await t.drain();
    assert.equal((await getRequest(t, r.body.id)).state, 'delivered');
    assert.deepEqual(await members('finance'), [`uid=lena,${PEOPLE}`]);

    assert.equal((await t.admin.patch(`${V1}/users/${lena.id}`, { accountEnabled: false })).status, 204);
    await t.drain();
    assert.deepEqual(await members('finance'), [], 'read from slapd: the leaver is out of the group');
    const [removal] = await removalsOf(t, lena.id);
    assert.equal(removal.state, 'delivered');
  });
});
