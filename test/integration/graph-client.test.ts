import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, PageIterator, type PageCollection } from '@microsoft/microsoft-graph-client';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';
import { newUserRow } from '../../src/store/users.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Drives Latchkey with the official Microsoft Graph JavaScript client, pointed at the test server,
// to prove that SDK code written for Graph works unchanged. The SDK sends tokens only over HTTPS
// (and follows only https nextLinks), so the server runs with a throw-away self-signed certificate.

function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
