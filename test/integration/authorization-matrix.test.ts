import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoleDefinitionIds as R } from '../../src/domain/authorization.js';
import { newId } from '../../src/domain/ids.js';
import { generateSigningSecret } from '../../src/connectors/webhook/index.js';
import { EM, type ApiClient } from '../support/client.js';
import { mutatingRouteKeys, openApiMutatingKeys, routeKey, type MutatingMethod } from '../support/matrix.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { accessPackageSet, roleScopeSet } from '../../src/api/read/access-packages.js';
import { assignmentPolicySet } from '../../src/api/read/policies.js';
import { requestSet } from '../../src/api/read/requests.js';
import { assignmentSet } from '../../src/api/read/assignments.js';
import { catalogSet } from '../../src/api/read/catalogs.js';
import { connectedOrganizationSet } from '../../src/api/read/connected-organizations.js';
import { resourceRequestSet, resourceRoleSet, resourceScopeSet, resourceSet } from '../../src/api/read/resources.js';
import { subjectSet } from '../../src/api/read/subjects.js';
import { Webhook } from 'standardwebhooks';
import { addConnectedRole, makeCatalogAndPackage, makeConnection } from '../support/connections.js';
import { adminAdd, directPolicy } from '../support/lifecycle.js';
import { insertGovernedResource } from '../support/reconcile-fixture.js';

// The authorization matrix: every mutating route × every kind of principal, with the outcome the
// delegation model (reference §1.2) prescribes written out by hand. The expectations are NOT computed
// from src/domain/authorization.ts, so a wrong entry there (or a route declaring the wrong rule) makes
// a cell differ. Each call works on objects made for it, so an allowed call really succeeds with the
// route's success status and a refused one is a 403, never a 404 or a conflict left by an earlier cell.

const V1 = '/v1.0';
const RM = `${V1}/roleManagement/entitlementManagement`;
const ORGS = `${EM}/connectedOrganizations`;
const GRAPH = 'https://graph.microsoft.com/v1.0';
const CONNECTIONS = '/latchkey/v1/connections';

/** The principals of the matrix. Catalog roles are held in catalog A only. */
const WHO = [
  'administrator',
  'catalogCreator',
  'connectedOrgAdmin',
  'plainUser',
  'catalogOwner',
  'catalogReader',
  'packageManager',
  'assignmentManager',
  'nestedGroupOwner', // catalog owner of A through a group nested in the group that holds the role
] as const;
type Who = (typeof WHO)[number];

const ADMIN: readonly Who[] = ['administrator'];
const CATALOG_OWNERS: readonly Who[] = ['administrator', 'catalogOwner', 'nestedGroupOwner'];
const PACKAGE_WRITERS: readonly Who[] = ['administrator', 'catalogOwner', 'packageManager', 'nestedGroupOwner'];
const ASSIGNERS: readonly Who[] = ['administrator', 'catalogOwner', 'packageManager', 'assignmentManager', 'nestedGroupOwner'];

/** Which catalog a cell works in: A, where the catalog roles are held, or B, where none is. */
type Where = 'A' | 'B';

interface Cell { path: string; body?: unknown; headers?: Record<string, string> }

interface MatrixRow {
  method: MutatingMethod;
  /** the route as registered (Fastify syntax) */
  route: string;
  variant?: string;
  /** the status of an allowed call */
  ok: number;
  /**
   * Who may. A tenant row is called once per principal; a catalog row once in catalog A and once in
   * catalog B, each with its own list (catalog roles never reach B: only tenant roles apply there).
   */
  allowed: { tenant: readonly Who[] } | { A: readonly Who[]; B: readonly Who[] };
  /** makes the objects the call needs (fresh ones when the call changes or destroys its target) */
  prepare: (catalogId: string, where: Where) => Promise<Cell>;
  /** the status of a refused call: 403, or 401 where a person's credentials are no credentials at all (/scim/v2) */
  refusedStatus?: number;
}

type Outcome = 'allowed' | 'refused' | string;

