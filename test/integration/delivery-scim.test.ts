import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backoffMs } from '../../src/domain/backoff.js';
import { addConnectedRole, makeCatalogAndPackage, makeConnection } from '../support/connections.js';
import { HOUR, getRequest, makePolicy, userAdd } from '../support/lifecycle.js';
import { startScimServer, type ScimServer } from '../support/scim-server.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Delivery into a real SCIM 2.0 service (better-auth's SCIM plugin): a self-service request puts the
// person's SCIM user in the group, creating the user first when the connection creates accounts;
// expiry takes it out. The service down mid-delivery leaves the request delivering with the error,
// and the grant completes by itself once it is back.

describe('delivery into a SCIM 2.0 application', () => {
  let scim: ScimServer;
  let t: TestServer;
  let connectionId = '';

  const members = async (group: string): Promise<string[]> => {
    const r = await scim.request('GET', `/Groups/${scim.groups.get(group)}?attributes=members`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return ((r.body.members ?? []) as { value: string }[]).map((m) => m.value).sort();
  };
  const scimUserId = async (userName: string): Promise<string | undefined> => {
    const r = await scim.request('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    return (r.body.Resources ?? [])[0]?.id;
  };
  /** A package with the group's Member role and a self-service policy. */
  const offer = async (group: string, expiration: unknown) => {
    const { catalogId, packageId } = await makeCatalogAndPackage(t, `${group} ${Math.random().toString(36).slice(2, 6)}`);
    await addConnectedRole(t, { connectionId, catalogId, packageId, originId: scim.groups.get(group)!, roleOriginId: 'Member' });
    return { packageId, policyId: await makePolicy(t, packageId, { expiration }) };
  };
  const ask = async (offered: { packageId: string; policyId: string }, upn: string) => {
    const u = await t.user({ userPrincipalName: upn, displayName: upn.split('@')[0] });
    const r = await userAdd(u.client, offered.packageId, offered.policyId);
    assert.equal(r.status, 201, r.text);
    return { user: u, requestId: r.body.id as string };
  };
  const request = async (group: string, upn: string, expiration: unknown = { type: 'afterDuration', duration: 'PT8H' }) => ask(await offer(group, expiration), upn);

  before(async () => {
    scim = await startScimServer({
      users: [{ userName: 'alice@scim.example' }],
      groups: [{ displayName: 'Sales' }, { displayName: 'Support' }],
    });
    t = await startTestServer();
    connectionId = await makeConnection(t, {
      kind: 'scim',
      displayName: 'CRM (SCIM)',
      settings: { baseUrl: scim.baseUrl, createAccounts: true, timeoutMs: 3000 },
      secrets: { bearerToken: scim.token },
      timeoutMs: 5000,
    });
  });
  after(async () => {
    await t?.close();
    await scim?.dispose();
  });

  it('an existing SCIM user is put in the group and taken out at expiry', async () => {
    const { user, requestId } = await request('Sales', 'alice@scim.example');
    await t.drain();
    const req = await getRequest(t, requestId, '?$expand=assignment');
    assert.equal(req.state, 'delivered', JSON.stringify(req.fulfillmentErrors));
    const aliceId = scim.users.get('alice@scim.example')!;
    assert.deepEqual(await members('Sales'), [aliceId]);
    const accounts = await user.client.get(`/latchkey/v1/users/${user.id}/accounts`);
    assert.equal(accounts.status, 200, accounts.text);
    assert.deepEqual(accounts.body.value.map((a: Record<string, unknown>) => [a.kind, a.accountId, a.createdByLatchkey]), [['scim', aliceId, false]]);
    assert.ok(!accounts.text.includes(scim.token), 'no secret in the answer');

    t.clock.advance(8 * HOUR + 1000);
    await t.drain();
    assert.deepEqual(await members('Sales'), [], 'expired: out of the SCIM group');
    const grants = await t.store.db.selectFrom('grants').select('state').where('assignmentId', '=', req.assignment.id).execute();
    assert.deepEqual(grants.map((g) => g.state), ['revoked']);
  });

  it('a person without a SCIM user: the connection creates it, links it, and grants the group', async () => {
    assert.equal(await scimUserId('carol@scim.example'), undefined, 'no SCIM user yet');
    const { user, requestId } = await request('Support', 'carol@scim.example', { type: 'noExpiration' });
    await t.drain();
    assert.equal((await getRequest(t, requestId)).state, 'delivered');
    const carolId = await scimUserId('carol@scim.example');
    assert.ok(carolId, 'the SCIM user was created');
    assert.deepEqual(await members('Support'), [carolId]);
    const accounts = await t.admin.get(`/latchkey/v1/users/${user.id}/accounts`);
    assert.deepEqual(accounts.body.value.map((a: Record<string, unknown>) => [a.accountId, a.createdByLatchkey]), [[carolId, true]]);
    // another user may not read carol's accounts; carol herself and the administrator may
    const other = await t.user();
    assert.equal((await other.client.get(`/latchkey/v1/users/${user.id}/accounts`)).status, 403);
  });

  it('the SCIM service down mid-delivery: delivering with the error, then delivered by itself once it is back', async () => {
    const offered = await offer('Sales', { type: 'noExpiration' });
    await scim.stop();
    let requestId: string | undefined;
    try {
      ({ requestId } = await ask(offered, 'dave@scim.example'));
      await t.drain();
      const req = await getRequest(t, requestId);
      assert.equal(req.state, 'delivering');
      assert.equal(req.fulfillmentErrors.length, 1);
      assert.ok(req.fulfillmentErrors[0].willRetryAt, 'a retry is planned');
      assert.ok(!req.fulfillmentErrors[0].message.includes(scim.token), 'the token is not in the error');
      for (let i = 1; i <= 5; i++) {
        t.clock.advance(backoffMs(i + 1) + 1000);
        await t.drain();
      }
      assert.equal((await getRequest(t, requestId)).state, 'delivering', 'six attempts later it still waits');
    } finally {
      await scim.start();
    }
    assert.ok(requestId, 'the request was made');
    t.clock.advance(backoffMs(Infinity) + 1000);
    await t.drain();
    assert.equal((await getRequest(t, requestId)).state, 'delivered');
    const daveId = await scimUserId('dave@scim.example');
    assert.ok(daveId);
    assert.ok((await members('Sales')).includes(daveId));
  });
});
