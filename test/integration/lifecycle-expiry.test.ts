import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backoffMs } from '../../src/domain/backoff.js';
import { EM } from '../support/client.js';
import { HOUR, addRole, adminAdd, auditActivities, directPolicy, getRequest, groupMemberIds, guest, makePackage, makePolicy, outbox, userAdd, type TestUser } from '../support/lifecycle.js';
import { jobAssignmentIds } from '../../src/services/fulfilment/jobs.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Many assignments ending at the same instant are expired and revoked in batches (one transaction and
// one revocation job for many). Each must still come out exactly as if it had ended alone: its own
// systemRemove request, audit event and mail; shared access kept; a failing system retried for the
// assignment it concerns without holding up the others.

describe('lifecycle: expiry in batches', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  it('twelve assignments ending together: each expired and revoked once, shared access kept, a failing revocation retried alone', async () => {
    const fx = await makePackage(t, 'Ends together', { testResources: ['batch-sys'] });
    const policyId = await makePolicy(t, fx.packageId, { expiration: { type: 'afterDuration', duration: 'PT8H' } });
    // a second package granting the same group, without end: its holder keeps the membership
    const c2 = await t.admin.post(`${EM}/catalogs`, { displayName: 'Same group elsewhere' });
    const p2 = await t.admin.post(`${EM}/accessPackages`, { displayName: 'Same group, no end', catalog: { id: c2.body.id } });
    await addRole(t, c2.body.id, p2.body.id, 'AadGroup', fx.groupId, 'Member');
    const p2Policy = await makePolicy(t, p2.body.id, { expiration: { type: 'noExpiration' } });

    const users: TestUser[] = [];
    const requests: string[] = [];
    for (let i = 0; i < 12; i++) {
      const u = await t.user();
      users.push(u);
      const r = await userAdd(u.client, fx.packageId, policyId);
      assert.equal(r.status, 201, r.text);
      requests.push(r.body.id);
    }
    const keeper = users[0];
    assert.equal((await userAdd(keeper.client, p2.body.id, p2Policy)).status, 201);
    await t.drain();
    const assignments: string[] = [];
    for (const id of requests) {
      const req = await getRequest(t, id, '?$expand=assignment');
      assert.equal(req.state, 'delivered', `request ${id} delivered`);
      assignments.push(req.assignment.id);
    }
    assert.equal((await groupMemberIds(t, fx.groupId)).length, 12, 'all twelve in the group');

    // the first revocation in the test system fails once
    t.connector.failNext('batch-sys', 1);
    t.clock.advance(8 * HOUR + 1000);
    await t.drain();

    const revokeJobs = await t.store.db.selectFrom('jobs').select(['payload', 'doneAt']).where('kind', '=', 'revoke').execute();
    const batched = revokeJobs.map((j) => JSON.parse(j.payload) as { assignmentIds?: string[] }).filter((p) => p.assignmentIds);
    assert.equal(batched.length, 1, `one revocation job for the batch, got ${JSON.stringify(revokeJobs)}`);
    assert.deepEqual([...batched[0].assignmentIds!].sort(), [...assignments].sort(), 'the batch job names every ended assignment');

    const rows = await t.store.db.selectFrom('assignments').select(['id', 'state']).where('id', 'in', assignments).execute();
    assert.deepEqual(rows.map((r) => r.state), Array(12).fill('expired'), 'every assignment expired');
    const removals = await t.store.db.selectFrom('assignmentRequests').select(['assignmentId', 'state', 'requestType'])
      .where('assignmentId', 'in', assignments).where('requestType', '=', 'systemRemove').execute();
    assert.equal(removals.length, 12, 'one systemRemove request per assignment');
    assert.deepEqual(new Set(removals.map((r) => r.assignmentId)).size, 12, 'no assignment has two');
    const pending = removals.filter((r) => r.state !== 'delivered');
    assert.equal(pending.length, 1, `the assignment whose revocation failed is still being removed: ${JSON.stringify(removals)}`);
    assert.equal(pending[0].state, 'delivering');
    const failedAssignment = pending[0].assignmentId!;
    const failedUser = users[assignments.indexOf(failedAssignment)];

    assert.deepEqual(await groupMemberIds(t, fx.groupId), [keeper.id], 'only the holder of the other package stays in the group');
    const stillHeld = users.filter((u) => t.connector.held.has(`${u.id}|Reader_batch-sys`));
    assert.deepEqual(stillHeld.map((u) => u.id), [failedUser.id], 'the test-system role is gone except where revoking failed');
    for (const a of assignments) {
      const events = await auditActivities(t, a);
      assert.equal(events.filter((e) => e === 'Access package assignment expired').length, 1, `one expiry event for ${a}: ${events.join(', ')}`);
      assert.equal(events.filter((e) => e === 'Remove access package assignment').length, a === failedAssignment ? 0 : 1, `removal completed once for ${a}`);
    }
    for (const u of users) {
      const ended = (await outbox(t, { to: u.upn })).filter((m) => m.template === 'accessEnded');
      assert.equal(ended.length, u === failedUser ? 0 : 1, `accessEnded mail for ${u.upn}`);
    }

    // the failed revocation comes back on its own after its backoff (here: past the longest one) and completes
    t.clock.advance(backoffMs(Infinity) + 1000);
    await t.drain();
    assert.ok(!t.connector.held.has(`${failedUser.id}|Reader_batch-sys`), 'revoked on retry');
    const after = await t.store.db.selectFrom('assignmentRequests').select('state').where('assignmentId', '=', failedAssignment).where('requestType', '=', 'systemRemove').execute();
    assert.deepEqual(after.map((r) => r.state), ['delivered']);
    assert.equal((await outbox(t, { to: failedUser.upn })).filter((m) => m.template === 'accessEnded').length, 1, 'told once, when done');
    const kept = await t.store.db.selectFrom('assignments').select('state').where('targetId', '=', keeper.id).where('accessPackageId', '=', p2.body.id).execute();
    assert.deepEqual(kept.map((a) => a.state), ['delivered'], 'the other package is untouched');
  });

  it('a batch whose bookkeeping fails is split into one revocation job per assignment: the others complete, only the faulty one waits', async () => {
    const fx = await makePackage(t, 'Split batch');
    const policyId = await directPolicy(t, fx.packageId, { expiration: { type: 'afterDuration', duration: 'PT8H' } });
    const members = [await t.user(), await t.user(), await t.user()];
    // a governed guest whose block-and-delete step will throw: the tenant setting it reads is made unreadable below
    const g = await guest(t, 'split.example');
    await t.store.db.updateTable('users').set({ governed: 1 }).where('id', '=', g.id).execute();
    for (const u of [...members, g]) assert.equal((await adminAdd(t, fx.packageId, policyId, { targetId: u.id })).status, 201);
    await t.drain();
    const ids = (await t.store.db.selectFrom('assignments').select(['id', 'targetId']).where('accessPackageId', '=', fx.packageId).execute());
    assert.equal(ids.length, 4);
    const guestAssignment = ids.find((a) => a.targetId === g.id)!.id;
    const patched = await t.admin.patch(`${EM}/settings`, { externalUserLifecycleAction: 'blockSignInAndDelete', durationUntilExternalUserDeletedAfterBlocked: 'P29D' });
    assert.ok(patched.status < 300, patched.text);
    const previous = await t.store.db.selectFrom('settings').select('durationUntilExternalUserDeletedAfterBlocked').where('id', '=', 1).executeTakeFirstOrThrow();
    await t.store.db.updateTable('settings').set({ durationUntilExternalUserDeletedAfterBlocked: 'not a duration' }).where('id', '=', 1).execute();
    try {
      t.clock.advance(8 * HOUR + 1000);
      await t.drain();
      const states = await t.store.db.selectFrom('assignmentRequests').select(['assignmentId', 'state'])
        .where('accessPackageId', '=', fx.packageId).where('requestType', '=', 'systemRemove').execute();
      assert.equal(states.length, 4, 'all four expired');
      for (const r of states) {
        assert.equal(r.state, r.assignmentId === guestAssignment ? 'delivering' : 'delivered', `removal of ${r.assignmentId === guestAssignment ? 'the guest' : 'a member'}`);
      }
      assert.deepEqual(await groupMemberIds(t, fx.groupId), [], 'everyone left the group: the connector calls ran');
      const revokes = (await t.store.db.selectFrom('jobs').select(['payload', 'doneAt', 'lastError']).where('kind', '=', 'revoke').execute())
        .map((j) => ({ ...j, ids: jobAssignmentIds(j.payload) }));
      const single = revokes.filter((j) => j.ids.length === 1 && ids.some((a) => a.id === j.ids[0]));
      assert.equal(single.length, 4, `one job per assignment after the split: ${JSON.stringify(revokes)}`);
      const faulty = single.find((j) => j.ids[0] === guestAssignment)!;
      assert.equal(faulty.doneAt, null, 'the faulty one is retried');
      assert.match(faulty.lastError ?? '', /duration/i, 'and says why');
    } finally {
      await t.store.db.updateTable('settings').set(previous).where('id', '=', 1).execute();
    }
    // once the setting is readable again, the retry completes it
    t.clock.advance(backoffMs(Infinity) + 1000);
    await t.drain();
    const guestRemoval = await t.store.db.selectFrom('assignmentRequests').select('state').where('assignmentId', '=', guestAssignment).where('requestType', '=', 'systemRemove').execute();
    assert.deepEqual(guestRemoval.map((r) => r.state), ['delivered']);
    const blocked = await t.store.db.selectFrom('users').select('blockedAt').where('id', '=', g.id).executeTakeFirstOrThrow();
    assert.ok(blocked.blockedAt, 'the guest lifecycle ran in the end');
  });
});
