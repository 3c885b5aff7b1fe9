import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { newId } from '../../src/domain/ids.js';
import { EM } from '../support/client.js';
import { DAY, HOUR, V1, auditActivities, groupMemberIds, makePackage, outbox } from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Auto-assignment policies as the reference has them: an attributeRuleMembers rule and automaticRequestSettings.
// Saving one evaluates everyone once; a person whose attributes change is evaluated then (a joiner gets the
// package, a mover out of the rule loses it after the grace period unless back in time); a nightly run
// catches what no event told of.

const ACTIVE = ['delivering', 'delivered', 'partiallyDelivered', 'deliveryFailed'];

function autoPolicy(packageId: string, rule: string, settings: Record<string, unknown> = {}) {
  return {
    displayName: `Auto ${newId().slice(0, 6)}`, description: 'by department', allowedTargetScope: 'specificDirectoryUsers',
    specificAllowedTargets: [{ '@odata.type': '#microsoft.graph.attributeRuleMembers', description: 'rule', membershipRule: rule }],
    automaticRequestSettings: { requestAccessForAllowedTargets: true, ...settings },
    accessPackage: { id: packageId },
  };
}

describe('auto-assignment policies', () => {
  let t: TestServer;
  const active = async (packageId: string) => (await t.store.db.selectFrom('assignments').select(['id', 'targetId', 'removalDueAt'])
    .where('accessPackageId', '=', packageId).where('state', 'in', ACTIVE).execute());
  const holders = async (packageId: string) => (await active(packageId)).map((a) => a.targetId).sort();
  const createUser = async (upn: string, department: string | null, extra: Record<string, unknown> = {}) => {
    const r = await t.admin.post(`${V1}/users`, { accountEnabled: true, displayName: upn, mailNickname: upn, userPrincipalName: `${upn}@contoso.test`, department, ...extra });
    assert.equal(r.status, 201, r.text);
    return r.body.id as string;
  };
  const setDepartment = async (id: string, department: string) => {
    const r = await t.admin.patch(`${V1}/users/${id}`, { department });
    assert.equal(r.status, 204, r.text);
  };

  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t?.close();
  });

  it('refuses invalid rules with the position of the error, a rule without automatic settings, and a second auto policy', async () => {
    const { packageId } = await makePackage(t, 'Auto refusals');
    const bad = await t.admin.post(`${EM}/assignmentPolicies`, autoPolicy(packageId, 'user.department -eq "Sales" -and user.jobTitle -like "x"'));
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body.error.target, 'specificAllowedTargets[0].membershipRule');
    assert.match(bad.body.error.message, /comparison operator.*at position 48/);
    const unknown = await t.admin.post(`${EM}/assignmentPolicies`, autoPolicy(packageId, 'user.departmnt -eq "Sales"'));
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /Unknown property 'user\.departmnt'.*at position 1/);

    const noSettings = { ...autoPolicy(packageId, 'user.department -eq "Sales"'), automaticRequestSettings: undefined };
    const r = await t.admin.post(`${EM}/assignmentPolicies`, noSettings);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.target, 'automaticRequestSettings.requestAccessForAllowedTargets');

    const selfService = { ...autoPolicy(packageId, 'user.department -eq "Sales"'), requestorSettings: { enableTargetsToSelfAddAccess: true } };
    assert.equal((await t.admin.post(`${EM}/assignmentPolicies`, selfService)).status, 400);

    const first = await t.admin.post(`${EM}/assignmentPolicies`, autoPolicy(packageId, 'user.department -eq "Sales"'));
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(first.body.automaticRequestSettings, { requestAccessForAllowedTargets: true, removeAccessWhenTargetLeavesAllowedTargets: true, gracePeriodBeforeAccessRemoval: null });
    assert.equal(first.body.specificAllowedTargets[0].membershipRule, 'user.department -eq "Sales"');
    const second = await t.admin.post(`${EM}/assignmentPolicies`, autoPolicy(packageId, 'user.department -eq "Marketing"'));
    assert.equal(second.status, 400, second.text);
    assert.match(second.body.error.message, /already has an auto-assignment policy/);
    const got = await t.admin.get(`${EM}/assignmentPolicies/${first.body.id}`);
    assert.equal(got.body.automaticRequestSettings.requestAccessForAllowedTargets, true);
  });

  it('only administrators create or change auto-assignment policies (a catalog owner may not)', async () => {
    const { catalogId, packageId } = await makePackage(t, 'Auto by owner');
    const owner = await t.user({ displayName: 'Catalog owner' });
    await t.grantRole(owner.id, RoleDefinitionIds.catalogOwner, catalogId);
    const r = await owner.client.post(`${EM}/assignmentPolicies`, autoPolicy(packageId, 'user.department -eq "Sales"'));
    assert.equal(r.status, 403, r.text);
    const byAdmin = await t.admin.post(`${EM}/assignmentPolicies`, autoPolicy(packageId, 'user.department -eq "Sales"'));
    assert.equal(byAdmin.status, 201, byAdmin.text);
    const patch = await owner.client.patch(`${EM}/assignmentPolicies/${byAdmin.body.id}`, { description: 'changed' });
    assert.equal(patch.status, 403, patch.text);
  });

  it('saving the policy assigns everyone the rule matches; a joiner gets it at once; a mover loses it after the grace period', async () => {
    const { packageId, groupId } = await makePackage(t, 'Sales tools');
    const ann = await createUser(`ann-${newId().slice(0, 4)}`, 'Sales');
    await createUser(`mo-${newId().slice(0, 4)}`, 'Marketing');
    await createUser(`off-${newId().slice(0, 4)}`, 'Sales', { accountEnabled: false });
    await t.drain();
    assert.deepEqual(await holders(packageId), []);

    const p = await t.admin.post(`${EM}/assignmentPolicies`, autoPolicy(packageId, '(user.department -eq "Sales")', { gracePeriodBeforeAccessRemoval: 'P1D' }));
    assert.equal(p.status, 201, p.text);
    await t.drain();
    assert.deepEqual(await holders(packageId), [ann], 'the Sales member, not Marketing nor the disabled one');
    assert.deepEqual(await groupMemberIds(t, groupId), [ann], 'and delivered');
    const req = await t.store.db.selectFrom('assignmentRequests').selectAll().where('targetId', '=', ann).executeTakeFirstOrThrow();
    assert.equal(req.requestType, 'systemAdd');
    assert.equal(req.state, 'delivered');
    assert.ok((await auditActivities(t, req.id)).includes('Auto-assignment policy assigns user to access package'));

    // a joiner, created in Sales
    const jo = await createUser(`jo-${newId().slice(0, 4)}`, 'Sales');
    await t.drain();
    assert.deepEqual(await holders(packageId), [ann, jo].sort());

    // a mover to Marketing: removal scheduled a day out, still holding it meanwhile
    await setDepartment(jo, 'Marketing');
    await t.drain();
    const [pending] = (await active(packageId)).filter((a) => a.targetId === jo);
    assert.ok(pending?.removalDueAt, 'a removal is due');
    assert.equal(new Date(pending.removalDueAt!).getTime(), t.clock.now().getTime() + DAY);
    t.clock.advance(DAY - HOUR);
    await t.drain();
    assert.deepEqual(await holders(packageId), [ann, jo].sort(), 'within the grace period');
    t.clock.advance(2 * HOUR);
    await t.drain();
    assert.deepEqual(await holders(packageId), [ann], 'removed once the grace period ended');
    assert.deepEqual(await groupMemberIds(t, groupId), [ann]);
    const removal = await t.store.db.selectFrom('assignmentRequests').selectAll().where('targetId', '=', jo).where('requestType', '=', 'systemRemove').executeTakeFirstOrThrow();
    assert.match(removal.justification ?? '', /no longer matches the rule of the auto-assignment policy/);
    assert.equal(removal.state, 'delivered');
  });

  it('back in the rule within the grace period: the removal is called off', async () => {
    const { packageId } = await makePackage(t, 'Sales CRM');
    assert.equal((await t.admin.post(`${EM}/assignmentPolicies`, autoPolicy(packageId, 'user.department -startsWith "Field Sales"', { gracePeriodBeforeAccessRemoval: 'PT12H' }))).status, 201);
    const u = await createUser(`back-${newId().slice(0, 4)}`, 'Field Sales EMEA');
    await t.drain();
    assert.deepEqual(await holders(packageId), [u]);
    await setDepartment(u, 'Finance');
    await t.drain();
    assert.ok((await active(packageId))[0].removalDueAt);
    t.clock.advance(6 * HOUR);
    await setDepartment(u, 'Field Sales APAC');
    await t.drain();
    assert.equal((await active(packageId))[0].removalDueAt, null, 'called off');
    t.clock.advance(DAY);
    await t.drain();
    assert.deepEqual(await holders(packageId), [u], 'still held');
    const id = (await active(packageId))[0].id;
    assert.ok((await auditActivities(t, id)).includes('Cancel scheduled access package assignment removal (holder back in policy scope)'));
    assert.equal((await outbox(t, { template: 'accessRemovalScheduled', to: `${(await t.admin.get(`${V1}/users/${u}`)).body.userPrincipalName}` })).length, 1, 'told at the start of the grace period');
  });

  it('no grace period: removed at the next worker cycle; removeAccessWhenTargetLeavesAllowedTargets false keeps it', async () => {
    const now = await makePackage(t, 'Removed at once');
    const kept = await makePackage(t, 'Kept');
    assert.equal((await t.admin.post(`${EM}/assignmentPolicies`, autoPolicy(now.packageId, 'user.jobTitle -eq "Engineer"'))).status, 201);
    assert.equal((await t.admin.post(`${EM}/assignmentPolicies`, autoPolicy(kept.packageId, 'user.jobTitle -eq "Engineer"', { removeAccessWhenTargetLeavesAllowedTargets: false }))).status, 201);
    const u = await createUser(`eng-${newId().slice(0, 4)}`, null, { jobTitle: 'Engineer' });
    await t.drain();
    assert.deepEqual(await holders(now.packageId), [u]);
    assert.deepEqual(await holders(kept.packageId), [u]);
    assert.equal((await t.admin.patch(`${V1}/users/${u}`, { jobTitle: 'Manager' })).status, 204);
    await t.drain();
    assert.deepEqual(await holders(now.packageId), [], 'removed without waiting');
    assert.deepEqual(await holders(kept.packageId), [u], 'the policy keeps access');
  });

  it('a disabled auto-assignment policy gives nothing; enabling it evaluates everyone', async () => {
    const { packageId } = await makePackage(t, 'Disabled auto');
    const body = { ...autoPolicy(packageId, 'user.department -eq "Legal"'), requestorSettings: { acceptRequests: false } };
    const p = await t.admin.post(`${EM}/assignmentPolicies`, body);
    assert.equal(p.status, 201, p.text);
    const u = await createUser(`legal-${newId().slice(0, 4)}`, 'Legal');
    await t.drain();
    assert.deepEqual(await holders(packageId), [], 'nothing while disabled');
    const on = await t.admin.patch(`${EM}/assignmentPolicies/${p.body.id}`, { requestorSettings: { acceptRequests: true } });
    assert.equal(on.status, 200, on.text);
    await t.drain();
    assert.deepEqual(await holders(packageId), [u], 'enabling evaluated everyone');
  });

  it('the nightly full evaluation assigns a person no event told of', async () => {
    const { packageId } = await makePackage(t, 'Nightly');
    assert.equal((await t.admin.post(`${EM}/assignmentPolicies`, autoPolicy(packageId, 'user.division -eq "North"'))).status, 201);
    await t.drain();
    // written straight into the store: no directory event, as a change made behind Latchkey's back
    const u = await t.user({ displayName: 'Quiet' });
    await t.store.db.updateTable('users').set({ division: 'North' }).where('id', '=', u.id).execute();
    await t.drain();
    assert.deepEqual(await holders(packageId), [], 'nothing told of it yet');
    const next = await t.store.db.selectFrom('identityEvaluations').select('nextRunAt').where('id', '=', 'nightly').executeTakeFirstOrThrow();
    assert.equal(new Date(next.nextRunAt).getUTCHours(), 2, 'due at 02:00 UTC');
    assert.ok(new Date(next.nextRunAt).getTime() > t.clock.now().getTime());
    t.clock.set(new Date(new Date(next.nextRunAt).getTime() + 1000));
    await t.drain();
    assert.deepEqual(await holders(packageId), [u.id]);
    const after = await t.store.db.selectFrom('identityEvaluations').select('nextRunAt').where('id', '=', 'nightly').executeTakeFirstOrThrow();
    assert.equal(new Date(after.nextRunAt).getTime(), new Date(next.nextRunAt).getTime() + DAY, 'the next night is planned');
  });
});
