import { newId } from '../../src/domain/ids.js';
import type { TestServer } from './server.js';

// Governed resources and delivered grants put straight into the store, for the reconciliation suites:
// what delivery would have left behind, in states (revoking, failed, a grant with no delivery) that
// only a run of the worker against a failing target reaches through the API. Connections are made
// through the API (makeConnection in connections.ts). insertGovernedResource writes the resource
// itself because the authorization matrix governs resources of a connection nobody listens on, which
// the API's adminAdd refuses (it looks the resource up in the target). Real memberships are put in the
// target by the suite.

export interface GovernedResource {
  resourceId: string;
  catalogId: string;
  accessPackageId: string;
  scopeId: string;
  /** resource role id by the role's id in the target (member, admin) */
  roles: Record<string, string>;
}

export async function insertCatalog(t: TestServer, name = `Catalog ${newId().slice(0, 8)}`): Promise<string> {
  const id = newId();
  const at = t.clock.now().toISOString();
  await t.store.db.insertInto('catalogs').values({
    id, displayName: name, description: null, state: 'published', isExternallyVisible: 1, catalogType: 'userManaged', createdAt: at, modifiedAt: at,
  }).execute();
  return id;
}

/** A catalog resource in the connection with the given roles and a root scope, and a package giving them. */
export async function insertGovernedResource(
  t: TestServer, o: { catalogId: string; connectionId: string; originSystem: string; originId: string; roles: string[]; exclusive?: boolean },
): Promise<GovernedResource> {
  const at = t.clock.now().toISOString();
  const resourceId = newId();
  const scopeId = newId();
  const accessPackageId = newId();
  const roles: Record<string, string> = {};
  await t.store.db.insertInto('resources').values({
    id: resourceId, catalogId: o.catalogId, originSystem: o.originSystem, originId: o.originId, displayName: o.originId, description: null,
    resourceType: null, attributes: '[]', createdAt: at, modifiedAt: at, connectionId: o.connectionId, exclusive: o.exclusive ? 1 : 0,
  }).execute();
  for (const role of o.roles) {
    roles[role] = newId();
    await t.store.db.insertInto('resourceRoles').values({
      id: roles[role], resourceId, originSystem: o.originSystem, originId: role, displayName: role[0].toUpperCase() + role.slice(1), description: null,
    }).execute();
  }
  await t.store.db.insertInto('resourceScopes').values({
    id: scopeId, resourceId, originSystem: o.originSystem, originId: o.originId, displayName: 'Root', description: null, isRootScope: 1,
  }).execute();
  await t.store.db.insertInto('accessPackages').values({
    id: accessPackageId, catalogId: o.catalogId, displayName: `Package of ${o.originId}`, description: null, isHidden: 0, createdAt: at, modifiedAt: at,
  }).execute();
  return { resourceId, catalogId: o.catalogId, accessPackageId, scopeId, roles };
}

/** Links a user to their account in the connection (what delivery records when it finds or creates it). */
export async function linkAccount(t: TestServer, connectionId: string, userId: string, accountId: string, display = accountId): Promise<void> {
  await t.store.db.insertInto('connectionAccounts').values({
    connectionId, userId, accountId, display, createdByLatchkey: 0, linkedAt: t.clock.now().toISOString(),
  }).execute();
}

/** An assignment of the resource's package with one grant of `role` in the given state. */
export async function insertGrant(
  t: TestServer, r: GovernedResource, userId: string, role: string,
  o: { grantState?: 'pending' | 'delivered' | 'revoking' | 'failed' | 'revoked'; assignmentState?: string } = {},
): Promise<{ assignmentId: string; grantId: string }> {
  const at = t.clock.now().toISOString();
  const assignmentId = newId();
  const grantId = newId();
  const grantState = o.grantState ?? 'delivered';
  await t.store.db.insertInto('assignments').values({
    id: assignmentId, accessPackageId: r.accessPackageId, policyId: null, targetId: userId, state: o.assignmentState ?? (grantState === 'revoking' ? 'expired' : 'delivered'),
    status: 'Delivered', startAt: at, endAt: null, expiredAt: null, createdAt: at, modifiedAt: at, requestId: null, justification: null, answers: '[]',
    reminded14At: null, reminded1At: null,
  }).execute();
  await t.store.db.insertInto('grants').values({
    id: grantId, assignmentId, resourceRoleId: r.roles[role], resourceScopeId: r.scopeId, targetId: userId, state: grantState, attempts: 1,
    lastError: null, nextAttemptAt: null, deliveredAt: grantState === 'delivered' ? at : null, revokedAt: null, createdAt: at, modifiedAt: at,
    requestId: null, deliveryId: null, confirmationDueAt: null,
  }).execute();
  return { assignmentId, grantId };
}
