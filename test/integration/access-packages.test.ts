import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { newId } from '../../src/domain/ids.js';
import type { ApiClient } from '../support/client.js';
import { EM } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const GRAPH = 'https://graph.microsoft.com/v1.0/identityGovernance/entitlementManagement';

describe('access packages', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  const at = () => t.clock.now().toISOString();
  async function group(displayName: string): Promise<string> {
    const id = newId();
    await t.store.db.insertInto('groups').values({
      id, displayName, description: null, mail: null, mailNickname: null, mailEnabled: 0, securityEnabled: 1, createdAt: at(), modifiedAt: at(),
    }).execute();
    return id;
  }
  async function catalog(displayName: string, extra: Record<string, unknown> = {}): Promise<string> {
    const r = await t.admin.post(`${EM}/catalogs`, { displayName, ...extra });
    assert.equal(r.status, 201);
    return r.body.id;
  }
  /** Adds a new group to the catalog and returns the resource with its roles and scopes. */
  async function groupResource(catalogId: string, name: string) {
    const groupId = await group(name);
    const r = await t.admin.post(`${EM}/resourceRequests`, { requestType: 'adminAdd', resource: { originId: groupId, originSystem: 'AadGroup' }, catalog: { id: catalogId } });
    assert.equal(r.status, 201);
    return { groupId, resource: r.body.resource as { id: string; roles: { id: string; originId: string }[]; scopes: { id: string }[] } };
  }
  async function pkg(catalogId: string, displayName: string, extra: Record<string, unknown> = {}, client: ApiClient = t.admin): Promise<string> {
    const r = await client.post(`${EM}/accessPackages`, { displayName, catalog: { id: catalogId }, ...extra });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  }

  it('builds a package from a catalog group and reads it back with its role scopes', async () => {
    const catalogId = await catalog('Sales');
    const { groupId, resource } = await groupResource(catalogId, 'Sales reps');

    const created = await t.admin.post(`${EM}/accessPackages`, {
      displayName: 'sales reps', description: 'outside sales representatives', isHidden: false, catalog: { id: catalogId },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.displayName, 'sales reps');
    assert.equal(created.body.description, 'outside sales representatives');
    assert.equal(created.body.isHidden, false);
    assert.match(created.body.createdDateTime, /^\d{4}-/);
    assert.equal(created.headers.get('location'), `${EM}/accessPackages/${created.body.id}`);
    const packageId = created.body.id;

    // the role and scope ids are discovered from the catalog, as the reference's flow does
    const roles = await t.admin.get(`${EM}/catalogs/${catalogId}/resourceRoles?$filter=originSystem eq 'AadGroup' and resource/id eq '${resource.id}'&$expand=resource`);
    const memberRole = roles.body.value.find((r: { displayName: string }) => r.displayName === 'Member');
    const scopes = await t.admin.get(`${EM}/catalogs/${catalogId}/resources?$filter=id eq '${resource.id}'&$expand=scopes`);
    const rootScope = scopes.body.value[0].scopes[0];

    const rrs = await t.admin.post(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, {
      role: {
        id: memberRole.id, displayName: 'Member', originSystem: 'AadGroup', originId: `Member_${groupId}`,
        resource: { id: resource.id, originId: groupId, originSystem: 'AadGroup' },
      },
      scope: { id: rootScope.id, displayName: 'Root', description: 'Root Scope', originId: groupId, originSystem: 'AadGroup', isRootScope: true },
    });
    assert.equal(rrs.status, 201, JSON.stringify(rrs.body));
    assert.equal(rrs.body.id, `${memberRole.id}_${rootScope.id}`);
    assert.match(rrs.body.createdDateTime, /^\d{4}-/);
    assert.equal(rrs.body.role.originId, `Member_${groupId}`);
    assert.equal(rrs.body.role.resource.id, resource.id);
    assert.equal(rrs.body.scope.isRootScope, true);

    // the Owner role named only by originId and originSystem (no ids), scope by isRootScope
    const owner = await t.admin.post(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, {
      role: { originSystem: 'aadgroup', originId: `Owner_${groupId}`, resource: { id: resource.id } },
      scope: { originSystem: 'AadGroup', isRootScope: true },
    });
    assert.equal(owner.status, 201, JSON.stringify(owner.body));
    assert.equal(owner.body.role.displayName, 'Owner');
    assert.equal(owner.body.scope.id, rootScope.id);

    const dup = await t.admin.post(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, { role: { id: memberRole.id }, scope: { id: rootScope.id } });
    assert.equal(dup.status, 409);

    const read = await t.admin.get(`${EM}/accessPackages/${packageId}?$expand=resourceRoleScopes($expand=role,scope)`);
    assert.equal(read.status, 200);
    assert.equal(read.body.displayName, 'sales reps');
    const got = read.body.resourceRoleScopes.map((x: { id: string; role: { displayName: string }; scope: { displayName: string } }) => [x.id, x.role.displayName, x.scope.displayName]);
    assert.deepEqual(got.sort(), [[rrs.body.id, 'Member', 'Root'], [owner.body.id, 'Owner', 'Root']].sort());

    const nested = await t.admin.get(`${EM}/accessPackages/${packageId}?$expand=resourceRoleScopes($expand=role($expand=resource),scope($expand=resource)),catalog`);
    assert.equal(nested.status, 200);
    assert.equal(nested.body.catalog.id, catalogId);
    for (const x of nested.body.resourceRoleScopes) {
      assert.equal(x.role.resource.id, resource.id);
      assert.equal(x.scope.resource.originId, groupId);
    }

    const listed = await t.admin.get(`${EM}/accessPackages/${packageId}/resourceRoleScopes?$expand=role`);
    assert.equal(listed.body.value.length, 2);
    const one = await t.admin.get(`${EM}/accessPackages/${packageId}/resourceRoleScopes/${rrs.body.id}?$expand=scope`);
    assert.equal(one.status, 200);
    assert.equal(one.body.scope.id, rootScope.id);

    const removed = await t.admin.delete(`${EM}/accessPackages/${packageId}/resourceRoleScopes/${owner.body.id}`);
    assert.equal(removed.status, 204);
    assert.equal((await t.admin.delete(`${EM}/accessPackages/${packageId}/resourceRoleScopes/${owner.body.id}`)).status, 404);
    const after1 = await t.admin.get(`${EM}/accessPackages/${packageId}/resourceRoleScopes`);
    assert.deepEqual(after1.body.value.map((x: { id: string }) => x.id), [rrs.body.id]);

    const audit = await t.store.db.selectFrom('auditEvents').select('activity').where('targetId', '=', packageId).orderBy('occurredAt').orderBy('id').execute();
    assert.deepEqual(audit.map((e) => e.activity).sort(), [
      'Add resource role to access package', 'Add resource role to access package', 'Create access package', 'Remove resource role from access package',
    ]);

    const cat = await t.admin.get(`${EM}/catalogs/${catalogId}/accessPackages`);
    assert.deepEqual(cat.body.value.map((p: { id: string }) => p.id), [packageId]);
  });

  it('refuses roles from another catalog and bad role references', async () => {
    const a = await catalog('Catalog A');
    const b = await catalog('Catalog B');
    const { resource: inB } = await groupResource(b, 'In B');
    const { resource: inA, groupId: groupA } = await groupResource(a, 'In A');
    const packageId = await pkg(a, 'Needs A only');

    const cross = await t.admin.post(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, {
      role: { id: inB.roles[0].id }, scope: { id: inB.scopes[0].id },
    });
    assert.equal(cross.status, 400);
    assert.equal(cross.body.error.target, 'role');
    assert.match(cross.body.error.message, /catalog/);

    const mixed = await t.admin.post(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, { role: { id: inA.roles[0].id }, scope: { id: inB.scopes[0].id } });
    assert.equal(mixed.status, 400);
    assert.equal(mixed.body.error.target, 'scope');

    const unknown = await t.admin.post(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, { role: { id: newId() }, scope: { isRootScope: true } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.target, 'role.id');

    const byOrigin = await t.admin.post(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, { role: { originId: `Member_${groupA}`, originSystem: 'AadGroup' } });
    assert.equal(byOrigin.status, 201, JSON.stringify(byOrigin.body));
    assert.equal(byOrigin.body.scope.isRootScope, true);

    const typo = await t.admin.post(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, { role: { orginId: 'x' }, scope: {} });
    assert.equal(typo.status, 400);
    assert.match(typo.body.error.message, /orginId/);

    const count = await t.store.db.selectFrom('resourceRoleScopes').select('id').where('accessPackageId', '=', packageId).execute();
    assert.equal(count.length, 1);
  });

  it('refuses to delete a package with live assignments, and cleans up after a delete', async () => {
    const catalogId = await catalog('Deletions');
    const { resource } = await groupResource(catalogId, 'Del group');
    const packageId = await pkg(catalogId, 'To delete');
    const otherId = await pkg(catalogId, 'Other');
    assert.equal((await t.admin.post(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, { role: { id: resource.roles[0].id }, scope: { id: resource.scopes[0].id } })).status, 201);
    assert.equal((await t.admin.post(`${EM}/accessPackages/${packageId}/incompatibleAccessPackages/$ref`, { '@odata.id': `${GRAPH}/accessPackages/${otherId}` })).status, 204);
    assert.equal((await t.admin.post(`${EM}/accessPackages/${otherId}/incompatibleAccessPackages/$ref`, { '@odata.id': `${GRAPH}/accessPackages/${packageId}` })).status, 204);
    await t.store.db.insertInto('assignmentPolicies').values({
      id: newId(), accessPackageId: packageId, displayName: 'Direct', description: null, allowedTargetScope: 'notSpecified', specificAllowedTargets: '[]',
      expiration: '{}', requestorSettings: '{}', requestApprovalSettings: '{}', reviewSettings: null, notificationSettings: null,
      automaticRequestSettings: null, questions: '[]', createdAt: at(), modifiedAt: at(),
    }).execute();
    const withPolicies = await t.admin.get(`${EM}/accessPackages/${packageId}?$expand=assignmentPolicies`);
    assert.deepEqual(withPolicies.body.assignmentPolicies.map((p: { displayName: string; allowedTargetScope: string }) => [p.displayName, p.allowedTargetScope]), [['Direct', 'notSpecified']]);

    const assignment = { accessPackageId: packageId, policyId: null, targetId: t.adminId, status: 'Delivered', startAt: null, endAt: null, expiredAt: null, createdAt: at(), modifiedAt: at(), answers: '[]' };
    const liveId = newId();
    await t.store.db.insertInto('assignments').values({ ...assignment, id: newId(), state: 'expired' }).execute();
    await t.store.db.insertInto('assignments').values({ ...assignment, id: liveId, state: 'delivered' }).execute();

    const refused = await t.admin.delete(`${EM}/accessPackages/${packageId}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'AccessPackageHasAssignments');
    assert.match(refused.body.error.message, /remove/i);
    assert.equal((await t.admin.get(`${EM}/accessPackages/${packageId}`)).status, 200);

    await t.store.db.updateTable('assignments').set({ state: 'expired' }).where('id', '=', liveId).execute();
    assert.equal((await t.admin.delete(`${EM}/accessPackages/${packageId}`)).status, 204);
    assert.equal((await t.admin.get(`${EM}/accessPackages/${packageId}`)).status, 404);
    const db = t.store.db;
    assert.equal((await db.selectFrom('resourceRoleScopes').select('id').where('accessPackageId', '=', packageId).execute()).length, 0);
    assert.equal((await db.selectFrom('assignmentPolicies').select('id').where('accessPackageId', '=', packageId).execute()).length, 0);
    assert.equal((await db.selectFrom('incompatibleAccessPackages').selectAll()
      .where((eb) => eb.or([eb('accessPackageId', '=', packageId), eb('incompatibleAccessPackageId', '=', packageId)])).execute()).length, 0);
    // history stays
    assert.equal((await db.selectFrom('assignments').select('id').where('accessPackageId', '=', packageId).execute()).length, 2);
    const audit = await db.selectFrom('auditEvents').select('activity').where('targetId', '=', packageId).where('activity', '=', 'Delete access package').execute();
    assert.equal(audit.length, 1);
    // the resource is free again
    assert.equal((await t.admin.post(`${EM}/resourceRequests`, { requestType: 'adminRemove', resource: { id: resource.id }, catalog: { id: catalogId } })).status, 201);
  });

  it('keeps catalog roles inside their catalog', async () => {
    const a = await catalog('Owned A');
    const b = await catalog('Foreign B');
    const owner = await t.user();
    await t.grantRole(owner.id, RoleDefinitionIds.catalogOwner, a);
    const inB = await pkg(b, 'B package');

    const mine = await pkg(a, 'A package', {}, owner.client);
    assert.equal((await owner.client.patch(`${EM}/accessPackages/${mine}`, { description: 'ok' })).status, 204);
    assert.equal((await owner.client.post(`${EM}/accessPackages`, { displayName: 'sneaky', catalog: { id: b } })).status, 403);
    assert.equal((await owner.client.patch(`${EM}/accessPackages/${inB}`, { description: 'no' })).status, 403);
    assert.equal((await owner.client.delete(`${EM}/accessPackages/${inB}`)).status, 403);
    assert.equal((await owner.client.get(`${EM}/accessPackages/${inB}/resourceRoleScopes`)).status, 403);
    assert.equal((await owner.client.post(`${EM}/accessPackages/${inB}/resourceRoleScopes`, { role: { id: newId() } })).status, 403);
    assert.equal((await owner.client.get(`${EM}/catalogs/${b}/accessPackages`)).status, 403);
    // linking a package of a catalog the owner cannot read is refused too
    const link = await owner.client.post(`${EM}/accessPackages/${mine}/incompatibleAccessPackages/$ref`, { '@odata.id': `${GRAPH}/accessPackages/${inB}` });
    assert.equal(link.status, 403);
    // and moving a package to another catalog is not a thing
    const move = await owner.client.patch(`${EM}/accessPackages/${mine}`, { catalog: { id: b } });
    assert.equal(move.status, 400);
    assert.equal(move.body.error.target, 'catalog.id');

    // an access package manager creates packages and adds roles but cannot add resources
    const manager = await t.user();
    await t.grantRole(manager.id, RoleDefinitionIds.accessPackageManager, a);
    const { resource } = await groupResource(a, 'A group');
    const managed = await pkg(a, 'Managed', {}, manager.client);
    const rrs = await manager.client.post(`${EM}/accessPackages/${managed}/resourceRoleScopes`, { role: { id: resource.roles[0].id }, scope: { id: resource.scopes[0].id } });
    assert.equal(rrs.status, 201);
    const addRes = await manager.client.post(`${EM}/resourceRequests`, { requestType: 'adminAdd', resource: { originId: await group('x'), originSystem: 'AadGroup' }, catalog: { id: a } });
    assert.equal(addRes.status, 403);

    // a catalog reader reads but does not write
    const reader = await t.user();
    await t.grantRole(reader.id, RoleDefinitionIds.catalogReader, a);
    assert.equal((await reader.client.get(`${EM}/accessPackages/${managed}?$expand=resourceRoleScopes`)).status, 200);
    assert.equal((await reader.client.post(`${EM}/accessPackages`, { displayName: 'no', catalog: { id: a } })).status, 403);
  });

  it('validates create bodies and accepts the beta catalogId', async () => {
    const catalogId = await catalog('Bodies');
    const missing = await t.admin.post(`${EM}/accessPackages`, { displayName: 'No catalog' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /catalog/);
    const noName = await t.admin.post(`${EM}/accessPackages`, { catalog: { id: catalogId } });
    assert.equal(noName.status, 400);
    assert.match(noName.body.error.message, /displayName/);
    const unknown = await t.admin.post(`${EM}/accessPackages`, { displayName: 'x', catalog: { id: catalogId }, isHiden: true });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /isHiden/);
    const noSuchCatalog = await t.admin.post(`${EM}/accessPackages`, { displayName: 'x', catalog: { id: newId() } });
    assert.equal(noSuchCatalog.status, 404);
    const beta = await t.admin.post(`${EM}/accessPackages`, { displayName: 'Beta style', catalogId });
    assert.equal(beta.status, 201);
    const withCatalog = await t.admin.get(`${EM}/accessPackages/${beta.body.id}?$expand=catalog`);
    assert.equal(withCatalog.body.catalog.id, catalogId);
    assert.equal(withCatalog.body.catalog.displayName, 'Bodies');

    const etag = withCatalog.headers.get('etag')!;
    assert.equal((await t.admin.patch(`${EM}/accessPackages/${beta.body.id}`, { isHidden: true }, { 'if-match': etag })).status, 204);
    assert.equal((await t.admin.patch(`${EM}/accessPackages/${beta.body.id}`, { isHidden: false }, { 'if-match': etag })).status, 412);
    const after1 = await t.admin.get(`${EM}/accessPackages/${beta.body.id}`);
    assert.equal(after1.body.isHidden, true);
    const update = await t.store.db.selectFrom('auditEvents').selectAll().where('targetId', '=', beta.body.id).where('activity', '=', 'Update access package').execute();
    assert.equal(update.length, 1);
    assert.deepEqual(JSON.parse(update[0].modifiedProperties), [{ displayName: 'isHidden', oldValue: false, newValue: true }]);
  });

  it('links incompatible packages and groups in both directions', async () => {
    const catalogId = await catalog('SoD');
    const p1 = await pkg(catalogId, 'Payments');
    const p2 = await pkg(catalogId, 'Approvals');
    const g = await group('Auditors');

    const self = await t.admin.post(`${EM}/accessPackages/${p1}/incompatibleAccessPackages/$ref`, { '@odata.id': `${GRAPH}/accessPackages/${p1}` });
    assert.equal(self.status, 400);
    const bad = await t.admin.post(`${EM}/accessPackages/${p1}/incompatibleAccessPackages/$ref`, { '@odata.id': 'https://example.test/v1.0/users/abc' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.target, '@odata.id');
    const missing = await t.admin.post(`${EM}/accessPackages/${p1}/incompatibleAccessPackages/$ref`, {});
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /@odata\.id/);

    // any base URL works
    const link = await t.admin.post(`${EM}/accessPackages/${p1}/incompatibleAccessPackages/$ref`, { '@odata.id': `http://latchkey.local${EM}/accessPackages/${p2}` });
    assert.equal(link.status, 204);
    const dup = await t.admin.post(`${EM}/accessPackages/${p1}/incompatibleAccessPackages/$ref`, { '@odata.id': `${GRAPH}/accessPackages/${p2}` });
    assert.equal(dup.status, 409);

    const forward = await t.admin.get(`${EM}/accessPackages/${p1}/incompatibleAccessPackages`);
    assert.deepEqual(forward.body.value.map((p: { id: string }) => p.id), [p2]);
    const reverse = await t.admin.get(`${EM}/accessPackages/${p2}/accessPackagesIncompatibleWith`);
    assert.deepEqual(reverse.body.value.map((p: { id: string }) => p.id), [p1]);
    assert.equal((await t.admin.get(`${EM}/accessPackages/${p2}/incompatibleAccessPackages`)).body.value.length, 0);
    const expanded = await t.admin.get(`${EM}/accessPackages?$filter=catalog/id eq '${catalogId}'&$expand=incompatibleAccessPackages,accessPackagesIncompatibleWith&$orderby=displayName`);
    assert.deepEqual(expanded.body.value.map((p: { displayName: string; incompatibleAccessPackages: unknown[]; accessPackagesIncompatibleWith: unknown[] }) =>
      [p.displayName, p.incompatibleAccessPackages.length, p.accessPackagesIncompatibleWith.length]), [['Approvals', 0, 1], ['Payments', 1, 0]]);

    const glink = await t.admin.post(`${EM}/accessPackages/${p1}/incompatibleGroups/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/groups/${g}` });
    assert.equal(glink.status, 204);
    assert.equal((await t.admin.post(`${EM}/accessPackages/${p1}/incompatibleGroups/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/groups/${g}` })).status, 409);
    assert.equal((await t.admin.post(`${EM}/accessPackages/${p1}/incompatibleGroups/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/groups/${newId()}` })).status, 400);
    const groups = await t.admin.get(`${EM}/accessPackages/${p1}/incompatibleGroups`);
    assert.equal(groups.status, 200);
    assert.deepEqual(groups.body.value.map((x: Record<string, unknown>) => [x['@odata.type'], x.id, x.displayName]), [['#microsoft.graph.group', g, 'Auditors']]);
    const withGroups = await t.admin.get(`${EM}/accessPackages/${p1}?$expand=incompatibleGroups`);
    assert.equal(withGroups.body.incompatibleGroups[0]['@odata.type'], '#microsoft.graph.group');

    assert.equal((await t.admin.delete(`${EM}/accessPackages/${p1}/incompatibleGroups/${g}/$ref`)).status, 204);
    assert.equal((await t.admin.delete(`${EM}/accessPackages/${p1}/incompatibleGroups/${g}/$ref`)).status, 404);
    assert.equal((await t.admin.delete(`${EM}/accessPackages/${p1}/incompatibleAccessPackages/${p2}/$ref`)).status, 204);
    assert.equal((await t.admin.get(`${EM}/accessPackages/${p2}/accessPackagesIncompatibleWith`)).body.value.length, 0);

    const audit = await t.store.db.selectFrom('auditEvents').select('activity').where('targetId', '=', p1).execute();
    const acts = audit.map((e) => e.activity);
    for (const a of ['Add incompatible access package', 'Remove incompatible access package', 'Add incompatible group', 'Remove incompatible group']) assert.ok(acts.includes(a), a);
  });

  it('hides links into catalogs the caller cannot read', async () => {
    const catA = await catalog('SoD A');
    const catB = await catalog('SoD B');
    const a = await pkg(catA, 'A side');
    const b = await pkg(catB, 'B secret');
    assert.equal((await t.admin.post(`${EM}/accessPackages/${a}/incompatibleAccessPackages/$ref`, { '@odata.id': `${GRAPH}/accessPackages/${b}` })).status, 204);
    assert.equal((await t.admin.post(`${EM}/accessPackages/${b}/incompatibleAccessPackages/$ref`, { '@odata.id': `${GRAPH}/accessPackages/${a}` })).status, 204);
    const reader = await t.user();
    await t.grantRole(reader.id, RoleDefinitionIds.catalogReader, catA);
    for (const path of [`accessPackages/${a}/incompatibleAccessPackages`, `accessPackages/${a}/accessPackagesIncompatibleWith`]) {
      const r = await reader.client.get(`${EM}/${path}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.value, [], path);
    }
    const expanded = await reader.client.get(`${EM}/accessPackages/${a}?$expand=incompatibleAccessPackages,accessPackagesIncompatibleWith`);
    assert.deepEqual([expanded.body.incompatibleAccessPackages, expanded.body.accessPackagesIncompatibleWith], [[], []]);
    // the administrator still sees both links
    assert.deepEqual((await t.admin.get(`${EM}/accessPackages/${a}/incompatibleAccessPackages`)).body.value.map((p: { id: string }) => p.id), [b]);
  });

  it('shows plain users the visible packages of published catalogs and opens hidden ones by link', async () => {
    const open = await catalog('Open catalog');
    const internalOnly = await catalog('Internal catalog', { isExternallyVisible: false });
    const draft = await catalog('Draft catalog', { state: 'unpublished' });
    const visible = await pkg(open, 'Visible');
    const hidden = await pkg(open, 'Hidden', { isHidden: true });
    const internal = await pkg(internalOnly, 'Internal');
    const unpublished = await pkg(draft, 'Unpublished');

    const member = await t.user();
    const list = await member.client.get(`${EM}/accessPackages?$orderby=displayName`);
    assert.equal(list.status, 200);
    const names = list.body.value.map((p: { displayName: string }) => p.displayName);
    assert.ok(names.includes('Visible') && names.includes('Internal'), 'expected: names.includes(\'Visible\') && names.includes(\'Internal\')');
    assert.ok(!names.includes('Hidden') && !names.includes('Unpublished'), 'expected: !names.includes(\'Hidden\') && !names.includes(\'Unpublished\')');
    assert.equal((await member.client.get(`${EM}/accessPackages/${hidden}`)).status, 200);
    assert.equal((await member.client.get(`${EM}/accessPackages/${visible}`)).status, 200);
    assert.equal((await member.client.get(`${EM}/accessPackages/${unpublished}`)).status, 403);
    // and may not change anything
    assert.equal((await member.client.patch(`${EM}/accessPackages/${visible}`, { description: 'x' })).status, 403);

    const guest = await t.user({ userType: 'Guest' });
    const glist = await guest.client.get(`${EM}/accessPackages`);
    const gids = glist.body.value.map((p: { id: string }) => p.id);
    assert.ok(gids.includes(visible), 'expected: gids.includes(visible)');
    assert.ok(!gids.includes(internal) && !gids.includes(hidden), 'expected: !gids.includes(internal) && !gids.includes(hidden)');
    assert.equal((await guest.client.get(`${EM}/accessPackages/${internal}`)).status, 403);
    assert.equal((await guest.client.get(`${EM}/accessPackages/${hidden}`)).status, 200);

    // a catalog reader sees the hidden and unpublished packages of its catalog
    const reader = await t.user();
    await t.grantRole(reader.id, RoleDefinitionIds.catalogReader, draft);
    const rlist = await reader.client.get(`${EM}/accessPackages`);
    const rids = rlist.body.value.map((p: { id: string }) => p.id);
    assert.ok(rids.includes(unpublished) && rids.includes(visible) && !rids.includes(hidden), 'expected: rids.includes(unpublished) && rids.includes(visible) && !rids.includes(hidden)');
  });

  it('filters, selects, orders, pages and counts', async () => {
    const catalogId = await catalog('Paging');
    for (const [n, hidden] of [['Page Alpha', false], ['Page Beta', true], ['Page Gamma', false], ['Page Delta', false], ['Page Epsilon', true]] as const) {
      await pkg(catalogId, n, { isHidden: hidden, description: `${n.toLowerCase()} description` });
      t.clock.advance(1000);
    }
    const base = `${EM}/accessPackages?$filter=catalog/id eq '${catalogId}'`;
    const r = await t.admin.get(`${base} and startswith(displayName,'page ')&$orderby=displayName desc&$top=2&$count=true`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.value.map((p: { displayName: string }) => p.displayName), ['Page Gamma', 'Page Epsilon']);
    assert.equal(r.body['@odata.count'], 5);
    const seen = [...r.body.value];
    let next: string | undefined = r.body['@odata.nextLink'];
    while (next) {
      const p = await t.admin.get(next.replace(/^https?:\/\/[^/]+/, ''));
      assert.equal(p.status, 200);
      seen.push(...p.body.value);
      next = p.body['@odata.nextLink'];
    }
    assert.deepEqual(seen.map((p) => p.displayName), ['Page Gamma', 'Page Epsilon', 'Page Delta', 'Page Beta', 'Page Alpha']);

    const hidden = await t.admin.get(`${base} and isHidden eq true&$select=displayName,isHidden&$orderby=displayName`);
    assert.deepEqual(hidden.body.value.map((p: Record<string, unknown>) => [Object.keys(p).sort(), p.displayName]),
      [[['displayName', 'id', 'isHidden'], 'Page Beta'], [['displayName', 'id', 'isHidden'], 'Page Epsilon']]);
    const contains = await t.admin.get(`${base} and contains(displayName,'ELTA')`);
    assert.deepEqual(contains.body.value.map((p: { displayName: string }) => p.displayName), ['Page Delta']);
    const eq = await t.admin.get(`${EM}/accessPackages?$filter=displayName eq 'Page Gamma'`);
    assert.equal(eq.body.value.length, 1);
    const desc = await t.admin.get(`${base} and description eq 'page beta description'`);
    assert.equal(desc.body.value[0].displayName, 'Page Beta');
    const byId = await t.admin.get(`${EM}/accessPackages?$filter=id eq '${eq.body.value[0].id}'`);
    assert.equal(byId.body.value[0].displayName, 'Page Gamma');
    const created = eq.body.value[0].createdDateTime;
    const later = await t.admin.get(`${base} and createdDateTime gt ${created}&$orderby=createdDateTime`);
    assert.deepEqual(later.body.value.map((p: { displayName: string }) => p.displayName), ['Page Delta', 'Page Epsilon']);

    const badField = await t.admin.get(`${EM}/accessPackages?$filter=colour eq 'red'`);
    assert.equal(badField.status, 400);
    assert.match(badField.body.error.message, /colour/);
    const badExpand = await t.admin.get(`${EM}/accessPackages?$expand=friends`);
    assert.equal(badExpand.status, 400);
    assert.match(badExpand.body.error.message, /friends/);
  });
});
