import assert from 'node:assert/strict';
import { newId } from '../../src/domain/ids.js';
import { EM } from './client.js';
import { addConnectedResource } from './connections.js';
import { adminAdd, directPolicy, getRequest, submit } from './lifecycle.js';
import type { TestServer } from './server.js';

const V1 = '/latchkey/v1';

// What the reconciliation suites compare with the target, made as the product makes it: the resource
// added to a catalog by an adminAdd resource request naming the connection as its environment,
// packages of its roles with an admin-only policy, and the access granted by adminAdd assignment
// requests that the worker delivers (finding and linking the person's account, granting the role in
// the target). The connection itself comes from makeConnection (connections.ts).
//
// A few states only a worker caught in the middle of a job reaches (a grant on its way in or out across
// a reconciliation run) cannot be made through the API: setGrantState writes them to the store, and each
// suite says why where it calls it. insertGovernedResource is for the authorization matrix, whose
// resources live in a connection nobody listens on (the API's adminAdd looks the resource up there).

export interface GovernedResource {
  resourceId: string;
  catalogId: string;
  scopeId: string;
  /** resource role id by the role's id in the target (member, admin) */
  roles: Record<string, string>;
}

export interface GoverningPackage {
  packageId: string;
  policyId: string;
}

/**
 * The target's resource `originId` added through the API to a new catalog (or the one given), with a
 * package giving `roles` of it (all of them when absent).
 */
export async function governResource(
  t: TestServer, o: { connectionId: string; originId: string; catalogName?: string; catalogId?: string; roles?: string[] },
): Promise<GovernedResource & GoverningPackage> {
  const name = o.catalogName ?? `Catalog ${newId().slice(0, 8)}`;
  let catalogId = o.catalogId;
  if (!catalogId) {
    const c = await t.admin.post(`${EM}/catalogs`, { displayName: name });
    assert.equal(c.status, 201, c.text);
    catalogId = c.body.id as string;
  }
  const added = await addConnectedResource(t, { connectionId: o.connectionId, catalogId, originId: o.originId });
  const scope = added.scopes.find((s) => s.isRootScope);
  assert.ok(scope, `${o.originId} has a root scope`);
  const resource: GovernedResource = { resourceId: added.id, catalogId, scopeId: scope.id, roles: Object.fromEntries(added.roles.map((r) => [r.originId, r.id])) };
  return { ...resource, ...(await governingPackage(t, resource, o.roles ?? Object.keys(resource.roles))) };
}

/** A package of the resource's catalog giving these of its roles (by their ids in the target), with an admin-only policy. */
export async function governingPackage(t: TestServer, r: GovernedResource, roles: string[], name = `Package ${newId().slice(0, 8)}`): Promise<GoverningPackage> {
  const p = await t.admin.post(`${EM}/accessPackages`, { displayName: name, catalog: { id: r.catalogId } });
  assert.equal(p.status, 201, p.text);
  for (const role of roles) {
    assert.ok(r.roles[role], `the resource offers ${role} (it offers ${Object.keys(r.roles).join(', ')})`);
    const rs = await t.admin.post(`${EM}/accessPackages/${p.body.id}/resourceRoleScopes`, { role: { id: r.roles[role] }, scope: { id: r.scopeId } });
    assert.equal(rs.status, 201, rs.text);
  }
  return { packageId: p.body.id, policyId: await directPolicy(t, p.body.id) };
}

export interface Granted {
  requestId: string;
  assignmentId: string;
  /** the assignment's grants by resource role id */
  grants: Record<string, string>;
}

/**
 * The package given to the user by an administrator's adminAdd, and the worker run: the request ends
 * in `state` (delivered unless told) and the grants are returned.
 */
export async function grantPackage(t: TestServer, p: GoverningPackage, userId: string, state = 'delivered'): Promise<Granted> {
  const r = await adminAdd(t, p.packageId, p.policyId, { targetId: userId });
  assert.equal(r.status, 201, r.text);
  await t.drain();
  const request = await getRequest(t, r.body.id, '?$expand=assignment');
  assert.equal(request.state, state, JSON.stringify(request.fulfillmentErrors ?? request));
  const assignmentId = request.assignment.id as string;
  const rows = await t.store.db.selectFrom('grants').select(['id', 'resourceRoleId']).where('assignmentId', '=', assignmentId).execute();
  return { requestId: r.body.id, assignmentId, grants: Object.fromEntries(rows.map((g) => [g.resourceRoleId, g.id])) };
}

/** A run as GET …/connections/{id}/reconciliations answers it. */
export interface ReconciliationRun {
  id: string;
  state: string;
  error: string | null;
  rolesChecked: number;
  holdersChecked: number;
  repaired: number;
  unmanaged: number;
  removed: number;
  [property: string]: unknown;
}

/**
 * A reconciliation run started on demand and carried out by the worker (the clock a minute on, so the
 * run's times differ from the grants'), as the connection's list of runs shows it; it must have succeeded.
 */
export async function reconcileNow(t: TestServer, connectionId: string): Promise<ReconciliationRun> {
  t.clock.advance(60_000);
  const r = await t.admin.post(`${V1}/connections/${connectionId}/reconcile`);
  assert.equal(r.status, 202, r.text);
  await t.drain();
  const run = (await t.admin.get(`${V1}/connections/${connectionId}/reconciliations`)).body.value[0];
  assert.equal(run.id, r.body.id);
  assert.equal(run.state, 'succeeded', run.error ?? undefined);
  return run;
}

/** The assignment removed by an administrator's adminRemove, and the worker run (the target revoked). */
export async function removeAssignment(t: TestServer, assignmentId: string): Promise<void> {
  const r = await submit(t.admin, { requestType: 'adminRemove', assignment: { id: assignmentId } });
  assert.equal(r.status, 201, r.text);
  await t.drain();
  assert.equal((await getRequest(t, r.body.id)).state, 'delivered', 'the removal completed');
}

/**
 * A grant (and its assignment) put in a state a worker leaves it in mid-job: on its way in (pending,
 * the assignment delivering), on its way out (revoking, the assignment ended), done revoking, or back
 * to where delivery had left it. Only for states the API cannot hold across a reconciliation run,
 * whose worker would finish the job.
 */
export async function setGrantState(t: TestServer, grantId: string, state: 'pending' | 'revoking' | 'revoked' | 'failed' | 'delivered'): Promise<void> {
  const at = t.clock.now().toISOString();
  const grant = await t.store.db.selectFrom('grants').select('assignmentId').where('id', '=', grantId).executeTakeFirstOrThrow();
  await t.store.db.updateTable('grants').set({ state, modifiedAt: at, revokedAt: state === 'revoked' ? at : null }).where('id', '=', grantId).execute();
  // the assignment's state as that grant (its only one in these suites) makes it
  const assignmentState = { pending: 'delivering', revoking: 'expired', revoked: 'expired', failed: 'deliveryFailed', delivered: 'delivered' }[state];
  await t.store.db.updateTable('assignments').set({ state: assignmentState, modifiedAt: at }).where('id', '=', grant.assignmentId).execute();
}

/** A catalog resource in the connection with the given roles and a root scope, written to the store (see above: the authorization matrix only). */
export async function insertGovernedResource(
  t: TestServer, o: { catalogId: string; connectionId: string; originSystem: string; originId: string; roles: string[]; exclusive?: boolean },
): Promise<GovernedResource> {
  const at = t.clock.now().toISOString();
  const resourceId = newId();
  const scopeId = newId();
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
  return { resourceId, catalogId: o.catalogId, scopeId, roles };
}
