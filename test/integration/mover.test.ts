import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EM } from '../support/client.js';
import { DAY, HOUR, V1, auditActivities, groupMemberIds, makeGroup, makePackage, makePolicy, outbox, userAdd } from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Mover on requested access (Latchkey, beyond the reference): a holder who leaves the scope of the policy
// they requested under (left the group, directly or through a nested group; the policy's scope changed) loses
// the assignment when the policy's scopeLossSettings grace period ends (default 7 days), told by email when
// it starts; back in scope before then keeps it; a policy can keep such access instead.

const ACTIVE = ['delivering', 'delivered', 'partiallyDelivered', 'deliveryFailed'];
const noExpiry = { type: 'noExpiration' };

describe('mover on requested access', () => {
  let t: TestServer;
  const assignmentOf = (packageId: string, userId: string) => t.store.db.selectFrom('assignments').selectAll()
    .where('accessPackageId', '=', packageId).where('targetId', '=', userId).where('state', 'in', ACTIVE).executeTakeFirst();
  const addMember = async (groupId: string, memberId: string) => {
    const r = await t.admin.post(`${V1}/groups/${groupId}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${memberId}` });
    assert.equal(r.status, 204, r.text);
  };
  const removeMember = async (groupId: string, memberId: string) => {
    const r = await t.admin.delete(`${V1}/groups/${groupId}/members/${memberId}/$ref`);
    assert.equal(r.status, 204, r.text);
  };
  /** a person in `groupId` holding the package requested under `policyId` */
  const holder = async (groupId: string, packageId: string, policyId: string, name: string) => {
    const u = await t.user({ displayName: name });
    await addMember(groupId, u.id);
    const r = await userAdd(u.client, packageId, policyId);
    assert.equal(r.status, 201, r.text);
    await t.drain();
    assert.ok(await assignmentOf(packageId, u.id), 'holds it');
    return u;
  };

  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t?.close();
  });

  it('left the group: told at once, removed after the default 7 days', async () => {
    const pkg = await makePackage(t, 'Team wiki');
    const team = await makeGroup(t, 'Team');
    const policyId = await makePolicy(t, pkg.packageId, { groupId: team, expiration: noExpiry });
    const policy = await t.admin.get(`${EM}/assignmentPolicies/${policyId}`);
    assert.deepEqual(policy.body.scopeLossSettings, { removeAccess: true, gracePeriodBeforeAccessRemoval: 'P7D' }, 'the default is shown');
    const u = await holder(team, pkg.packageId, policyId, 'Mia Mover');

    await removeMember(team, u.id);
    await t.drain();
    const pending = await assignmentOf(pkg.packageId, u.id);
    assert.equal(pending?.removalDueAt, new Date(t.clock.now().getTime() + 7 * DAY).toISOString());
    const [mail] = await outbox(t, { to: u.upn, template: 'accessRemovalScheduled' });
    assert.ok(mail, 'an email at the start of the grace period');
    assert.match(mail.subject, /Team wiki will be removed/);
    assert.ok((await auditActivities(t, pending!.id)).includes('Schedule access package assignment removal (holder out of policy scope)'));

    t.clock.advance(7 * DAY - HOUR);
    await t.drain();
    assert.ok(await assignmentOf(pkg.packageId, u.id), 'kept during the grace period');
    assert.deepEqual(await groupMemberIds(t, pkg.groupId), [u.id]);
    t.clock.advance(2 * HOUR);
    await t.drain();
    assert.equal(await assignmentOf(pkg.packageId, u.id), undefined, 'removed when it ended');
    assert.deepEqual(await groupMemberIds(t, pkg.groupId), [], 'and revoked');
    const removal = await t.store.db.selectFrom('assignmentRequests').selectAll().where('targetId', '=', u.id).where('requestType', '=', 'systemRemove').executeTakeFirstOrThrow();
    assert.match(removal.justification ?? '', /no longer in the scope of the policy/);
    assert.equal((await outbox(t, { to: u.upn, template: 'accessEnded' })).length, 1);
  });

  it('back in the group within the grace period: the removal is called off', async () => {
    const pkg = await makePackage(t, 'Back again');
    const team = await makeGroup(t, 'Back team');
    const policyId = await makePolicy(t, pkg.packageId, { groupId: team, expiration: noExpiry, extra: { scopeLossSettings: { gracePeriodBeforeAccessRemoval: 'P2D' } } });
    const u = await holder(team, pkg.packageId, policyId, 'Ben Back');
    await removeMember(team, u.id);
    await t.drain();
    assert.ok((await assignmentOf(pkg.packageId, u.id))?.removalDueAt);
    t.clock.advance(DAY);
    await addMember(team, u.id);
    await t.drain();
    assert.equal((await assignmentOf(pkg.packageId, u.id))?.removalDueAt, null);
    t.clock.advance(5 * DAY);
    await t.drain();
    assert.ok(await assignmentOf(pkg.packageId, u.id), 'still held');
  });

  it('a nested group leaving the policy group takes its members out of scope', async () => {
    const pkg = await makePackage(t, 'Nested');
    const outer = await makeGroup(t, 'Outer');
    const inner = await makeGroup(t, 'Inner');
    await addMember(outer, inner);
    const policyId = await makePolicy(t, pkg.packageId, { groupId: outer, expiration: noExpiry, extra: { scopeLossSettings: { gracePeriodBeforeAccessRemoval: 'PT1H' } } });
    const u = await holder(inner, pkg.packageId, policyId, 'Nina Nested');
    await removeMember(outer, inner);
    await t.drain();
    assert.ok((await assignmentOf(pkg.packageId, u.id))?.removalDueAt, 'scheduled through the nested group');
    t.clock.advance(HOUR + 1000);
    await t.drain();
    assert.equal(await assignmentOf(pkg.packageId, u.id), undefined);
  });

  it('a nested group deleted (Graph or SCIM DELETE) takes its members out of scope too', async () => {
    const pkg = await makePackage(t, 'Nested, deleted');
    const outer = await makeGroup(t, 'Outer of a deleted group');
    const inner = await makeGroup(t, 'Deleted inner');
    await addMember(outer, inner);
    const policyId = await makePolicy(t, pkg.packageId, { groupId: outer, expiration: noExpiry, extra: { scopeLossSettings: { gracePeriodBeforeAccessRemoval: 'PT1H' } } });
    const u = await holder(inner, pkg.packageId, policyId, 'Dee Deleted-group');
    const r = await t.admin.delete(`${V1}/groups/${inner}`);
    assert.equal(r.status, 204, r.text);
    await t.drain();
    assert.ok((await assignmentOf(pkg.packageId, u.id))?.removalDueAt, 'scheduled at once, not at the nightly evaluation');
    t.clock.advance(HOUR + 1000);
    await t.drain();
    assert.equal(await assignmentOf(pkg.packageId, u.id), undefined);
  });

  it('the policy keeps access when scopeLossSettings.removeAccess is false; a changed policy scope moves its holders out', async () => {
    const pkg = await makePackage(t, 'Kept access');
    const team = await makeGroup(t, 'Keep team');
    const other = await makeGroup(t, 'Other team');
    const keepId = await makePolicy(t, pkg.packageId, { groupId: team, expiration: noExpiry, extra: { scopeLossSettings: { removeAccess: false } } });
    const u = await holder(team, pkg.packageId, keepId, 'Kim Kept');
    await removeMember(team, u.id);
    await t.drain();
    assert.equal((await assignmentOf(pkg.packageId, u.id))?.removalDueAt, null, 'nothing scheduled');
    t.clock.advance(30 * DAY);
    await t.drain();
    assert.ok(await assignmentOf(pkg.packageId, u.id), 'kept');

    // the policy now removes, and names another group: its holders are judged when it is saved
    const patch = await t.admin.patch(`${EM}/assignmentPolicies/${keepId}`, {
      specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.groupMembers', groupId: other }],
      scopeLossSettings: { removeAccess: true, gracePeriodBeforeAccessRemoval: 'P1D' },
    });
    assert.equal(patch.status, 200, patch.text);
    await t.drain();
    assert.equal((await assignmentOf(pkg.packageId, u.id))?.removalDueAt, new Date(t.clock.now().getTime() + DAY).toISOString());
    const bad = await t.admin.patch(`${EM}/assignmentPolicies/${keepId}`, { scopeLossSettings: { gracePeriodBeforeAccessRemoval: 'soon' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.target, 'scopeLossSettings.gracePeriodBeforeAccessRemoval');
  });
});
