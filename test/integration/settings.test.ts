import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { EM } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const SETTINGS = `${EM}/settings`;

describe('entitlement management settings', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.close(); });

  const settingsEvents = () => t.store.db.selectFrom('auditEvents').selectAll().where('targetType', '=', 'entitlementManagementSettings').orderBy('occurredAt').execute();

  it('answers with the defaults before anything is changed, without writing', async () => {
    const r = await t.admin.get(SETTINGS);
    assert.equal(r.status, 200);
    assert.equal(r.body.externalUserLifecycleAction, 'blockSignInAndDelete');
    assert.equal(r.body.durationUntilExternalUserDeletedAfterBlocked, 'P30D');
    assert.match(r.body['@odata.context'], /\$metadata#identityGovernance\/entitlementManagement\/settings\/\$entity$/);
    assert.ok(r.body.id, 'expected: r.body.id');
    assert.deepEqual(await t.store.db.selectFrom('settings').selectAll().execute(), []);
  });

  it('round-trips a change, case-insensitively for the enum, and audits old and new values', async () => {
    t.clock.advance(1000);
    const p = await t.admin.patch(SETTINGS, { externalUserLifecycleAction: 'BLOCKSIGNIN', durationUntilExternalUserDeletedAfterBlocked: 'P14D' });
    assert.equal(p.status, 204, p.text);
    assert.equal(p.text, '');
    const r = await t.admin.get(SETTINGS);
    assert.equal(r.body.externalUserLifecycleAction, 'blockSignIn');
    assert.equal(r.body.durationUntilExternalUserDeletedAfterBlocked, 'P14D');

    t.clock.advance(1000);
    assert.equal((await t.admin.patch(SETTINGS, { durationUntilExternalUserDeletedAfterBlocked: 'PT0S' })).status, 204);
    const r2 = await t.admin.get(SETTINGS);
    assert.equal(r2.body.externalUserLifecycleAction, 'blockSignIn', 'a partial PATCH keeps the other setting');
    assert.equal(r2.body.durationUntilExternalUserDeletedAfterBlocked, 'PT0S');
    // a client may send the object it read back, with its read-only id and annotation
    assert.equal((await t.admin.patch(SETTINGS, { ...r2.body })).status, 204);

    const events = await settingsEvents();
    assert.deepEqual(events.map((e) => e.activity), ['Update entitlement management settings', 'Update entitlement management settings'], 'an unchanged PATCH writes no event');
    assert.deepEqual(JSON.parse(events[0].modifiedProperties), [
      { displayName: 'externalUserLifecycleAction', oldValue: 'blockSignInAndDelete', newValue: 'blockSignIn' },
      { displayName: 'durationUntilExternalUserDeletedAfterBlocked', oldValue: 'P30D', newValue: 'P14D' },
    ]);
    assert.deepEqual(JSON.parse(events[1].modifiedProperties), [
      { displayName: 'durationUntilExternalUserDeletedAfterBlocked', oldValue: 'P14D', newValue: 'PT0S' },
    ]);
    assert.equal(events[0].actorId, t.adminId);
    assert.equal(events[0].category, 'EntitlementManagement');
  });

  it('rejects bad values with a 400 naming the field, changing nothing', async () => {
    const before = (await t.admin.get(SETTINGS)).body;
    const cases: [unknown, string][] = [
      [{ externalUserLifecycleAction: 'deleteNow' }, 'externalUserLifecycleAction'],
      [{ durationUntilExternalUserDeletedAfterBlocked: '30 days' }, 'durationUntilExternalUserDeletedAfterBlocked'],
      [{ durationUntilExternalUserDeletedAfterBlocked: '-P1D' }, 'durationUntilExternalUserDeletedAfterBlocked'],
      [{ durationUntilExternalUserDeletedAfterBlocked: 30 }, 'durationUntilExternalUserDeletedAfterBlocked'],
      [{ externalUserLifecycleAction: 'none', durationUntilExternalUserDeletedAfterBlocked: 'P' }, 'durationUntilExternalUserDeletedAfterBlocked'],
      [{ retention: 'P1D' }, 'retention'],
    ];
    for (const [body, target] of cases) {
      const r = await t.admin.patch(SETTINGS, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.text}`);
      assert.equal(r.body.error.target, target);
    }
    assert.deepEqual((await t.admin.get(SETTINGS)).body, before);
  });

  it('lets connected organization administrators read but only administrators write', async () => {
    const orgAdmin = await t.user();
    await t.grantRole(orgAdmin.id, RoleDefinitionIds.connectedOrganizationAdministrator);
    assert.equal((await orgAdmin.client.get(SETTINGS)).status, 200);
    const denied = await orgAdmin.client.patch(SETTINGS, { externalUserLifecycleAction: 'none' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'Authorization_RequestDenied');
    const plain = await t.user();
    assert.equal((await plain.client.get(SETTINGS)).status, 403);
    assert.equal((await plain.client.patch(SETTINGS, { externalUserLifecycleAction: 'none' })).status, 403);
    assert.equal((await t.anonymous.get(SETTINGS)).status, 401);
    assert.notEqual((await t.admin.get(SETTINGS)).body.externalUserLifecycleAction, 'none');
  });
});
