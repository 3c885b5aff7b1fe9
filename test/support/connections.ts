import assert from 'node:assert/strict';
import { CONNECTIONS } from '../../src/api/latchkey/connections.js';
import { EM } from './client.js';
import type { TestServer } from './server.js';

// Connections and their resources, made through the public API as an administrator would make them:
// POST /latchkey/v1/connections, then an adminAdd resource request naming the connection as the
// resource's environment, the roles and scope read back through Graph, and the role put in the
// package through resourceRoleScopes. The suites of delivery, reconciliation and authorization share it.

export interface ConnectionInput {
  kind: 'ldap' | 'scim' | 'postgresql' | 'webhook';
  displayName?: string;
  settings: object;
  secrets: Record<string, string>;
  timeoutMs?: number;
  concurrency?: number;
}

let made = 0;

/**
 * Creates the connection through the API; its answer must not carry a secret's value. No reconciliation
 * is scheduled (reconcileInterval null): a suite that wants one runs it or schedules it itself.
 */
export async function makeConnection(t: TestServer, input: ConnectionInput): Promise<string> {
  const r = await t.admin.post(CONNECTIONS, {
    kind: input.kind, displayName: input.displayName ?? `${input.kind} ${++made}`, settings: input.settings, secrets: input.secrets,
    ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
    ...(input.concurrency === undefined ? {} : { concurrency: input.concurrency }),
    reconcileInterval: null,
  });
  assert.equal(r.status, 201, r.text);
  for (const value of Object.values(input.secrets)) assert.ok(!r.text.includes(value), 'the answer carries no secret');
  assert.deepEqual(Object.keys(r.body.secrets).sort(), Object.keys(input.secrets).sort(), 'the secrets set are named');
  return r.body.id as string;
}

export interface ConnectedRole {
  resourceId: string;
  roleId: string;
  scopeId: string;
}

interface GraphRole { id: string; originId: string }
interface GraphResource { id: string; originId: string; roles: GraphRole[]; scopes: { id: string; isRootScope: boolean }[] }

/**
 * Adds the target's resource `originId` to the catalog through an adminAdd resource request (its roles
 * as the connection's target offers them, one root scope) and reads it back through Graph with them.
 */
export async function addConnectedResource(t: TestServer, input: { connectionId: string; catalogId: string; originId: string }): Promise<GraphResource> {
  const connection = await t.admin.get(`${CONNECTIONS}/${input.connectionId}`);
  assert.equal(connection.status, 200, connection.text);
  const originSystem = connection.body.originSystem as string;
  const added = await t.admin.post(`${EM}/resourceRequests`, {
    requestType: 'adminAdd', catalog: { id: input.catalogId },
    resource: { originSystem, originId: input.originId, environment: { id: input.connectionId } },
  });
  assert.equal(added.status, 201, `the target has ${input.originId}: ${added.text}`);
  assert.equal(added.body.resource.environment?.id, input.connectionId, 'the resource lives in the connection');
  const listed = await t.admin.get(`${EM}/catalogs/${input.catalogId}/resources?$expand=roles,scopes`);
  assert.equal(listed.status, 200, listed.text);
  const resource = (listed.body.value as GraphResource[]).find((r) => r.id === added.body.resource.id);
  assert.ok(resource, 'the added resource is in the catalog');
  assert.equal(resource.originId, input.originId);
  return resource;
}

/** addConnectedResource, and its role `roleOriginId` on the root scope put in the package; returns the catalog's ids. */
export async function addConnectedRole(t: TestServer, input: { connectionId: string; catalogId: string; packageId: string; originId: string; roleOriginId: string }): Promise<ConnectedRole> {
  const resource = await addConnectedResource(t, input);
  const role = resource.roles.find((r) => r.originId === input.roleOriginId);
  assert.ok(role, `${input.originId} offers the role ${input.roleOriginId} (it offers ${resource.roles.map((r) => r.originId).join(', ')})`);
  const scope = resource.scopes.find((s) => s.isRootScope);
  assert.ok(scope, `${input.originId} has a root scope`);
  const r = await t.admin.post(`${EM}/accessPackages/${input.packageId}/resourceRoleScopes`, { role: { id: role.id }, scope: { id: scope.id } });
  assert.equal(r.status, 201, r.text);
  return { resourceId: resource.id, roleId: role.id, scopeId: scope.id };
}

/** A catalog and an empty package in it. */
export async function makeCatalogAndPackage(t: TestServer, name: string): Promise<{ catalogId: string; packageId: string }> {
  const c = await t.admin.post(`${EM}/catalogs`, { displayName: `Catalog of ${name}` });
  assert.equal(c.status, 201, c.text);
  const p = await t.admin.post(`${EM}/accessPackages`, { displayName: name, catalog: { id: c.body.id } });
  assert.equal(p.status, 201, p.text);
  return { catalogId: c.body.id, packageId: p.body.id };
}