describe('authorization matrix', () => {
  let t: TestServer;
  const clients = new Map<Who, ApiClient>();
  const userIds = new Map<Who, string>();
  let catalogA = '';
  let catalogB = '';
  /** a group added as a resource to each catalog, for resource role scopes */
  const resourceGroup: Record<Where, { groupId: string; resourceId: string }> = { A: { groupId: '', resourceId: '' }, B: { groupId: '', resourceId: '' } };
  let ownerGroupId = '';
  let bossId = '';

  const catalogOf = (where: Where) => (where === 'A' ? catalogA : catalogB);

  async function created(p: Promise<{ status: number; body: { id: string }; text: string }>, what: string): Promise<string> {
    const r = await p;
    assert.equal(r.status, 201, `setup: creating ${what}: ${r.text}`);
    return r.body.id;
  }
  async function done(p: Promise<{ status: number; text: string }>, what: string): Promise<void> {
    const r = await p;
    assert.ok(r.status === 201 || r.status === 204, `setup: ${what}: ${r.status} ${r.text}`);
  }

  const freshUser = async () => (await t.user()).id;
  const ref = (collection: string, id: string) => ({ '@odata.id': `${GRAPH}/${collection}/${id}` });
  const newGroup = (owners: string[] = []) =>
    created(t.admin.post(`${V1}/groups`, {
      displayName: `matrix group ${newId().slice(0, 8)}`,
      ...(owners.length ? { 'owners@odata.bind': owners.map((id) => `${GRAPH}/users/${id}`) } : {}),
    }), 'a group');
  const newCatalog = () => created(t.admin.post(`${EM}/catalogs`, { displayName: `matrix catalog ${newId().slice(0, 8)}` }), 'a catalog');
  const newPackage = (catalogId: string) =>
    created(t.admin.post(`${EM}/accessPackages`, { displayName: `matrix package ${newId().slice(0, 8)}`, catalog: { id: catalogId } }), 'an access package');
  const newPolicy = async (catalogId: string) =>
    created(t.admin.post(`${EM}/assignmentPolicies`, { displayName: `matrix policy ${newId().slice(0, 8)}`, accessPackage: { id: await newPackage(catalogId) } }), 'an assignment policy');
  const newOrg = () => {
    const domain = `d${newId().slice(0, 8)}.example`;
    return created(t.admin.post(ORGS, {
      displayName: `org ${domain}`,
      identitySources: [{ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: domain, displayName: domain }],
    }), 'a connected organization');
  };
  const connectionBody = () => ({
    kind: 'webhook', displayName: `matrix connection ${newId().slice(0, 8)}`,
    settings: { url: 'http://127.0.0.1:9/hook', resources: [{ id: 'member-resource', displayName: 'Matrix resource' }] }, secrets: { signingSecret: generateSigningSecret() },
  });
  const newConnection = () => created(t.admin.post(CONNECTIONS, connectionBody()), 'a connection');
  const addResource = async (catalogId: string, groupId: string): Promise<string> => {
    const r = await t.admin.post(`${EM}/resourceRequests`, {
      requestType: 'adminAdd', resource: { originId: groupId, originSystem: 'AadGroup' }, catalog: { id: catalogId },
    });
    assert.equal(r.status, 201, `setup: adding a resource: ${r.text}`);
    return r.body.resource.id as string;
  };
  const newRoleScope = async (packageId: string, where: Where): Promise<string> => {
    const { groupId, resourceId } = resourceGroup[where];
    const r = await t.admin.post(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, {
      role: { originSystem: 'AadGroup', originId: `Member_${groupId}`, resource: { id: resourceId } },
      scope: { isRootScope: true },
    });
    assert.equal(r.status, 201, `setup: adding a resource role scope: ${r.text}`);
    return r.body.id as string;
  };
  /** gives the catalog-role principals their roles in a catalog, as they hold them in A */
  const grantCatalogRoles = async (catalogId: string) => {
    await t.grantRole(userIds.get('catalogOwner')!, R.catalogOwner, catalogId);
    await t.grantRole(userIds.get('catalogReader')!, R.catalogReader, catalogId);
    await t.grantRole(userIds.get('packageManager')!, R.accessPackageManager, catalogId);
    await t.grantRole(userIds.get('assignmentManager')!, R.accessPackageAssignmentManager, catalogId);
    await t.grantRole(ownerGroupId, R.catalogOwner, catalogId);
  };
  /** a package in the catalog with one policy of the given scope, no approval, no expiry */
  const lifecycleFixture = async (catalogId: string, scope: string, extra: Record<string, unknown> = {}) => {
    const packageId = await newPackage(catalogId);
    const policyId = await created(t.admin.post(`${EM}/assignmentPolicies`, {
      displayName: `matrix ${scope}`, allowedTargetScope: scope, accessPackage: { id: packageId }, expiration: { type: 'noExpiration' },
      requestorSettings: { enableTargetsToSelfAddAccess: scope !== 'notSpecified' }, ...extra,
    }), 'a policy');
    return { packageId, policyId };
  };
  /** a request waiting for a fresh approver */
  const pendingRequest = async (catalogId: string) => {
    const approver = await freshUser();
    const { packageId, policyId } = await lifecycleFixture(catalogId, 'allMemberUsers', {
      requestApprovalSettings: { isApprovalRequiredForAdd: true, stages: [{
        durationBeforeAutomaticDenial: 'P14D', primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: approver }],
      }] },
    });
    const requestor = await t.user();
    return created(requestor.client.post(`${EM}/assignmentRequests`, { requestType: 'userAdd', assignment: { accessPackageId: packageId, assignmentPolicyId: policyId } }), 'a pending request');
  };
  const deliveredAssignment = async (catalogId: string, testResource?: string) => {
    const { packageId, policyId } = await lifecycleFixture(catalogId, 'notSpecified');
    if (testResource) {
      const res = await t.admin.post(`${EM}/resourceRequests`, { requestType: 'adminAdd', resource: { originId: testResource, originSystem: 'TestSystem' }, catalog: { id: catalogId } });
      assert.equal(res.status, 201, `setup: a test resource: ${res.text}`);
      const role = res.body.resource.roles[0];
      await done(t.admin.post(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, { role: { id: role.id }, scope: { id: res.body.resource.scopes[0].id } }), 'a role');
    }
    const requestId = await created(t.admin.post(`${EM}/assignmentRequests`, {
      requestType: 'adminAdd', assignment: { accessPackageId: packageId, assignmentPolicyId: policyId, targetId: await freshUser() },
    }), 'a direct assignment');
    await t.drain();
    const r = await t.admin.get(`${EM}/assignmentRequests/${requestId}?$expand=assignment`);
    return { requestId, assignmentId: r.body.assignment.id as string, state: r.body.state as string };
  };
  /** an assignment whose only resource refused delivery for good */
  const failedAssignment = async (catalogId: string) => {
    const resource = `broken-${newId().slice(0, 8)}`;
    t.connector.failNext(resource, 1_000_000);
    let a = await deliveredAssignment(catalogId, resource);
    for (let i = 0; i < 10 && a.state !== 'deliveryFailed'; i++) {
      t.clock.advance(15 * 60_000);
      await t.drain();
      a = { ...a, state: (await t.admin.get(`${EM}/assignmentRequests/${a.requestId}`)).body.state };
    }
    assert.equal(a.state, 'deliveryFailed', 'setup: a failed delivery');
    return a;
  };
  /** a connection to a directory nobody listens on: reconciliation rows need a connection, not a live one */
  const newLdapConnection = () => makeConnection(t, { kind: 'ldap', settings: { url: 'ldap://127.0.0.1:1', bindDn: 'cn=admin,dc=x', baseDn: 'dc=x' }, secrets: { bindPassword: 'matrix-secret' } });
  // written to the store: the API's adminAdd would look the group up in the (absent) directory and refuse it
  const SOURCES = '/latchkey/v1/identitySources';
  const newLdapSource = async () => created(t.admin.post(SOURCES, { kind: 'ldap', displayName: `matrix source ${newId().slice(0, 8)}`, connectionId: await newLdapConnection() }), 'an identity source');
  const newConnectedResource = async (catalogId: string) =>
    (await insertGovernedResource(t, { catalogId, connectionId: await newLdapConnection(), originSystem: 'LdapGroup', originId: `cn=m${newId().slice(0, 8)},dc=x`, roles: ['member'] })).resourceId;
  const newRoleAssignment = (body: { principalId: string; roleDefinitionId: string; appScopeId: string }) =>
    created(t.admin.post(`${RM}/roleAssignments`, body), 'a role assignment');

  /**
   * A webhook receiver's confirmation, signed with the connection's secret, of a delivery that is not
   * awaited (the receiver never answered 202): answered 200 without changing anything. The signature is
   * the route's only authentication, so every principal's call is the same.
   */
  let confirmable: { connectionId: string; secret: string; deliveryId: string } | undefined;
  const signedConfirmation = async (): Promise<Cell> => {
    if (!confirmable) {
      const secret = generateSigningSecret();
      const connectionId = await makeConnection(t, {
        kind: 'webhook', secrets: { signingSecret: secret },
        // nothing listens on the discard port: deliveries fail and are retried, none awaits a confirmation
        settings: { url: 'http://127.0.0.1:9/hooks', roles: [{ id: 'member', displayName: 'Member' }], resources: [{ id: 'desk', displayName: 'Desk' }] },
      });
      const { catalogId, packageId } = await makeCatalogAndPackage(t, `Matrix webhook ${newId().slice(0, 6)}`);
      await addConnectedRole(t, { connectionId, catalogId, packageId, originId: 'desk', roleOriginId: 'member' });
      const r = await adminAdd(t, packageId, await directPolicy(t, packageId), { targetId: await freshUser() });
      assert.equal(r.status, 201, `setup: an assignment to the webhook's resource: ${r.text}`);
      const grant = await t.store.db.selectFrom('grants').select('id').where('requestId', '=', r.body.id).executeTakeFirstOrThrow();
      confirmable = { connectionId, secret, deliveryId: `${grant.id}:grant` };
    }
    const body = JSON.stringify({ deliveryId: confirmable.deliveryId, status: 'done' });
    const id = `msg_${newId()}`;
    const now = new Date();
    return {
      path: `/latchkey/v1/connections/${confirmable.connectionId}/confirmations`,
      body,
      headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(confirmable.secret).sign(id, now, body) },
    };
  };

  const tenantRow = (method: MutatingMethod, route: string, ok: number, allowed: readonly Who[], prepare: MatrixRow['prepare'], variant?: string): MatrixRow =>
    ({ method, route, ok, allowed: { tenant: allowed }, prepare, variant });
  const catalogRow = (method: MutatingMethod, route: string, ok: number, A: readonly Who[], B: readonly Who[], prepare: MatrixRow['prepare'], variant?: string): MatrixRow =>
    ({ method, route, ok, allowed: { A, B }, prepare, variant });

  // ---- THE MATRIX
  const matrix: MatrixRow[] = [
    // users: directory writes are the administrator's
    tenantRow('POST', `${V1}/users`, 201, ADMIN, async () => {
      const upn = `m${newId().slice(0, 8)}@contoso.test`;
      return { path: `${V1}/users`, body: { displayName: upn, userPrincipalName: upn } };
    }),
    tenantRow('PATCH', `${V1}/users/:id`, 204, ADMIN, async () => ({ path: `${V1}/users/${await freshUser()}`, body: { displayName: 'Renamed' } })),
    tenantRow('DELETE', `${V1}/users/:id`, 204, ADMIN, async () => ({ path: `${V1}/users/${await freshUser()}` })),
    tenantRow('PUT', `${V1}/users/:id/manager/$ref`, 204, ADMIN, async () => ({ path: `${V1}/users/${await freshUser()}/manager/$ref`, body: ref('users', bossId) })),
    tenantRow('DELETE', `${V1}/users/:id/manager/$ref`, 204, ADMIN, async () => {
      const id = await freshUser();
      await done(t.admin.put(`${V1}/users/${id}/manager/$ref`, ref('users', bossId)), 'setting a manager');
      return { path: `${V1}/users/${id}/manager/$ref` };
    }),

    // groups
    tenantRow('POST', `${V1}/groups`, 201, ADMIN, async () => ({ path: `${V1}/groups`, body: { displayName: `new group ${newId().slice(0, 8)}` } })),
    tenantRow('PATCH', `${V1}/groups/:id`, 204, ADMIN, async () => ({ path: `${V1}/groups/${await newGroup()}`, body: { description: 'changed' } })),
    tenantRow('DELETE', `${V1}/groups/:id`, 204, ADMIN, async () => ({ path: `${V1}/groups/${await newGroup()}` })),
    tenantRow('POST', `${V1}/groups/:id/members/$ref`, 204, ADMIN, async () => ({
      path: `${V1}/groups/${await newGroup()}/members/$ref`, body: ref('directoryObjects', await freshUser()),
    })),
    tenantRow('DELETE', `${V1}/groups/:id/members/:memberId/$ref`, 204, ADMIN, async () => {
      const [g, u] = [await newGroup(), await freshUser()];
      await done(t.admin.post(`${V1}/groups/${g}/members/$ref`, ref('directoryObjects', u)), 'adding a member');
      return { path: `${V1}/groups/${g}/members/${u}/$ref` };
    }),
    tenantRow('POST', `${V1}/groups/:id/owners/$ref`, 204, ADMIN, async () => ({
      path: `${V1}/groups/${await newGroup()}/owners/$ref`, body: ref('users', await freshUser()),
    })),
    tenantRow('DELETE', `${V1}/groups/:id/owners/:memberId/$ref`, 204, ADMIN, async () => {
      const [u1, u2] = [await freshUser(), await freshUser()];
      const g = await newGroup([u1, u2]);
      return { path: `${V1}/groups/${g}/owners/${u1}/$ref` };
    }),

    // catalogs
    tenantRow('POST', `${EM}/catalogs`, 201, ['administrator', 'catalogCreator'], async () => ({
      path: `${EM}/catalogs`, body: { displayName: `created ${newId().slice(0, 8)}` },
    })),
    catalogRow('PATCH', `${EM}/catalogs/:id`, 204, CATALOG_OWNERS, ADMIN, async (catalogId) => ({
      path: `${EM}/catalogs/${catalogId}`, body: { description: `changed ${newId().slice(0, 8)}` },
    })),
    catalogRow('DELETE', `${EM}/catalogs/:id`, 204, CATALOG_OWNERS, ADMIN, async (_catalogId, where) => {
      // a fresh, empty catalog in which the principals hold the roles they hold in A (or none, for B)
      const id = await newCatalog();
      if (where === 'A') await grantCatalogRoles(id);
      return { path: `${EM}/catalogs/${id}` };
    }),

    // catalog resources: the catalog owner (who must also own the group, so every principal owns it)
    catalogRow('POST', `${EM}/resourceRequests`, 201, CATALOG_OWNERS, ADMIN, async (catalogId) => ({
      path: `${EM}/resourceRequests`,
      body: { requestType: 'adminAdd', resource: { originId: await newGroup([...userIds.values()]), originSystem: 'AadGroup' }, catalog: { id: catalogId } },
    }), 'adminAdd'),
    catalogRow('POST', `${EM}/resourceRequests`, 201, CATALOG_OWNERS, ADMIN, async (catalogId) => ({
      path: `${EM}/resourceRequests`,
      body: { requestType: 'adminRemove', resource: { id: await addResource(catalogId, await newGroup()) }, catalog: { id: catalogId } },
    }), 'adminRemove'),

    // access packages, resource role scopes, incompatibility: owner and access package manager
    catalogRow('POST', `${EM}/accessPackages`, 201, PACKAGE_WRITERS, ADMIN, async (catalogId) => ({
      path: `${EM}/accessPackages`, body: { displayName: `new package ${newId().slice(0, 8)}`, catalog: { id: catalogId } },
    })),
    catalogRow('PATCH', `${EM}/accessPackages/:id`, 204, PACKAGE_WRITERS, ADMIN, async (catalogId) => ({
      path: `${EM}/accessPackages/${await newPackage(catalogId)}`, body: { description: 'changed' },
    })),
    catalogRow('DELETE', `${EM}/accessPackages/:id`, 204, PACKAGE_WRITERS, ADMIN, async (catalogId) => ({
      path: `${EM}/accessPackages/${await newPackage(catalogId)}`,
    })),
    catalogRow('POST', `${EM}/accessPackages/:id/resourceRoleScopes`, 201, PACKAGE_WRITERS, ADMIN, async (catalogId, where) => ({
      path: `${EM}/accessPackages/${await newPackage(catalogId)}/resourceRoleScopes`,
      body: {
        role: { originSystem: 'AadGroup', originId: `Member_${resourceGroup[where].groupId}`, resource: { id: resourceGroup[where].resourceId } },
        scope: { isRootScope: true },
      },
    })),
    catalogRow('DELETE', `${EM}/accessPackages/:id/resourceRoleScopes/:rrsId`, 204, PACKAGE_WRITERS, ADMIN, async (catalogId, where) => {
      const pkg = await newPackage(catalogId);
      return { path: `${EM}/accessPackages/${pkg}/resourceRoleScopes/${await newRoleScope(pkg, where)}` };
    }),
    catalogRow('POST', `${EM}/accessPackages/:id/incompatibleAccessPackages/$ref`, 204, PACKAGE_WRITERS, ADMIN, async (catalogId) => ({
      path: `${EM}/accessPackages/${await newPackage(catalogId)}/incompatibleAccessPackages/$ref`,
      body: { '@odata.id': `${GRAPH}/identityGovernance/entitlementManagement/accessPackages/${await newPackage(catalogId)}` },
    })),
    // linking names the other package: the caller must be able to read its catalog too
    catalogRow('POST', `${EM}/accessPackages/:id/incompatibleAccessPackages/$ref`, 204, ADMIN, ADMIN, async (catalogId, where) => ({
      path: `${EM}/accessPackages/${await newPackage(catalogId)}/incompatibleAccessPackages/$ref`,
      body: { '@odata.id': `${GRAPH}/identityGovernance/entitlementManagement/accessPackages/${await newPackage(catalogOf(where === 'A' ? 'B' : 'A'))}` },
    }), 'other package in the other catalog'),
    catalogRow('DELETE', `${EM}/accessPackages/:id/incompatibleAccessPackages/:otherId/$ref`, 204, PACKAGE_WRITERS, ADMIN, async (catalogId) => {
      const [pkg, other] = [await newPackage(catalogId), await newPackage(catalogId)];
      await done(t.admin.post(`${EM}/accessPackages/${pkg}/incompatibleAccessPackages/$ref`, { '@odata.id': `${EM}/accessPackages/${other}` }), 'linking packages');
      return { path: `${EM}/accessPackages/${pkg}/incompatibleAccessPackages/${other}/$ref` };
    }),
    catalogRow('POST', `${EM}/accessPackages/:id/incompatibleGroups/$ref`, 204, PACKAGE_WRITERS, ADMIN, async (catalogId) => ({
      path: `${EM}/accessPackages/${await newPackage(catalogId)}/incompatibleGroups/$ref`, body: ref('groups', resourceGroup.A.groupId),
    })),
    catalogRow('DELETE', `${EM}/accessPackages/:id/incompatibleGroups/:otherId/$ref`, 204, PACKAGE_WRITERS, ADMIN, async (catalogId) => {
      const pkg = await newPackage(catalogId);
      const g = resourceGroup.A.groupId;
      await done(t.admin.post(`${EM}/accessPackages/${pkg}/incompatibleGroups/$ref`, ref('groups', g)), 'linking a group');
      return { path: `${EM}/accessPackages/${pkg}/incompatibleGroups/${g}/$ref` };
    }),

    // assignment policies: owner and access package manager; the catalog is the policy's package's
    catalogRow('POST', `${EM}/assignmentPolicies`, 201, PACKAGE_WRITERS, ADMIN, async (catalogId) => ({
      path: `${EM}/assignmentPolicies`, body: { displayName: 'new policy', allowedTargetScope: 'notSpecified', accessPackage: { id: await newPackage(catalogId) } },
    })),
    catalogRow('PUT', `${EM}/assignmentPolicies/:id`, 200, PACKAGE_WRITERS, ADMIN, async (catalogId) => ({
      path: `${EM}/assignmentPolicies/${await newPolicy(catalogId)}`, body: { displayName: 'replaced', allowedTargetScope: 'allMemberUsers' },
    })),
    catalogRow('PATCH', `${EM}/assignmentPolicies/:id`, 200, PACKAGE_WRITERS, ADMIN, async (catalogId) => ({
      path: `${EM}/assignmentPolicies/${await newPolicy(catalogId)}`, body: { description: 'changed' },
    })),
    catalogRow('DELETE', `${EM}/assignmentPolicies/:id`, 204, PACKAGE_WRITERS, ADMIN, async (catalogId) => ({
      path: `${EM}/assignmentPolicies/${await newPolicy(catalogId)}`,
    })),
    // a read-only function any signed-in person may call (it answers with what they may request)
    tenantRow('POST', `${EM}/accessPackages/:id/getApplicablePolicyRequirements`, 200, WHO, async () => ({
      path: `${EM}/accessPackages/${await newPackage(catalogA)}/getApplicablePolicyRequirements`,
    })),

    // requests and assignments: direct assignment, cancel, reprocess, delete and removal belong to the
    // catalog's assignment managers (and owners, package managers); anyone may request for themselves
    catalogRow('POST', `${EM}/assignmentRequests`, 201, ASSIGNERS, ADMIN, async (catalogId) => {
      const { packageId, policyId } = await lifecycleFixture(catalogId, 'notSpecified');
      return { path: `${EM}/assignmentRequests`, body: { requestType: 'adminAdd', assignment: { accessPackageId: packageId, assignmentPolicyId: policyId, targetId: await freshUser() } } };
    }, 'adminAdd'),
    tenantRow('POST', `${EM}/assignmentRequests`, 201, WHO, async () => {
      const { packageId, policyId } = await lifecycleFixture(catalogA, 'allMemberUsers');
      return { path: `${EM}/assignmentRequests`, body: { requestType: 'userAdd', assignment: { accessPackageId: packageId, assignmentPolicyId: policyId } } };
    }, 'userAdd for oneself'),
    catalogRow('POST', `${EM}/assignmentRequests/:id/cancel`, 200, ASSIGNERS, ADMIN, async (catalogId) => ({
      path: `${EM}/assignmentRequests/${await pendingRequest(catalogId)}/cancel`,
    })),
    catalogRow('DELETE', `${EM}/assignmentRequests/:id`, 204, ASSIGNERS, ADMIN, async (catalogId) => {
      const id = await pendingRequest(catalogId);
      assert.equal((await t.admin.post(`${EM}/assignmentRequests/${id}/cancel`)).status, 200, 'setup: canceling');
      return { path: `${EM}/assignmentRequests/${id}` };
    }),
    catalogRow('POST', `${EM}/assignmentRequests/:id/reprocess`, 202, ASSIGNERS, ADMIN, async (catalogId) => ({
      path: `${EM}/assignmentRequests/${(await failedAssignment(catalogId)).requestId}/reprocess`,
    })),
    catalogRow('POST', `${EM}/assignments/:id/reprocess`, 202, ASSIGNERS, ADMIN, async (catalogId) => ({
      path: `${EM}/assignments/${(await deliveredAssignment(catalogId)).assignmentId}/reprocess`,
    })),
    catalogRow('POST', '/latchkey/v1/assignments/bulkRemove', 200, ASSIGNERS, ADMIN, async (catalogId) => ({
      path: '/latchkey/v1/assignments/bulkRemove', body: { assignmentIds: [(await deliveredAssignment(catalogId)).assignmentId] },
    })),
    // reconciliation: runs of a connection are the administrator's (connections have no owners); how a
    // catalog governs its connected resources (exclusive) is its owners'
    tenantRow('POST', '/latchkey/v1/connections/:id/reconcile', 202, ADMIN, async () => ({ path: `/latchkey/v1/connections/${await newLdapConnection()}/reconcile` })),
    catalogRow('PATCH', '/latchkey/v1/resources/:id', 200, CATALOG_OWNERS, ADMIN, async (catalogId) => ({
      path: `/latchkey/v1/resources/${await newConnectedResource(catalogId)}`, body: { exclusive: true },
    })),
    // web sign-in: signing out is public (it ends the caller's own session, if any); the demo sign-in
    // route exists only in the embedded demo, which this server is not
    tenantRow('POST', '/latchkey/v1/auth/signout', 204, WHO, async () => ({ path: '/latchkey/v1/auth/signout', headers: { 'x-latchkey-request': '1' } })),
    // SCIM provisioning: identity providers with a provisioning token only; every person is refused, the administrator too (scim-server.test.ts)
    ...(['POST /scim/v2/Users', 'PUT /scim/v2/Users/:id', 'PATCH /scim/v2/Users/:id', 'DELETE /scim/v2/Users/:id',
      'POST /scim/v2/Groups', 'PUT /scim/v2/Groups/:id', 'PATCH /scim/v2/Groups/:id', 'DELETE /scim/v2/Groups/:id'] as const).map((key) => {
      const [method, route] = key.split(' ') as [MutatingMethod, string];
      const row = tenantRow(method, route, method === 'POST' ? 201 : method === 'PUT' || method === 'PATCH' ? 200 : 204, [], async () => ({
        path: route.replace(':id', newId()),
        body: method === 'DELETE' ? undefined : { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] },
      }));
      return { ...row, refusedStatus: 401 };
    }),
    // a webhook receiver's confirmation: authenticated by its signature alone (a bad one is a 401, see delivery-webhook)
    tenantRow('POST', '/latchkey/v1/connections/:id/confirmations', 200, WHO, signedConfirmation),
    // deciding is for the stage's approvers alone: no role, not even the administrator's, decides for them
    catalogRow('PATCH', `${EM}/accessPackageAssignmentApprovals/:id/stages/:stageId`, 204, [], [], async (catalogId) => {
      const id = await pendingRequest(catalogId);
      const stages = await t.admin.get(`${EM}/accessPackageAssignmentApprovals/${id}/stages`);
      return { path: `${EM}/accessPackageAssignmentApprovals/${id}/stages/${stages.body.value[0].id}`, body: { reviewResult: 'Approve' } };
    }),

    // connected organizations: administrator and connected organization administrator
    tenantRow('POST', ORGS, 201, ['administrator', 'connectedOrgAdmin'], async () => {
      const domain = `n${newId().slice(0, 8)}.example`;
      return { path: ORGS, body: { displayName: domain, identitySources: [{ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: domain, displayName: domain }] } };
    }),
    tenantRow('PATCH', `${ORGS}/:id`, 204, ['administrator', 'connectedOrgAdmin'], async () => ({ path: `${ORGS}/${await newOrg()}`, body: { description: 'changed' } })),
    tenantRow('DELETE', `${ORGS}/:id`, 204, ['administrator', 'connectedOrgAdmin'], async () => ({ path: `${ORGS}/${await newOrg()}` })),
    ...(['internalSponsors', 'externalSponsors'] as const).flatMap((nav) => [
      tenantRow('POST', `${ORGS}/:id/${nav}/$ref`, 204, ['administrator', 'connectedOrgAdmin'], async () => ({
        path: `${ORGS}/${await newOrg()}/${nav}/$ref`, body: ref('users', await freshUser()),
      })),
      tenantRow('DELETE', `${ORGS}/:id/${nav}/:objectId/$ref`, 204, ['administrator', 'connectedOrgAdmin'], async () => {
        const [org, u] = [await newOrg(), await freshUser()];
        await done(t.admin.post(`${ORGS}/${org}/${nav}/$ref`, ref('users', u)), 'adding a sponsor');
        return { path: `${ORGS}/${org}/${nav}/${u}/$ref` };
      }),
    ]),

    // an external user's lifecycle marker is a property of the directory user: the administrator's
    tenantRow('PATCH', `${EM}/subjects(objectId=:key`, 204, ADMIN, async () => ({
      path: `${EM}/subjects(objectId='${(await t.user({ userType: 'Guest' })).id}')`, body: { subjectLifecycle: 'governed' },
    })),

    // tenant settings: the administrator only
    tenantRow('PATCH', `${EM}/settings`, 204, ADMIN, async () => ({ path: `${EM}/settings`, body: { externalUserLifecycleAction: 'blockSignIn' } })),

    // connections to target systems: the administrator only (they have no owners; their secrets open the target)
    tenantRow('POST', CONNECTIONS, 201, ADMIN, async () => ({ path: CONNECTIONS, body: connectionBody() })),
    tenantRow('PATCH', `${CONNECTIONS}/:id`, 200, ADMIN, async () => ({ path: `${CONNECTIONS}/${await newConnection()}`, body: { description: 'changed' } })),
    tenantRow('DELETE', `${CONNECTIONS}/:id`, 204, ADMIN, async () => ({ path: `${CONNECTIONS}/${await newConnection()}` })),
    // nothing listens on the webhook's port: the test answers 200 { ok: false }, which is still the route's success
    tenantRow('POST', `${CONNECTIONS}/:id/test`, 200, ADMIN, async () => ({ path: `${CONNECTIONS}/${await newConnection()}/test` })),
    // identity sources decide who exists at all: the administrator only, like the connections they read through
    tenantRow('POST', '/latchkey/v1/identitySources', 201, ADMIN, async () => ({ path: '/latchkey/v1/identitySources', body: { kind: 'ldap', displayName: 'matrix', connectionId: await newLdapConnection() } })),
    tenantRow('PATCH', '/latchkey/v1/identitySources/:id', 200, ADMIN, async () => ({ path: `/latchkey/v1/identitySources/${await newLdapSource()}`, body: { description: 'changed' } })),
    tenantRow('DELETE', '/latchkey/v1/identitySources/:id', 204, ADMIN, async () => ({ path: `/latchkey/v1/identitySources/${await newLdapSource()}` })),
    // the run starts (202); its job would fail, nothing listens on the connection's port
    tenantRow('POST', '/latchkey/v1/identitySources/:id/sync', 202, ADMIN, async () => ({ path: `/latchkey/v1/identitySources/${await newLdapSource()}/sync`, body: { mode: 'full', dryRun: true } })),

    // role assignments: tenant roles by the administrator; catalog roles also by that catalog's owners
    tenantRow('POST', `${RM}/roleAssignments`, 201, ADMIN, async () => ({
      path: `${RM}/roleAssignments`, body: { principalId: await freshUser(), roleDefinitionId: R.catalogCreator, appScopeId: '/' },
    }), 'tenant role'),
    catalogRow('POST', `${RM}/roleAssignments`, 201, CATALOG_OWNERS, ADMIN, async (catalogId) => ({
      path: `${RM}/roleAssignments`, body: { principalId: await freshUser(), roleDefinitionId: R.catalogReader, appScopeId: `/AccessPackageCatalog/${catalogId}` },
    }), 'catalog role'),
    tenantRow('DELETE', `${RM}/roleAssignments/:id`, 204, ADMIN, async () => ({
      path: `${RM}/roleAssignments/${await newRoleAssignment({ principalId: await freshUser(), roleDefinitionId: R.catalogCreator, appScopeId: '/' })}`,
    }), 'tenant role'),
    catalogRow('DELETE', `${RM}/roleAssignments/:id`, 204, CATALOG_OWNERS, ADMIN, async (catalogId) => ({
      path: `${RM}/roleAssignments/${await newRoleAssignment({ principalId: await freshUser(), roleDefinitionId: R.accessPackageManager, appScopeId: `/AccessPackageCatalog/${catalogId}` })}`,
    }), 'catalog role'),
  ];

  before(async () => {
    t = await startTestServer();
    clients.set('administrator', t.admin);
    userIds.set('administrator', t.adminId);
    for (const who of WHO.filter((w) => w !== 'administrator')) {
      const u = await t.user({ displayName: `matrix ${who}` });
      clients.set(who, u.client);
      userIds.set(who, u.id);
    }
    await t.grantRole(userIds.get('catalogCreator')!, R.catalogCreator);
    await t.grantRole(userIds.get('connectedOrgAdmin')!, R.connectedOrganizationAdministrator);

    catalogA = await newCatalog();
    catalogB = await newCatalog();
    // the nested principal: member of `inner`, which is a member of `outer`, which owns catalog A
    ownerGroupId = await newGroup();
    const inner = await newGroup();
    await done(t.admin.post(`${V1}/groups/${ownerGroupId}/members/$ref`, ref('groups', inner)), 'nesting groups');
    await done(t.admin.post(`${V1}/groups/${inner}/members/$ref`, ref('users', userIds.get('nestedGroupOwner')!)), 'adding the nested member');
    await grantCatalogRoles(catalogA);

    for (const where of ['A', 'B'] as const) {
      const groupId = await newGroup();
      resourceGroup[where] = { groupId, resourceId: await addResource(catalogOf(where), groupId) };
    }
    bossId = await freshUser();
  });
  after(async () => { await t?.close(); });

  /** What a call by `who` gave: 'allowed' (the route's success status), 'refused' (403), or the unexpected status. */
  async function outcome(row: MatrixRow, who: Who, where: Where): Promise<Outcome> {
    const cell = await row.prepare(catalogOf(where), where);
    const r = await clients.get(who)!.request(row.method, cell.path, cell.body, cell.headers);
    if (r.status === row.ok) return 'allowed';
    if (r.status === (row.refusedStatus ?? 403)) return 'refused';
    return `status ${r.status}: ${r.text.slice(0, 200)}`;
  }

  const rowName = (row: MatrixRow) => `${routeKey(row.method, row.route)}${row.variant ? ` [${row.variant}]` : ''}`;

  it('covers every mutating route the server registers, and only those', async () => {
    const registered = mutatingRouteKeys(t.app.server);
    // the parser of the routing tree must see at least what the OpenAPI document shows
    const doc = await t.anonymous.get('/openapi.json');
    assert.equal(doc.status, 200);
    const documented = openApiMutatingKeys(doc.body);
    assert.ok(documented.length > 20, 'the OpenAPI document lists the mutating routes');
    // @fastify/swagger reads '(' in a path as the start of a parameter regex and cuts it there (subjects(objectId=:key)
    const asDocumented = registered.map((k) => k.replace(/\(.*$/, ''));
    assert.deepEqual(documented.filter((k) => !asDocumented.includes(k)), [], 'routes in the OpenAPI document that the routing tree parser missed');

    const inMatrix = new Set(matrix.map((row) => routeKey(row.method, row.route)));
    assert.deepEqual(registered.filter((k) => !inMatrix.has(k)), [], 'mutating routes with no row in the authorization matrix: add them');
    assert.deepEqual([...inMatrix].filter((k) => !registered.includes(k)), [], 'matrix rows for routes the server does not register');
  });

  for (const row of matrix) {
    it(rowName(row), async () => {
      const expected: Record<string, Outcome> = {};
      const actual: Record<string, Outcome> = {};
      const wheres: Where[] = 'tenant' in row.allowed ? ['A'] : ['A', 'B'];
      await Promise.all(wheres.flatMap((where) => WHO.map(async (who) => {
        const allowed = 'tenant' in row.allowed ? row.allowed.tenant : row.allowed[where];
        const key = 'tenant' in row.allowed ? who : `${who} in ${where}`;
        expected[key] = allowed.includes(who) ? 'allowed' : 'refused';
        actual[key] = await outcome(row, who, where);
      })));
      assert.deepEqual(actual, expected);
    });
  }

  it('lets a catalog reader read catalog A and its packages, and nothing of catalog B', async () => {
    const reader = clients.get('catalogReader')!;
    const pkgA = await newPackage(catalogA);
    await newPackage(catalogB);
    const a = await reader.get(`${EM}/catalogs/${catalogA}`);
    assert.equal(a.status, 200);
    assert.equal(a.body.id, catalogA);
    // catalog A holds well over a page of packages by now: ask for the one made here
    const pkgs = await reader.get(`${EM}/catalogs/${catalogA}/accessPackages?$filter=id eq '${pkgA}'`);
    assert.equal(pkgs.status, 200);
    assert.deepEqual((pkgs.body.value as { id: string }[]).map((p) => p.id), [pkgA]);
    assert.equal((await reader.get(`${EM}/accessPackages/${pkgA}/resourceRoleScopes`)).status, 200);
    assert.equal((await reader.get(`${EM}/catalogs/${catalogA}/resources`)).status, 200);

    assert.equal((await reader.get(`${EM}/catalogs/${catalogB}`)).status, 403);
    assert.equal((await reader.get(`${EM}/catalogs/${catalogB}/accessPackages`)).status, 403);
    assert.equal((await reader.get(`${EM}/catalogs/${catalogB}/resources`)).status, 403);
    const list = await reader.get(`${EM}/catalogs`);
    assert.equal(list.status, 200);
    const ids = (list.body.value as { id: string }[]).map((c) => c.id);
    assert.ok(ids.includes(catalogA), 'catalog A is listed for its reader');
    assert.ok(!ids.includes(catalogB), 'catalog B is not listed for a reader of A');
  });

  it('lets no $expand reach into a catalog the caller may not read (issue 10, item 2)', async () => {
    const plain = clients.get('plainUser')!;
    // catalog B is published: its visible package can be opened and requested by anyone signed in
    const { packageId, policyId } = await lifecycleFixture(catalogB, 'allMemberUsers');
    const hidden = await created(t.admin.post(`${EM}/accessPackages`, { displayName: 'hidden in B', isHidden: true, catalog: { id: catalogB } }), 'a hidden package');
    assert.equal((await plain.get(`${EM}/catalogs/${catalogB}`)).status, 403, 'the direct route refuses catalog B');
    const deep = 'catalog($expand=accessPackages($expand=assignmentPolicies),resources($expand=roles))';
    const viaPackage = await plain.get(`${EM}/accessPackages/${packageId}?$expand=${deep}`);
    assert.equal(viaPackage.status, 200, viaPackage.text);
    assert.ok(!viaPackage.text.includes(hidden), 'the hidden package of catalog B leaked through $expand');
    assert.ok(!viaPackage.text.includes(resourceGroup.B.resourceId), 'a resource of catalog B leaked through $expand');
    assert.equal(viaPackage.body.catalog ?? null, null, 'catalog B leaked through $expand');
    const r = await plain.post(`${EM}/assignmentRequests`, { requestType: 'userAdd', assignment: { accessPackageId: packageId, assignmentPolicyId: policyId } });
    assert.equal(r.status, 201, r.text);
    const mine = await plain.get(`${EM}/assignmentRequests/filterByCurrentUser(on='target')?$filter=id eq '${r.body.id}'&$expand=accessPackage($expand=${deep})`);
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.body.value.length, 1);
    assert.equal(mine.body.value[0].accessPackage.id, packageId, 'the package of one\'s own request stays readable');
    assert.equal(mine.body.value[0].accessPackage.catalog ?? null, null, 'catalog B leaked through the request');
    assert.ok(!mine.text.includes(hidden) && !mine.text.includes(resourceGroup.B.resourceId), 'catalog B content leaked through the request');
  });

  // ---- $expand × principal: every object an expansion returns is one its own direct route returns to that principal.
  // The rows are generated from the entity sets' navigation maps; NAV_TARGET (written by hand) names what each
  // navigation property holds, and a navigation property missing from it fails the test until it is added.
  type Kind = 'catalog' | 'accessPackage' | 'roleScope' | 'resource' | 'role' | 'scope' | 'resourceRequest' | 'policy' | 'request' | 'assignment'
    | 'connectedOrganization' | 'subject';
  /** what a navigation holds: an entity kind, a group, a sponsor (user or group), or 'inline' (part of the owner's own row) */
  type Target = Kind | 'group' | 'directoryObject' | 'environment' | 'inline';
  const SETS: Record<Kind, { navigation: Record<string, unknown> }> = {
    catalog: catalogSet, accessPackage: accessPackageSet, roleScope: roleScopeSet, resource: resourceSet, role: resourceRoleSet, scope: resourceScopeSet,
    resourceRequest: resourceRequestSet, policy: assignmentPolicySet, request: requestSet, assignment: assignmentSet,
    connectedOrganization: connectedOrganizationSet, subject: subjectSet,
  };
  const NAV_TARGET: Record<string, Target> = {
    'resource.environment': 'environment',
    'catalog.accessPackages': 'accessPackage', 'catalog.resources': 'resource', 'catalog.resourceRoles': 'role', 'catalog.resourceScopes': 'scope',
    'accessPackage.catalog': 'catalog', 'accessPackage.resourceRoleScopes': 'roleScope', 'accessPackage.incompatibleAccessPackages': 'accessPackage',
    'accessPackage.accessPackagesIncompatibleWith': 'accessPackage', 'accessPackage.incompatibleGroups': 'group', 'accessPackage.assignmentPolicies': 'policy',
    'roleScope.role': 'role', 'roleScope.scope': 'scope',
    'resource.roles': 'role', 'resource.scopes': 'scope', 'role.resource': 'resource', 'scope.resource': 'resource',
    'resourceRequest.catalog': 'catalog', 'resourceRequest.resource': 'resource',
    'policy.accessPackage': 'accessPackage', 'policy.catalog': 'catalog', 'policy.questions': 'inline',
    'request.accessPackage': 'accessPackage', 'request.requestor': 'subject', 'request.target': 'subject', 'request.assignment': 'assignment',
    'assignment.target': 'subject', 'assignment.accessPackage': 'accessPackage', 'assignment.assignmentPolicy': 'policy',
    'connectedOrganization.internalSponsors': 'directoryObject', 'connectedOrganization.externalSponsors': 'directoryObject',
  };

  it('lets no $expand return an object that the direct route refuses the principal (every navigation × every principal)', async (ctx) => {
    // fixtures in both catalogs: a visible package whose policy needs plainUser's approval, a hidden package
    // linked as incompatible across catalogs, a role scope, an incompatible group, a pending request by a
    // fresh user and a delivered assignment of plainUser
    const plainId = userIds.get('plainUser')!;
    const fx: Record<Where, { pkg: string; hidden: string; policy: string; adminPolicy: string; pending: string; delivered: string; assignment: string }> =
      { A: {} as never, B: {} as never };
    for (const where of ['A', 'B'] as const) {
      const catalogId = catalogOf(where);
      const pkg = await newPackage(catalogId);
      const hidden = await created(t.admin.post(`${EM}/accessPackages`, { displayName: `hidden ${newId().slice(0, 8)}`, isHidden: true, catalog: { id: catalogId } }), 'a hidden package');
      const policy = await created(t.admin.post(`${EM}/assignmentPolicies`, {
        displayName: 'matrix approval', allowedTargetScope: 'allMemberUsers', accessPackage: { id: pkg }, expiration: { type: 'noExpiration' },
        requestorSettings: { enableTargetsToSelfAddAccess: true },
        requestApprovalSettings: { isApprovalRequiredForAdd: true, stages: [{ durationBeforeAutomaticDenial: 'P14D', primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: plainId }] }] },
      }), 'a policy');
      const adminPolicy = await created(t.admin.post(`${EM}/assignmentPolicies`, {
        displayName: 'matrix direct', allowedTargetScope: 'notSpecified', accessPackage: { id: pkg }, expiration: { type: 'noExpiration' },
      }), 'a direct policy');
      await newRoleScope(pkg, where);
      await done(t.admin.post(`${EM}/accessPackages/${pkg}/incompatibleGroups/$ref`, ref('groups', resourceGroup[where].groupId)), 'an incompatible group');
      const requestor = await t.user();
      const pending = await created(requestor.client.post(`${EM}/assignmentRequests`, { requestType: 'userAdd', assignment: { accessPackageId: pkg, assignmentPolicyId: policy } }), 'a pending request');
      const delivered = await created(t.admin.post(`${EM}/assignmentRequests`, {
        requestType: 'adminAdd', assignment: { accessPackageId: pkg, assignmentPolicyId: adminPolicy, targetId: plainId },
      }), 'a direct assignment');
      fx[where] = { pkg, hidden, policy, adminPolicy, pending, delivered, assignment: '' };
    }
    await t.drain();
    for (const where of ['A', 'B'] as const) {
      fx[where].assignment = (await t.admin.get(`${EM}/assignmentRequests/${fx[where].delivered}?$expand=assignment`)).body.assignment.id;
      await done(t.admin.post(`${EM}/accessPackages/${fx[where].pkg}/incompatibleAccessPackages/$ref`,
        { '@odata.id': `${EM}/accessPackages/${fx[where === 'A' ? 'B' : 'A'].hidden}` }), 'an incompatible package');
    }
    // a resource of a connection in each catalog, for its environment
    const connectionId = await newConnection();
    const connected: string[] = [];
    for (const where of ['A', 'B'] as const) {
      const r = await t.admin.post(`${EM}/resourceRequests`, {
        requestType: 'adminAdd', catalog: { id: catalogOf(where) }, resource: { originSystem: 'Webhook', originId: 'member-resource', environment: { id: connectionId } },
      });
      assert.equal(r.status, 201, `setup: adding a connected resource: ${r.text}`);
      connected.push(r.body.resource.id as string);
    }
    const org = await newOrg();
    await done(t.admin.post(`${ORGS}/${org}/internalSponsors/$ref`, ref('users', await freshUser())), 'a sponsor');
    await done(t.admin.post(`${ORGS}/${org}/externalSponsors/$ref`, ref('groups', resourceGroup.A.groupId)), 'a sponsor group');
    const rsIds = await t.store.db.selectFrom('resourceRoleScopes').select('id').where('accessPackageId', 'in', [fx.A.pkg, fx.B.pkg]).execute();
    const roles = await t.store.db.selectFrom('resourceRoles').select('id').where('resourceId', 'in', [resourceGroup.A.resourceId, resourceGroup.B.resourceId]).execute();
    const scopes = await t.store.db.selectFrom('resourceScopes').select('id').where('resourceId', 'in', [resourceGroup.A.resourceId, resourceGroup.B.resourceId]).execute();
    const resourceRequests = await t.store.db.selectFrom('resourceRequests').select('id').where('resourceId', 'in', [resourceGroup.A.resourceId, resourceGroup.B.resourceId]).execute();

    const both = <T>(f: (x: (typeof fx)['A'], where: Where) => T[]) => [...f(fx.A, 'A'), ...f(fx.B, 'B')];
    const byId = (url: string, id: string) => `${url}?$filter=id eq '${id}'`;
    // where each principal meets objects of a kind: by id, or in the lists made for it
    const sources = (who: Who): Record<Kind, string[]> => ({
      catalog: [`${EM}/catalogs/${catalogA}`, `${EM}/catalogs/${catalogB}`],
      accessPackage: [...both((x) => [`${EM}/accessPackages/${x.pkg}`, `${EM}/accessPackages/${x.hidden}`]), `${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')?$top=20`],
      roleScope: rsIds.map((r) => byId(`${EM}/resourceRoleScopes`, r.id)),
      resource: [resourceGroup.A.resourceId, resourceGroup.B.resourceId, ...connected].map((id) => byId(`${EM}/resources`, id)),
      role: roles.flatMap((r) => [catalogA, catalogB].map((c) => byId(`${EM}/catalogs/${c}/resourceRoles`, r.id))),
      scope: scopes.flatMap((r) => [catalogA, catalogB].map((c) => byId(`${EM}/catalogs/${c}/resourceScopes`, r.id))),
      resourceRequest: resourceRequests.map((r) => `${EM}/resourceRequests/${r.id}`),
      policy: both((x) => [`${EM}/assignmentPolicies/${x.policy}`, `${EM}/assignmentPolicies/${x.adminPolicy}`]),
      request: [...both((x) => [`${EM}/assignmentRequests/${x.pending}`, `${EM}/assignmentRequests/${x.delivered}`]),
        ...['target', 'createdBy', 'approver'].map((on) => `${EM}/assignmentRequests/filterByCurrentUser(on='${on}')?$top=20&$orderby=createdDateTime desc`)],
      assignment: [...both((x) => [`${EM}/assignments/${x.assignment}`]),
        ...['target', 'createdBy'].map((on) => `${EM}/assignments/filterByCurrentUser(on='${on}')?$top=20`)],
      connectedOrganization: [byId(ORGS, org)],
      subject: [`${EM}/subjects(objectId='${userIds.get(who)}')`],
    });

    // the direct routes, one per kind of object: does the principal get this object there?
    const seen = new Map<string, boolean>();
    const directly = async (who: Who, target: Target, obj: Record<string, unknown>): Promise<boolean> => {
      const c = clients.get(who)!;
      const id = String(obj.id);
      const key = `${who} ${target} ${id}`;
      const known = seen.get(key);
      if (known !== undefined) return known;
      const listed = async (url: string) => {
        const r = await c.get(byId(url, id));
        return r.status === 200 && (r.body.value as { id: string }[]).some((x) => x.id === id);
      };
      const found = async (url: string) => (await c.get(url)).status === 200;
      const catalogOfResource = async (resourceId: string) =>
        (await t.store.db.selectFrom('resources').select('catalogId').where('id', '=', resourceId).executeTakeFirstOrThrow()).catalogId;
      let ok: boolean;
      switch (target) {
        case 'catalog': ok = await found(`${EM}/catalogs/${id}`); break;
        case 'accessPackage': ok = await found(`${EM}/accessPackages/${id}`); break;
        case 'policy': ok = await found(`${EM}/assignmentPolicies/${id}`); break;
        case 'request': ok = await found(`${EM}/assignmentRequests/${id}`); break;
        case 'assignment': ok = await found(`${EM}/assignments/${id}`); break;
        case 'resourceRequest': ok = await found(`${EM}/resourceRequests/${id}`); break;
        case 'resource': ok = await listed(`${EM}/resources`); break;
        case 'roleScope': ok = await listed(`${EM}/resourceRoleScopes`); break;
        case 'role': case 'scope': {
          const table = target === 'role' ? 'resourceRoles' : 'resourceScopes';
          const row = await t.store.db.selectFrom(table).select('resourceId').where('id', '=', id).executeTakeFirstOrThrow();
          ok = await listed(`${EM}/catalogs/${await catalogOfResource(row.resourceId)}/resources/${row.resourceId}/${target}s`);
          break;
        }
        case 'subject': ok = obj.objectId === null || await found(`${EM}/subjects(objectId='${String(obj.objectId)}')`); break;
        case 'connectedOrganization': ok = await found(`${ORGS}/${id}`); break;
        case 'environment': ok = await listed(`${EM}/resourceEnvironments`); break;
        case 'group': ok = await found(`${V1}/groups/${id}`); break;
        case 'directoryObject': ok = await found(`${V1}/${obj['@odata.type'] === '#microsoft.graph.group' ? 'groups' : 'users'}/${id}`); break;
        case 'inline': ok = true; break;
      }
      seen.set(key, ok);
      return ok;
    };

    const navs = (Object.keys(SETS) as Kind[]).flatMap((kind) => Object.keys(SETS[kind].navigation).map((nav) => ({ kind, nav, name: `${kind}.${nav}` })));
    assert.deepEqual(navs.map((n) => n.name).filter((n) => !(n in NAV_TARGET)).sort(), [], 'navigation properties with no entry in NAV_TARGET: say what they hold');
    assert.deepEqual(Object.keys(NAV_TARGET).filter((n) => !navs.some((x) => x.name === n)).sort(), [], 'NAV_TARGET entries for navigation properties that no longer exist');

    for (const { kind, nav, name } of navs) {
      const target = NAV_TARGET[name];
      await ctx.test(`$expand=${nav} on ${kind}`, async () => {
        const leaks: string[] = [];
        let checked = 0;
        await Promise.all(WHO.map(async (who) => {
          for (const url of sources(who)[kind]) {
            const r = await clients.get(who)!.get(`${url}${url.includes('?') ? '&' : '?'}$expand=${nav}`);
            if (r.status === 403 || r.status === 404) continue;
            assert.equal(r.status, 200, `${who}: ${url} $expand=${nav}: ${r.text.slice(0, 300)}`);
            const owners = (Array.isArray(r.body.value) ? r.body.value : [r.body]) as Record<string, unknown>[];
            for (const owner of owners) {
              const held = owner[nav];
              const objects = target === 'inline' || held == null ? [] : (Array.isArray(held) ? held : [held]) as Record<string, unknown>[];
              for (const obj of objects) {
                checked++;
                if (!(await directly(who, target, obj))) leaks.push(`${who}: ${kind} ${String(owner.id)} → ${nav} ${String(obj.id)}`);
              }
            }
          }
        }));
        assert.deepEqual(leaks, [], `objects returned by $expand=${nav} that their own route refuses`);
        if (target !== 'inline') assert.ok(checked > 0, `no ${kind} had anything in ${nav}: the fixtures do not exercise it`);
      });
    }
  });

  it('gives the nested group member the catalog owner role in A only', async () => {
    const nested = clients.get('nestedGroupOwner')!;
    assert.equal((await nested.get(`${EM}/catalogs/${catalogA}`)).status, 200);
    assert.equal((await nested.get(`${EM}/catalogs/${catalogB}`)).status, 403);
  });

  it('refuses a plain user the user list and audit logs, but not their own profile', async () => {
    const plain = clients.get('plainUser')!;
    assert.equal((await plain.get(`${V1}/users`)).status, 403);
    assert.equal((await plain.get(`${V1}/auditLogs/directoryAudits`)).status, 403);
    const me = await plain.get(`${V1}/me`);
    assert.equal(me.status, 200);
    assert.equal(me.body.id, userIds.get('plainUser'));
    assert.equal((await plain.get(`${EM}/catalogs/${catalogA}`)).status, 403);
    // other people's profile, groups and manager need directory.read; one's own do not
    const other = userIds.get('catalogOwner')!;
    for (const path of [`${V1}/users/${other}`, `${V1}/users/${other}/memberOf`, `${V1}/users/${other}/transitiveMemberOf`, `${V1}/users/${other}/manager`]) {
      assert.equal((await plain.get(path)).status, 403, path);
    }
    const self = userIds.get('plainUser')!;
    assert.equal((await plain.get(`${V1}/users/${self}`)).status, 200);
    assert.equal((await plain.get(`${V1}/users/${self}/memberOf`)).status, 200);
  });

  it('makes a catalog creator the owner of the catalogs it creates, and of no other', async () => {
    const creator = clients.get('catalogCreator')!;
    const c = await creator.post(`${EM}/catalogs`, { displayName: `creator's ${newId().slice(0, 8)}` });
    assert.equal(c.status, 201, c.text);
    assert.equal((await creator.patch(`${EM}/catalogs/${c.body.id}`, { description: 'mine' })).status, 204);
    assert.equal((await creator.post(`${EM}/accessPackages`, { displayName: 'in my catalog', catalog: { id: c.body.id } })).status, 201);
    assert.equal((await creator.get(`${EM}/catalogs/${catalogA}`)).status, 403);
    const list = await creator.get(`${EM}/catalogs`);
    assert.equal(list.status, 200);
    const ids = (list.body.value as { id: string }[]).map((x) => x.id);
    assert.ok(ids.includes(c.body.id), 'expected: ids.includes(c.body.id)');
    assert.ok(!ids.includes(catalogA) && !ids.includes(catalogB), 'a catalog creator does not see catalogs it did not create');
    assert.equal((await clients.get('connectedOrgAdmin')!.get(`${EM}/catalogs/${catalogA}`)).status, 403);
  });
});
