import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'ldapts';
import { backoffMs } from '../../src/domain/backoff.js';
import { addConnectedRole, makeCatalogAndPackage, makeConnection } from '../support/connections.js';
import { HOUR, addRole, decide, directPolicy, getRequest, groupMemberIds, makeGroup, makePolicy, stage, userAdd, adminAdd } from '../support/lifecycle.js';
import { captureLog } from '../support/log-capture.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { slapdMissing, startSlapd, SUFFIX, type Slapd } from '../support/slapd.js';

// Delivery into a real OpenLDAP: a package with an LDAP group's Member role (and a directory group),
// requested and approved, puts the person's LDAP entry in the group; expiry takes it out again. The
// server killed mid-delivery leaves the request delivering with the error, and once it is back the
// waiting grant completes by itself. A person without an LDAP account gets a failed delivery naming
// what was looked for.

const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const dnOf = (uid: string) => `uid=${uid},${PEOPLE}`;
const groupDn = (cn: string) => `cn=${cn},${GROUPS}`;

function person(uid: string): string {
  return [`dn: ${dnOf(uid)}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: ${uid}`, `sn: ${uid}`, `mail: ${uid}@ldap.example`, ''].join('\n');
}

describe('delivery into LDAP (OpenLDAP)', { skip: slapdMissing() }, () => {
  let slapd: Slapd;
  let t: TestServer;
  let reader: Client;
  let connectionId = '';
  const log = captureLog('debug');

  const members = async (cn: string): Promise<string[]> => {
    if (!reader.isBound) await reader.bind(slapd.adminDn, slapd.adminPassword);
    const r = await reader.search(groupDn(cn), { scope: 'base', attributes: ['member'] });
    const v = r.searchEntries[0]?.member ?? [];
    return (Array.isArray(v) ? v : [v]).map(String).filter((m) => m !== slapd.adminDn).sort();
  };

  before(async () => {
    slapd = await startSlapd();
    await slapd.ldapadd([
      ...['alice', 'bob', 'carol'].map(person),
      // groupOfNames needs a member: the bind DN holds the place (the connector's emptyGroupMember)
      `dn: ${groupDn('vpn')}`, 'objectClass: groupOfNames', 'cn: vpn', `member: ${slapd.adminDn}`, '',
      `dn: ${groupDn('wiki')}`, 'objectClass: groupOfNames', 'cn: wiki', `member: ${slapd.adminDn}`, '',
    ].join('\n'));
    reader = new Client({ url: slapd.url, timeout: 5000 });
    t = await startTestServer({ logger: log.logger });
    connectionId = await makeConnection(t, {
      kind: 'ldap',
      displayName: 'Corporate LDAP',
      settings: { url: slapd.url, bindDn: slapd.adminDn, baseDn: SUFFIX, groupBaseDn: GROUPS, userBaseDn: PEOPLE },
      secrets: { bindPassword: slapd.adminPassword },
      timeoutMs: 3000,
    });
  });
  after(async () => {
    await reader?.unbind().catch(() => undefined);
    await t?.close();
    await slapd?.stop();
  });

  it('request, approve, delivered into the LDAP group; the account is linked and shown; expiry removes it from the group', async () => {
    const { catalogId, packageId } = await makeCatalogAndPackage(t, 'VPN access');
    await addConnectedRole(t, { connectionId, catalogId, packageId, originId: groupDn('vpn'), roleOriginId: 'member' });
    const approver = await t.user({ displayName: 'Approver' });
    const policyId = await makePolicy(t, packageId, { stages: [stage([approver.id])], expiration: { type: 'afterDuration', duration: 'PT8H' } });
    const alice = await t.user({ displayName: 'Alice', mail: 'alice@ldap.example' });

    const r = await userAdd(alice.client, packageId, policyId);
    assert.equal(r.status, 201, r.text);
    await t.drain();
    assert.deepEqual(await members('vpn'), [], 'nothing in LDAP before the approval');
    assert.equal((await decide(t, approver.client, r.body.id, 'Approve')).status, 204);
    await t.drain();

    const req = await getRequest(t, r.body.id, '?$expand=assignment');
    assert.equal(req.state, 'delivered', JSON.stringify(req.fulfillmentErrors));
    assert.deepEqual(await members('vpn'), [dnOf('alice')], "alice's entry is a member of cn=vpn");

    const accounts = await alice.client.get(`/latchkey/v1/users/${alice.id}/accounts`);
    assert.equal(accounts.status, 200, accounts.text);
    assert.deepEqual(accounts.body.value.map((a: Record<string, unknown>) => [a.connectionId, a.connectionName, a.kind, a.accountId, a.createdByLatchkey]),
      [[connectionId, 'Corporate LDAP', 'ldap', dnOf('alice'), false]]);
    const roles = await alice.client.get(`/latchkey/v1/assignments/${req.assignment.id}/resourceRoles`);
    assert.equal(roles.status, 200, roles.text);
    assert.equal(roles.body.value[0].state, 'delivered');
    assert.deepEqual(roles.body.value[0].account, { id: dnOf('alice'), display: 'alice' });
    assert.equal(roles.body.value[0].resource.connectionId, connectionId);
    const health = await t.store.db.selectFrom('connections').select(['health', 'lastError']).where('id', '=', connectionId).executeTakeFirstOrThrow();
    assert.equal(health.health, 'healthy', 'a successful delivery records the connection healthy');

    t.clock.advance(8 * HOUR + 1000);
    await t.drain();
    assert.deepEqual(await members('vpn'), [], 'expired: out of the LDAP group');
    const removal = await t.store.db.selectFrom('assignmentRequests').select('state').where('assignmentId', '=', req.assignment.id).where('requestType', '=', 'systemRemove').execute();
    assert.deepEqual(removal.map((x) => x.state), ['delivered']);
    const grant = await t.store.db.selectFrom('grants').select('state').where('assignmentId', '=', req.assignment.id).execute();
    assert.deepEqual(grant.map((g) => g.state), ['revoked']);
  });

  it('no LDAP account for the person: delivery fails at once, saying what was looked for', async () => {
    const { catalogId, packageId } = await makeCatalogAndPackage(t, 'Wiki, no account');
    await addConnectedRole(t, { connectionId, catalogId, packageId, originId: groupDn('wiki'), roleOriginId: 'member' });
    const policyId = await directPolicy(t, packageId);
    const nobody = await t.user({ displayName: 'Nobody', mail: 'nobody@ldap.example' });
    const r = await adminAdd(t, packageId, policyId, { targetId: nobody.id });
    assert.equal(r.status, 201, r.text);
    await t.drain();
    const req = await getRequest(t, r.body.id);
    assert.equal(req.state, 'deliveryFailed');
    assert.equal(req.fulfillmentErrors.length, 1);
    assert.match(req.fulfillmentErrors[0].message, /mail=nobody@ldap\.example under ou=people/);
    assert.equal(req.fulfillmentErrors[0].willRetryAt, null, 'not retried: an administrator must act');
    assert.ok(!JSON.stringify(req).includes(slapd.adminPassword), 'no secret in the answer');
    const health = await t.store.db.selectFrom('connections').select('health').where('id', '=', connectionId).executeTakeFirstOrThrow();
    assert.equal(health.health, 'healthy', 'a missing account says nothing about the server');
    assert.deepEqual(await members('wiki'), []);
  });

  it('LDAP down mid-delivery: the request waits with the error, and completes by itself once the server is back', async () => {
    const { catalogId, packageId } = await makeCatalogAndPackage(t, 'Wiki and a group');
    await addConnectedRole(t, { connectionId, catalogId, packageId, originId: groupDn('wiki'), roleOriginId: 'member' });
    const dirGroup = await makeGroup(t, 'Wiki readers');
    await addRole(t, catalogId, packageId, 'AadGroup', dirGroup, 'Member');
    const policyId = await directPolicy(t, packageId);
    const bob = await t.user({ displayName: 'Bob', mail: 'bob@ldap.example' });

    await slapd.kill();
    try {
      const r = await adminAdd(t, packageId, policyId, { targetId: bob.id });
      assert.equal(r.status, 201, r.text);
      await t.drain();
      let req = await getRequest(t, r.body.id);
      assert.equal(req.state, 'delivering', 'still delivering: the LDAP grant waits for a retry');
      assert.deepEqual(await groupMemberIds(t, dirGroup), [bob.id], 'the directory group was delivered meanwhile');
      assert.equal(req.fulfillmentErrors.length, 1, JSON.stringify(req.fulfillmentErrors));
      assert.equal(req.fulfillmentErrors[0].resource, 'wiki');
      assert.ok(req.fulfillmentErrors[0].willRetryAt, 'a retry is planned');
      assert.ok(!req.fulfillmentErrors[0].message.includes(slapd.adminPassword));
      const health = await t.store.db.selectFrom('connections').select(['health', 'lastError']).where('id', '=', connectionId).executeTakeFirstOrThrow();
      assert.equal(health.health, 'failing');
      assert.ok(health.lastError && !health.lastError.includes(slapd.adminPassword));

      // a few retries while the server is still down: the grant keeps waiting (an outage of minutes is not a failure)
      for (let i = 1; i <= 4; i++) {
        t.clock.advance(backoffMs(i + 1) + 1000);
        await t.drain();
      }
      req = await getRequest(t, r.body.id);
      assert.equal(req.state, 'delivering', 'after several failed attempts the grant still waits');
    } finally {
      await slapd.start();
    }
    t.clock.advance(backoffMs(Infinity) + 1000);
    await t.drain();
    const done = await t.store.db.selectFrom('assignmentRequests').select('state').where('targetId', '=', bob.id).where('requestType', '=', 'adminAdd').execute();
    assert.deepEqual(done.map((x) => x.state), ['delivered'], 'delivered once the server is back, without anyone reprocessing');
    assert.deepEqual(await members('wiki'), [dnOf('bob')]);
  });

  it('the bind password is in no log line and no audit record', async () => {
    assert.ok(log.lines.length > 0, 'the server logged');
    assert.ok(!log.text().includes(slapd.adminPassword), 'not in the log');
    const audit = await t.store.db.selectFrom('auditEvents').selectAll().execute();
    assert.ok(audit.length > 0);
    assert.ok(!JSON.stringify(audit).includes(slapd.adminPassword), 'not in the audit records');
  });
});
