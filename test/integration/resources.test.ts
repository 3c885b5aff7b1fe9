import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDirectoryGroupsConnector } from '../../src/connectors/directory-groups.js';
import { builtInConnectors, createConnectorRegistry } from '../../src/connectors/registry.js';
import { ConnectorError } from '../../src/connectors/types.js';
import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { ValidationError } from '../../src/domain/errors.js';
import { newId } from '../../src/domain/ids.js';
import { EM } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('catalog resources', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  const at = () => t.clock.now().toISOString();
  async function group(displayName: string, ownerId?: string): Promise<string> {
    const id = newId();
    await t.store.db.insertInto('groups').values({
      id, displayName, description: `${displayName} group`, mail: null, mailNickname: null, mailEnabled: 0, securityEnabled: 1, createdAt: at(), modifiedAt: at(),
    }).execute();
    if (ownerId) await t.store.db.insertInto('groupOwners').values({ groupId: id, userId: ownerId, createdAt: at() }).execute();
    return id;
  }
  async function catalog(displayName: string): Promise<string> {
    const r = await t.admin.post(`${EM}/catalogs`, { displayName });
    assert.equal(r.status, 201);
    return r.body.id;
  }
  const addGroup = (client = t.admin, catalogId: string, groupId: string, extra: Record<string, unknown> = {}) =>
    client.post(`${EM}/resourceRequests`, {
      requestType: 'adminAdd',
      resource: { displayName: 'ignored name', originId: groupId, originSystem: 'AadGroup' },
      catalog: { id: catalogId },
      ...extra,
    });
  const countRequests = async () => Number((await t.store.db.selectFrom('resourceRequests').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('adds a group to a catalog through a resource request and lists it with its roles and scopes', async () => {
    const catalogId = await catalog('Sales');
    const groupId = await group('Sales reps');
    const r = await addGroup(t.admin, catalogId, groupId);
    assert.equal(r.status, 201);
    assert.equal(r.body.requestType, 'adminAdd');
    assert.equal(r.body.state, 'delivered');
    assert.match(r.body.createdDateTime, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(r.body.resource.originId, groupId);
    // the directory's name wins over the one in the request
    assert.equal(r.body.resource.displayName, 'Sales reps');

    const list = await t.admin.get(`${EM}/catalogs/${catalogId}/resources?$expand=roles,scopes`);
    assert.equal(list.status, 200);
    assert.equal(list.body.value.length, 1);
    const res = list.body.value[0];
    assert.equal(res.id, r.body.resource.id);
    assert.equal(res.originSystem, 'AadGroup');
    assert.equal(res.originId, groupId);
    assert.equal(res.description, 'Sales reps group');
    assert.deepEqual(res.attributes, []);
    assert.deepEqual(res.roles.map((x: { displayName: string; originId: string; originSystem: string }) => [x.displayName, x.originId, x.originSystem]),
      [['Member', `Member_${groupId}`, 'AadGroup'], ['Owner', `Owner_${groupId}`, 'AadGroup']]);
    assert.equal(res.scopes.length, 1);
    assert.deepEqual({ ...res.scopes[0], id: undefined }, {
      id: undefined, displayName: 'Root', description: 'Root Scope', originId: groupId, originSystem: 'AadGroup', isRootScope: true,
    });
    for (const x of [...res.roles, ...res.scopes]) assert.match(x.id, /^[0-9a-f-]{36}$/);

    const one = await t.admin.get(`${EM}/catalogs/${catalogId}/resources/${res.id}?$select=displayName`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, { id: res.id, displayName: 'Sales reps' });

    const filtered = await t.admin.get(`${EM}/catalogs/${catalogId}/resources?$filter=originId eq '${groupId}' and originSystem eq 'AadGroup'`);
    assert.equal(filtered.body.value.length, 1);
    const none = await t.admin.get(`${EM}/catalogs/${catalogId}/resources?$filter=startswith(displayName,'zzz')`);
    assert.equal(none.body.value.length, 0);

    const reqs = await t.admin.get(`${EM}/resourceRequests?$filter=requestType eq 'adminAdd' and catalog/id eq '${catalogId}'&$expand=resource,catalog`);
    assert.equal(reqs.status, 200);
    assert.equal(reqs.body.value.length, 1);
    assert.equal(reqs.body.value[0].id, r.body.id);
    assert.equal(reqs.body.value[0].state, 'delivered');
    assert.equal(reqs.body.value[0].resource.id, res.id);
    assert.equal(reqs.body.value[0].catalog.displayName, 'Sales');

    const audit = await t.store.db.selectFrom('auditEvents').selectAll().where('targetId', '=', res.id).execute();
    assert.deepEqual(audit.map((e) => e.activity), ['Add resource to catalog']);
  });

  it('lists resource roles and scopes of a catalog with $filter and $expand=resource', async () => {
    const catalogId = await catalog('Roles');
    const g1 = await group('Alpha');
    const g2 = await group('Beta');
    const r1 = await addGroup(t.admin, catalogId, g1);
    await addGroup(t.admin, catalogId, g2);

    const roles = await t.admin.get(`${EM}/catalogs/${catalogId}/resourceRoles?$filter=(originSystem eq 'AadGroup' and resource/id eq '${r1.body.resource.id}')&$expand=resource`);
    assert.equal(roles.status, 200);
    assert.deepEqual(roles.body.value.map((x: { originId: string }) => x.originId), [`Member_${g1}`, `Owner_${g1}`]);
    assert.equal(roles.body.value[0].resource.id, r1.body.resource.id);
    assert.equal(roles.body.value[0].resource.displayName, 'Alpha');

    const member = await t.admin.get(`${EM}/catalogs/${catalogId}/resourceRoles?$filter=displayName eq 'Member'`);
    assert.equal(member.body.value.length, 2);

    const scopes = await t.admin.get(`${EM}/catalogs/${catalogId}/resourceScopes?$expand=resource&$orderby=originId`);
    assert.equal(scopes.status, 200);
    assert.equal(scopes.body.value.length, 2);
    assert.ok(scopes.body.value.every((s: { isRootScope: boolean; resource: { originId: string }; originId: string }) => s.isRootScope && s.resource.originId === s.originId), 'expected: scopes.body.value.every((s: { isRootScope: boolean; resource: { originId: string }; originId: string');

    const cat = await t.admin.get(`${EM}/catalogs/${catalogId}?$expand=resources($expand=roles)`);
    assert.equal(cat.status, 200);
    assert.deepEqual(cat.body.resources.map((r: { displayName: string }) => r.displayName), ['Alpha', 'Beta']);
    assert.equal(cat.body.resources[0].roles.length, 2);
  });

  it('rejects bad resource requests, naming the field, and writes nothing', async () => {
    const catalogId = await catalog('Bad requests');
    const groupId = await group('Some group');
    const before = await countRequests();

    const unknownSystem = await t.admin.post(`${EM}/resourceRequests`, {
      requestType: 'adminAdd', resource: { originId: groupId, originSystem: 'LdapThing' }, catalog: { id: catalogId },
    });
    assert.equal(unknownSystem.status, 400);
    assert.match(unknownSystem.body.error.message, /LdapThing/);
    assert.match(unknownSystem.body.error.message, /AadGroup/);

    const missingGroup = await addGroup(t.admin, catalogId, newId());
    assert.equal(missingGroup.status, 400);
    assert.match(missingGroup.body.error.message, /originId/);
    assert.equal(missingGroup.body.error.target, 'resource.originId');

    const badType = await addGroup(t.admin, catalogId, groupId, { requestType: 'adminUpdate' });
    assert.equal(badType.status, 400);
    assert.equal(badType.body.error.target, 'requestType');
    const nonsense = await addGroup(t.admin, catalogId, groupId, { requestType: 'grab' });
    assert.equal(nonsense.status, 400);
    assert.match(nonsense.body.error.message, /requestType/);

    const noCatalog = await t.admin.post(`${EM}/resourceRequests`, { requestType: 'adminAdd', resource: { originId: groupId, originSystem: 'AadGroup' } });
    assert.equal(noCatalog.status, 400);
    assert.match(noCatalog.body.error.message, /catalog/);

    const unknownCatalog = await addGroup(t.admin, newId(), groupId);
    assert.equal(unknownCatalog.status, 404);

    const extra = await addGroup(t.admin, catalogId, groupId, { colour: 'red' });
    assert.equal(extra.status, 400);
    assert.match(extra.body.error.message, /colour/);

    assert.equal(await countRequests(), before);
    assert.equal((await t.admin.get(`${EM}/catalogs/${catalogId}/resources`)).body.value.length, 0);

    // enum values are case-insensitive and written in the reference's casing
    const ok = await addGroup(t.admin, catalogId, groupId, { requestType: 'ADMINADD' });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.requestType, 'adminAdd');

    const again = await addGroup(t.admin, catalogId, groupId);
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /already/);
    assert.equal(await countRequests(), before + 1);
  });

  it('requires catalog ownership and ownership of the group to add it', async () => {
    const catalogId = await catalog('Delegated');
    const owner = await t.user();
    await t.grantRole(owner.id, RoleDefinitionIds.catalogOwner, catalogId);
    const notMine = await group('Not mine');
    const mine = await group('Mine', owner.id);

    const refused = await addGroup(owner.client, catalogId, notMine);
    assert.equal(refused.status, 403);
    assert.match(refused.body.error.message, /owner/);
    const accepted = await addGroup(owner.client, catalogId, mine);
    assert.equal(accepted.status, 201);

    // group ownership alone is not enough: the catalog role is needed too
    const otherCatalog = await catalog('Elsewhere');
    assert.equal((await addGroup(owner.client, otherCatalog, mine)).status, 403);

    // an access package manager manages packages, not the catalog's resources
    const manager = await t.user();
    await t.grantRole(manager.id, RoleDefinitionIds.accessPackageManager, catalogId);
    const managersGroup = await group('Manager owned', manager.id);
    assert.equal((await addGroup(manager.client, catalogId, managersGroup)).status, 403);
    // but may read them
    assert.equal((await manager.client.get(`${EM}/catalogs/${catalogId}/resources`)).status, 200);
    assert.equal((await manager.client.get(`${EM}/catalogs/${otherCatalog}/resources`)).status, 403);

    // resource requests are listed only for readable catalogs
    const adminOnly = await addGroup(t.admin, otherCatalog, await group('Admin added'));
    assert.equal(adminOnly.status, 201);
    const seen = await owner.client.get(`${EM}/resourceRequests`);
    assert.equal(seen.status, 200);
    assert.deepEqual(seen.body.value.map((r: { id: string }) => r.id), [accepted.body.id]);
    assert.equal((await owner.client.get(`${EM}/resourceRequests/${adminOnly.body.id}`)).status, 403);
  });

  it('refuses to remove a resource that an access package uses, and removes it once unused', async () => {
    const catalogId = await catalog('Removal');
    const groupId = await group('Used group');
    const add = await addGroup(t.admin, catalogId, groupId);
    const resourceId = add.body.resource.id;
    const roleId = add.body.resource.roles[0].id;
    const scopeId = add.body.resource.scopes[0].id;
    const pkgId = newId();
    await t.store.db.insertInto('accessPackages').values({ id: pkgId, catalogId, displayName: 'Uses it', description: null, isHidden: 0, createdAt: at(), modifiedAt: at() }).execute();
    await t.store.db.insertInto('resourceRoleScopes').values({ id: `${roleId}_${scopeId}`, accessPackageId: pkgId, roleId, scopeId, createdAt: at() }).execute();

    const before = await countRequests();
    const refused = await t.admin.post(`${EM}/resourceRequests`, { requestType: 'adminRemove', resource: { id: resourceId }, catalog: { id: catalogId } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'InvalidDeleteResourceHasEntitlements');
    assert.equal(await countRequests(), before);
    assert.equal((await t.admin.get(`${EM}/catalogs/${catalogId}/resources/${resourceId}`)).status, 200);

    await t.store.db.deleteFrom('resourceRoleScopes').where('accessPackageId', '=', pkgId).execute();
    // the catalog may be left out: the resource names it
    const removed = await t.admin.post(`${EM}/resourceRequests`, { requestType: 'adminRemove', resource: { id: resourceId } });
    assert.equal(removed.status, 201);
    assert.equal(removed.body.requestType, 'adminRemove');
    assert.equal(removed.body.state, 'delivered');
    assert.equal((await t.admin.get(`${EM}/catalogs/${catalogId}/resources/${resourceId}`)).status, 404);
    assert.equal((await t.store.db.selectFrom('resourceRoles').select('id').where('resourceId', '=', resourceId).execute()).length, 0);
    assert.equal((await t.store.db.selectFrom('resourceScopes').select('id').where('resourceId', '=', resourceId).execute()).length, 0);
    const audit = await t.store.db.selectFrom('auditEvents').select('activity').where('targetId', '=', resourceId).orderBy('occurredAt').execute();
    assert.deepEqual(audit.map((e) => e.activity), ['Add resource to catalog', 'Remove resource from catalog']);

    const removedList = await t.admin.get(`${EM}/resourceRequests?$filter=requestType eq 'adminRemove' and catalog/id eq '${catalogId}'&$expand=resource`);
    assert.equal(removedList.body.value.length, 1);
    assert.equal(removedList.body.value[0].resource, null);

    // a resource that is not there
    const gone = await t.admin.post(`${EM}/resourceRequests`, { requestType: 'adminRemove', resource: { id: resourceId }, catalog: { id: catalogId } });
    assert.equal(gone.status, 404);
  });

  it('directory-groups connector grants, revokes and checks idempotently', async () => {
    const connector = createDirectoryGroupsConnector({ db: t.store.db, clock: t.clock });
    const groupId = await group('Provisioned');
    const user = await t.user();
    const target = { objectId: user.id };
    const member = { originId: `Member_${groupId}`, resourceOriginId: groupId };
    const owner = { originId: `Owner_${groupId}`, resourceOriginId: groupId };
    const root = { originId: groupId, isRootScope: true };

    assert.equal(await connector.check(target, member, root), false);
    assert.deepEqual(await connector.grant(target, member, root), { changed: true });
    assert.deepEqual(await connector.grant(target, member, root), { changed: false });
    assert.equal(await connector.check(target, member, root), true);
    const rows = await t.store.db.selectFrom('groupMembers').selectAll().where('groupId', '=', groupId).execute();
    assert.deepEqual(rows.map((r) => [r.memberId, r.memberType]), [[user.id, 'user']]);

    assert.deepEqual(await connector.grant(target, owner, root), { changed: true });
    assert.equal(await connector.check(target, owner, root), true);
    assert.deepEqual(await connector.revoke(target, owner, root), { changed: true });
    assert.deepEqual(await connector.revoke(target, owner, root), { changed: false });
    assert.equal(await connector.check(target, owner, root), false);
    // revoking ownership left membership alone
    assert.equal(await connector.check(target, member, root), true);

    assert.deepEqual(await connector.revoke(target, member, root), { changed: true });
    assert.deepEqual(await connector.revoke(target, member, root), { changed: false });
    assert.equal(await connector.check(target, member, root), false);

    await assert.rejects(connector.grant(target, { originId: 'Reader_x', resourceOriginId: groupId }, root), (e: unknown) => e instanceof ConnectorError && !e.retryable);
    const gone = newId();
    await assert.rejects(connector.grant(target, { originId: `Member_${gone}`, resourceOriginId: gone }, root), /no longer exists/);

    assert.equal(await connector.lookup('not-a-guid'), undefined);
    assert.equal((await connector.lookup(groupId))?.displayName, 'Provisioned');
  });

  it('registry resolves originSystem case-insensitively and lists the supported ones otherwise', () => {
    const registry = createConnectorRegistry(builtInConnectors({ db: t.store.db, clock: t.clock }));
    assert.equal(registry.get('aadgroup').originSystem, 'AadGroup');
    assert.deepEqual(registry.supported(), ['AadGroup']);
    assert.throws(() => registry.get('SharePointOnline'), (e: unknown) => e instanceof ValidationError && /SharePointOnline.*AadGroup/.test(e.message));
    assert.throws(() => createConnectorRegistry([...builtInConnectors({ db: t.store.db, clock: t.clock }), ...builtInConnectors({ db: t.store.db, clock: t.clock })]), /Two connectors/);
  });
});
