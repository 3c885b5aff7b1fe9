import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { EM } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('catalogs', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  it('has the built-in General catalog', async () => {
    const r = await t.admin.get(`${EM}/catalogs?$filter=catalogType eq 'serviceDefault'`);
    assert.equal(r.status, 200);
    assert.equal(r.body.value.length, 1);
    assert.equal(r.body.value[0].displayName, 'General');
  });

  it('creates, reads, updates and deletes a catalog, writing audit events', async () => {
    const c = await t.admin.post(`${EM}/catalogs`, { displayName: 'Marketing', description: 'Marketing resources', isExternallyVisible: false });
    assert.equal(c.status, 201);
    assert.equal(c.body.displayName, 'Marketing');
    assert.equal(c.body.state, 'published');
    assert.equal(c.body.catalogType, 'userManaged');
    assert.equal(c.body.isExternallyVisible, false);
    assert.match(c.body.createdDateTime, /^\d{4}-\d{2}-\d{2}T/);
    const id = c.body.id;

    const g = await t.admin.get(`${EM}/catalogs/${id}`);
    assert.equal(g.status, 200);
    assert.deepEqual(g.body, c.body);
    const etag = g.headers.get('etag');
    assert.ok(etag, 'expected: etag');

    const u = await t.admin.patch(`${EM}/catalogs/${id}`, { state: 'UNPUBLISHED', description: 'changed' }, { 'if-match': etag! });
    assert.equal(u.status, 204);
    const g2 = await t.admin.get(`${EM}/catalogs/${id}`);
    assert.equal(g2.body.state, 'unpublished');
    assert.equal(g2.body.description, 'changed');

    const stale = await t.admin.patch(`${EM}/catalogs/${id}`, { description: 'again' }, { 'if-match': etag! });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.error.code, 'PreconditionFailed');

    const events = await t.store.db.selectFrom('auditEvents').selectAll().where('targetId', '=', id).orderBy('occurredAt').execute();
    assert.deepEqual(events.map((e) => e.activity), ['Create catalog', 'Update catalog']);
    const changed = JSON.parse(events[1].modifiedProperties).map((p: { displayName: string }) => p.displayName).sort();
    assert.deepEqual(changed, ['description', 'state']);

    const d = await t.admin.delete(`${EM}/catalogs/${id}`);
    assert.equal(d.status, 204);
    assert.equal((await t.admin.get(`${EM}/catalogs/${id}`)).status, 404);
  });

  it('refuses to delete a catalog that still has access packages', async () => {
    const c = await t.admin.post(`${EM}/catalogs`, { displayName: 'With packages' });
    await t.store.db.insertInto('accessPackages').values({
      id: crypto.randomUUID(), catalogId: c.body.id, displayName: 'p', description: null, isHidden: 0, createdAt: '2026-01-01T00:00:00.000Z', modifiedAt: '2026-01-01T00:00:00.000Z',
    }).execute();
    const d = await t.admin.delete(`${EM}/catalogs/${c.body.id}`);
    assert.equal(d.status, 409);
    assert.equal(d.body.error.code, 'InvalidDeleteCatalogHasAccessPackages');
    assert.match(d.body.error.message, /still has access packages/);
    assert.equal((await t.admin.get(`${EM}/catalogs/${c.body.id}`)).status, 200);
  });

  it('filters, orders, pages and counts', async () => {
    for (const n of ['Alpha', 'Beta', 'Gamma', 'Delta', 'Epsilon']) await t.admin.post(`${EM}/catalogs`, { displayName: `Page ${n}` });
    const r = await t.admin.get(`${EM}/catalogs?$filter=startswith(displayName,'page ')&$orderby=displayName desc&$top=2&$count=true`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.value.map((c: { displayName: string }) => c.displayName), ['Page Gamma', 'Page Epsilon']);
    assert.equal(r.body['@odata.count'], 5);
    const seen = [...r.body.value];
    let next: string | undefined = r.body['@odata.nextLink'];
    while (next) {
      const p = await t.admin.get(next.replace(t.url, ''));
      assert.equal(p.status, 200);
      seen.push(...p.body.value);
      next = p.body['@odata.nextLink'];
    }
    assert.deepEqual(seen.map((c) => c.displayName), ['Page Gamma', 'Page Epsilon', 'Page Delta', 'Page Beta', 'Page Alpha']);

    const sel = await t.admin.get(`${EM}/catalogs?$select=displayName&$filter=displayName eq 'Page Beta' or displayName in ('Page Alpha')`);
    assert.deepEqual(sel.body.value.map((c: Record<string, unknown>) => Object.keys(c).sort()), [['displayName', 'id'], ['displayName', 'id']]);
  });

  it('rejects a filter on an unknown property, naming it', async () => {
    const r = await t.admin.get(`${EM}/catalogs?$filter=colour eq 'red'`);
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /colour/);
  });

  it('lets a catalog creator create catalogs, own them, and see nothing else', async () => {
    const creator = await t.user();
    await t.grantRole(creator.id, RoleDefinitionIds.catalogCreator);
    const other = await t.admin.post(`${EM}/catalogs`, { displayName: 'Not yours' });
    const mine = await creator.client.post(`${EM}/catalogs`, { displayName: 'Creator catalog' });
    assert.equal(mine.status, 201);
    const list = await creator.client.get(`${EM}/catalogs`);
    assert.deepEqual(list.body.value.map((c: { id: string }) => c.id), [mine.body.id]);
    assert.equal((await creator.client.get(`${EM}/catalogs/${other.body.id}`)).status, 403);
    assert.equal((await creator.client.patch(`${EM}/catalogs/${mine.body.id}`, { description: 'ok' })).status, 204);
    assert.equal((await creator.client.patch(`${EM}/catalogs/${other.body.id}`, { description: 'no' })).status, 403);
  });

  it('requires a token, and rejects bad ones', async () => {
    assert.equal((await t.anonymous.get(`${EM}/catalogs`)).status, 401);
    const bad = await t.anonymous.get(`${EM}/catalogs`, { authorization: 'Bearer lk_nope' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, 'InvalidAuthenticationToken');
    assert.ok(bad.body.error.innerError['request-id'], 'expected: bad.body.error.innerError[\'request-id\']');
  });
});
