import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, PageIterator, type PageCollection } from '@microsoft/microsoft-graph-client';
import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';
import { backoffMs } from '../../src/domain/backoff.js';
import { EM } from '../support/client.js';
import { makePackage, makePolicy, stage } from '../support/lifecycle.js';
import { newUserRow } from '../../src/store/users.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { selfSignedCertificate } from '../support/tls.js';

// Drives Latchkey with the official Microsoft Graph JavaScript client, pointed at the test server,
// to prove that SDK code written for Graph works unchanged. The SDK sends tokens only over HTTPS
// (and follows only https nextLinks), so the server runs with a throw-away self-signed certificate.

describe('Microsoft Graph JavaScript client compatibility', () => {
  let t: TestServer;
  let graph: Client;
  let previous: Dispatcher;
  before(async () => {
    const tls = selfSignedCertificate();
    t = await startTestServer({ https: tls });
    previous = getGlobalDispatcher();
    setGlobalDispatcher(new Agent({ connect: { ca: tls.cert } }));
    graph = Client.initWithMiddleware({
      baseUrl: `${t.url}/`,
      defaultVersion: 'v1.0',
      authProvider: { getAccessToken: async () => t.admin.token! },
      // like any non-Microsoft endpoint, the host must be named for the SDK to send it the token
      customHosts: new Set(['localhost']),
    });
  });
  after(async () => {
    setGlobalDispatcher(previous);
    await t.close();
  });

  it('creates a catalog and reads it back with $filter and $select', async () => {
    const created = await graph.api('/identityGovernance/entitlementManagement/catalogs').post({ displayName: 'SDK catalog', description: 'made by the Graph SDK', isExternallyVisible: false });
    assert.equal(created.displayName, 'SDK catalog');
    const found = await graph.api('/identityGovernance/entitlementManagement/catalogs').filter("displayName eq 'SDK catalog'").select('id,displayName').get();
    assert.deepEqual(found.value, [{ id: created.id, displayName: 'SDK catalog' }]);
    await graph.api(`/identityGovernance/entitlementManagement/catalogs/${created.id}`).patch({ description: 'patched' });
    const again = await graph.api(`/identityGovernance/entitlementManagement/catalogs/${created.id}`).get();
    assert.equal(again.description, 'patched');
  });

  it('runs the whole set-up flow: group, catalog, resource request, package, Member role, read back with $expand', async () => {
    const em = '/identityGovernance/entitlementManagement';
    const group = await graph.api('/groups').post({ displayName: 'Sales reps', mailEnabled: false, mailNickname: 'salesreps', securityEnabled: true });
    const catalog = await graph.api(`${em}/catalogs`).post({ displayName: 'Sales', description: 'Sales resources', isExternallyVisible: false });
    const request = await graph.api(`${em}/resourceRequests`).post({
      requestType: 'adminAdd',
      resource: { displayName: 'Sales reps', originId: group.id, originSystem: 'AadGroup' },
      catalog: { id: catalog.id },
    });
    assert.equal(request.state, 'delivered');
    const resources = await graph.api(`${em}/catalogs/${catalog.id}/resources`).expand('roles,scopes').get();
    assert.equal(resources.value.length, 1);
    const resource = resources.value[0];
    const member = resource.roles.find((r: { displayName: string }) => r.displayName === 'Member');
    assert.equal(member.originId, `Member_${group.id}`);
    const root = resource.scopes.find((x: { isRootScope: boolean }) => x.isRootScope);

    const pkg = await graph.api(`${em}/accessPackages`).post({ displayName: 'sales reps', description: 'outside sales representatives', isHidden: false, catalog: { id: catalog.id } });
    const rrs = await graph.api(`${em}/accessPackages/${pkg.id}/resourceRoleScopes`).post({
      role: { id: member.id, displayName: 'Member', originSystem: 'AadGroup', originId: member.originId, resource: { id: resource.id, originId: group.id, originSystem: 'AadGroup' } },
      scope: { id: root.id, displayName: 'Root', description: 'Root Scope', originId: group.id, originSystem: 'AadGroup', isRootScope: true },
    });
    assert.equal(rrs.id, `${member.id}_${root.id}`);

    const back = await graph.api(`${em}/accessPackages/${pkg.id}`).expand('resourceRoleScopes($expand=role,scope),catalog').get();
    assert.equal(back.catalog.id, catalog.id);
    assert.equal(back.resourceRoleScopes.length, 1);
    assert.equal(back.resourceRoleScopes[0].role.originId, `Member_${group.id}`);
    assert.equal(back.resourceRoleScopes[0].scope.isRootScope, true);
    const filtered = await graph.api(`${em}/accessPackages`).filter(`catalog/id eq '${catalog.id}'`).get();
    assert.deepEqual(filtered.value.map((p: { id: string }) => p.id), [pkg.id]);
  });

  it('pages through a collection with the PageIterator', async () => {
    for (let i = 0; i < 7; i++) await graph.api('/identityGovernance/entitlementManagement/catalogs').post({ displayName: `SDK page ${i}` });
    const first: PageCollection = await graph.api('/identityGovernance/entitlementManagement/catalogs').filter("startswith(displayName,'SDK page')").top(3).get();
    const names: string[] = [];
    const it = new PageIterator(graph, first, (c: { displayName: string }) => { names.push(c.displayName); return true; });
    await it.iterate();
    assert.deepEqual(names.sort(), Array.from({ length: 7 }, (_, i) => `SDK page ${i}`));
  });

  it('posts every action documented without a request body with .post() and no body (the SDK sends Content-Type: application/json and nothing)', async () => {
    const em = '/identityGovernance/entitlementManagement';
    // .post(undefined) is JavaScript's .post(): the SDK's typings want an argument
    // a package whose TestSystem resource fails at first, so that a delivery fails and can be reprocessed
    const fx = await makePackage(t, 'SDK bodiless actions', { testResources: ['sdk-down'] });
    const direct = await makePolicy(t, fx.packageId, { scope: 'notSpecified' });
    const approved = await makePolicy(t, fx.packageId, { scope: 'allMemberUsers', stages: [stage([t.adminId])] });

    const requirements = await graph.api(`${em}/accessPackages/${fx.packageId}/getApplicablePolicyRequirements`).post(undefined);
    assert.deepEqual(requirements.value.map((r: { policyId: string }) => r.policyId), [approved]);

    // cancel: a request waiting for approval
    const requestor = await t.user();
    const pending = await requestor.client.post(`${EM}/assignmentRequests`, { requestType: 'userAdd', assignment: { accessPackageId: fx.packageId, assignmentPolicyId: approved, targetId: requestor.id } });
    assert.equal(pending.status, 201, pending.text);
    const cancelled = await graph.api(`${em}/assignmentRequests/${pending.body.id}/cancel`).post(undefined);
    assert.equal(cancelled.state, 'canceled');

    // reprocess a failed request, then its (delivered) assignment
    const target = await t.user();
    t.connector.failNext('sdk-down');
    const failed = await graph.api(`${em}/assignmentRequests`).post({ requestType: 'adminAdd', assignment: { accessPackageId: fx.packageId, assignmentPolicyId: direct, targetId: target.id } });
    for (let i = 1; i <= 10 && (await t.admin.get(`${EM}/assignmentRequests/${failed.id}`)).body.state !== 'partiallyDelivered'; i++) {
      await t.drain();
      t.clock.advance(backoffMs(i) + 1);
    }
    assert.equal((await t.admin.get(`${EM}/assignmentRequests/${failed.id}`)).body.state, 'partiallyDelivered', 'setup: a partly failed delivery');
    t.connector.heal('sdk-down');
    await graph.api(`${em}/assignmentRequests/${failed.id}/reprocess`).post(undefined);
    await t.drain();
    const delivered = await graph.api(`${em}/assignmentRequests/${failed.id}`).get();
    assert.equal(delivered.state, 'delivered');
    const assignment = (await graph.api(`${em}/assignments`).filter(`accessPackage/id eq '${fx.packageId}' and target/objectId eq '${target.id}'`).get()).value[0];
    await graph.api(`${em}/assignments/${assignment.id}/reprocess`).post(undefined);

    // an action that needs a body still names what is missing
    await assert.rejects(graph.api(`${em}/assignmentRequests`).post(undefined), (e: { statusCode: number; message: string }) => e.statusCode === 400 && /requestType/.test(e.message));
    await assert.rejects(graph.api(`${em}/catalogs`).post(undefined), (e: { statusCode: number; message: string }) => e.statusCode === 400 && /displayName/.test(e.message));
  });

  it('creates the reference\'s example policy with questions verbatim (booleans and numbers written as strings); read-back has real ones', async () => {
    // Example 4 of "Create assignmentPolicies" (Graph v1.0), as published: its ids are made to exist here
    const at = t.clock.now().toISOString();
    await t.store.db.insertInto('users').values({ ...newUserRow({ displayName: 'Approver', userPrincipalName: 'approver@example4.test' }, at), id: '08a551cb-575a-4343-b914-f6e42798bd20' }).execute();
    const catalog = await graph.api('/identityGovernance/entitlementManagement/catalogs').post({ displayName: 'Example 4' });
    const pkg = await graph.api('/identityGovernance/entitlementManagement/accessPackages').post({ displayName: 'Example 4', catalog: { id: catalog.id } });
    await t.store.db.updateTable('accessPackages').set({ id: '977c7ff4-ef8f-4910-9d31-49048ddf3120' }).where('id', '=', pkg.id).execute();
    const body = JSON.parse(`{
    "displayName": "A Policy With Questions",
    "description": "",
    "allowedTargetScope": "allMemberUsers",
    "expiration": {
        "type": "noExpiration"
    },
    "requestorSettings": {
        "enableTargetsToSelfAddAccess": "true",
        "enableTargetsToSelfUpdateAccess": "true",
        "enableTargetsToSelfRemoveAccess": "true"
    },
    "requestApprovalSettings": {
        "isApprovalRequiredForAdd": "true",
        "isApprovalRequiredForUpdate": "true",
        "stages": [
            {
                "durationBeforeAutomaticDenial": "P7D",
                "isApproverJustificationRequired": "false",
                "isEscalationEnabled": "false",
                "fallbackPrimaryApprovers": [],
                "escalationApprovers": [],
                "fallbackEscalationApprovers": [],
                "primaryApprovers": [
                    {
                        "@odata.type": "#microsoft.graph.singleUser",
                        "userId": "08a551cb-575a-4343-b914-f6e42798bd20"
                    }
                ]
            }
        ]
    },
    "questions": [
        {
            "@odata.type": "#microsoft.graph.accessPackageMultipleChoiceQuestion",
            "sequence": "1",
            "isRequired": "true",
            "isAnswerEditable": "true",
            "text": "What country are you working from?",
            "isMultipleSelectionAllowed": "false",
            "choices": [
                {
                    "@odata.type": "microsoft.graph.accessPackageAnswerChoice",
                    "actualValue": "KE",
                    "text": "Kenya"
                },
                {
                    "@odata.type": "microsoft.graph.accessPackageAnswerChoice",
                    "actualValue": "US",
                    "text": "United States"
                },
                {
                    "@odata.type": "microsoft.graph.accessPackageAnswerChoice",
                    "actualValue": "GY",
                    "text": "Guyana"
                },
                {
                    "@odata.type": "microsoft.graph.accessPackageAnswerChoice",
                    "actualValue": "BD",
                    "text": "Bangladesh"
                },
                {
                    "@odata.type": "microsoft.graph.accessPackageAnswerChoice",
                    "actualValue": "JP",
                    "text": "Japan"
                }
            ]
        },
        {
            "@odata.type": "#microsoft.graph.accessPackageTextInputQuestion",
            "sequence": "2",
            "isRequired": "true",
            "isAnswerEditable": "true",
            "text": "What do you do for work?",
            "localizations": [
                {
                    "languageCode": "fr-CA",
                    "text": "Que fais-tu comme travail?"
                }
            ],
            "isSingleLineQuestion": "false",
            "regexPattern": "[a-zA-Z]+[a-zA-Z\\\\s]*"
        }
    ],
    "accessPackage": {
        "id": "977c7ff4-ef8f-4910-9d31-49048ddf3120"
    }
}`);
    const created = await graph.api('/identityGovernance/entitlementManagement/assignmentPolicies').post(body);
    assert.equal(created.displayName, 'A Policy With Questions');
    assert.equal(created.allowedTargetScope, 'allMemberUsers');
    const read = await graph.api(`/identityGovernance/entitlementManagement/assignmentPolicies/${created.id}`).expand('questions').get();
    for (const got of [created, read]) {
      assert.deepEqual([got.requestorSettings.enableTargetsToSelfAddAccess, got.requestorSettings.enableTargetsToSelfUpdateAccess, got.requestorSettings.enableTargetsToSelfRemoveAccess], [true, true, true]);
      assert.deepEqual([got.requestApprovalSettings.isApprovalRequiredForAdd, got.requestApprovalSettings.isApprovalRequiredForUpdate], [true, true]);
      const stage = got.requestApprovalSettings.stages[0];
      assert.deepEqual([stage.isApproverJustificationRequired, stage.isEscalationEnabled, stage.durationBeforeAutomaticDenial], [false, false, 'P7D']);
      const [country, work] = got.questions;
      assert.deepEqual([country.sequence, country.isRequired, country.isAnswerEditable, country.isMultipleSelectionAllowed], [1, true, true, false]);
      assert.deepEqual(country.choices.map((c: { actualValue: string }) => c.actualValue), ['KE', 'US', 'GY', 'BD', 'JP']);
      assert.deepEqual([work.sequence, work.isRequired, work.isSingleLineQuestion, work.regexPattern], [2, true, false, '[a-zA-Z]+[a-zA-Z\\s]*']);
    }
  });

  it('surfaces Graph errors as GraphError with code and status', async () => {
    await assert.rejects(
      graph.api('/identityGovernance/entitlementManagement/catalogs').post({ displayName: 5 }),
      (e: { statusCode: number; code: string; message: string }) => e.statusCode === 400 && e.code === 'BadRequest' && /displayName/.test(e.message),
    );
  });
});
