import assert from 'node:assert/strict';
import { newId } from '../../src/domain/ids.js';
import { connectionSecretsContext } from '../../src/services/connections/targets.js';
import { insertConnection } from '../../src/store/connections.js';
import { insertResource } from '../../src/store/resources.js';
import { EM } from './client.js';
import type { TestServer } from './server.js';

// Connections and their resources for the delivery tests, made through the store (as the connections
// API will make them: settings as JSON, secrets sealed by the app's secret box with the connection id
// as context) so that delivery can be tested while the API is built. Once the connections API and
// resourceRequests with an environment exist, these can call them instead.

export interface ConnectionInput {
  kind: 'ldap' | 'scim' | 'postgresql' | 'webhook';
  displayName?: string;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  timeoutMs?: number;
  concurrency?: number;
}

export async function makeConnection(t: TestServer, input: ConnectionInput): Promise<string> {
  const id = newId();
  const at = t.clock.now().toISOString();
  await insertConnection(t.store.db, {
    id, kind: input.kind, displayName: input.displayName ?? `${input.kind} ${id.slice(0, 6)}`, description: null,
    settings: JSON.stringify(input.settings), secrets: t.app.services.secretBox.sealSecrets(input.secrets, connectionSecretsContext(id)),
    timeoutMs: input.timeoutMs ?? 5000, concurrency: input.concurrency ?? 4, reconcileInterval: null, nextReconcileAt: null,
    health: 'unknown', lastError: null, lastErrorAt: null, lastSuccessAt: null, createdAt: at, modifiedAt: at,
  });
  return id;
}

export interface ConnectedRole {
  resourceId: string;
  roleId: string;
  scopeId: string;
}

/**
 * Adds the target's resource `originId` to a catalog (its roles as the connection's target offers them,
 * one root scope), and the role `roleOriginId` of it to the package; returns the catalog's ids.
 */
export async function addConnectedRole(t: TestServer, input: { connectionId: string; catalogId: string; packageId: string; originId: string; roleOriginId: string }): Promise<ConnectedRole> {
  const { kind, target } = await t.app.services.connectionTargets.clientOf(input.connectionId);
  const found = await target.lookupResource(input.originId);
  assert.ok(found, `the target has ${input.originId}`);
  const at = t.clock.now().toISOString();
  const resourceId = newId();
  const roles = target.rolesOf(found).map((r) => ({
    id: newId(), resourceId, originSystem: kind.originSystem, originId: r.originId, displayName: r.displayName, description: r.description,
  }));
  const scope = { id: newId(), resourceId, originSystem: kind.originSystem, originId: input.originId, displayName: 'Root', description: null, isRootScope: 1 };
  await t.store.db.transaction().execute((tx) => insertResource(tx, {
    id: resourceId, catalogId: input.catalogId, originSystem: kind.originSystem, originId: found.originId, displayName: found.displayName,
    description: found.description, resourceType: found.resourceType, attributes: '[]', createdAt: at, modifiedAt: at, connectionId: input.connectionId, exclusive: 0,
  }, roles, [scope]));
  const role = roles.find((r) => r.originId === input.roleOriginId);
  assert.ok(role, `${input.originId} offers the role ${input.roleOriginId} (it offers ${roles.map((r) => r.originId).join(', ')})`);
  const r = await t.admin.post(`${EM}/accessPackages/${input.packageId}/resourceRoleScopes`, { role: { id: role.id }, scope: { id: scope.id } });
  assert.equal(r.status, 201, r.text);
  return { resourceId, roleId: role.id, scopeId: scope.id };
}

/** A catalog and an empty package in it. */
export async function makeCatalogAndPackage(t: TestServer, name: string): Promise<{ catalogId: string; packageId: string }> {
  const c = await t.admin.post(`${EM}/catalogs`, { displayName: `Catalog of ${name}` });
  assert.equal(c.status, 201, c.text);
  const p = await t.admin.post(`${EM}/accessPackages`, { displayName: name, catalog: { id: c.body.id } });
  assert.equal(p.status, 201, p.text);
  return { catalogId: c.body.id, packageId: p.body.id };
}
