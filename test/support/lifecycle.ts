import assert from 'node:assert/strict';
import { newId } from '../../src/domain/ids.js';
import { EM } from './client.js';
import type { TestServer } from './server.js';

// Builders for lifecycle tests: everything goes through the public API, as a client would.

export const V1 = '/v1.0';

export async function makeGroup(t: TestServer, displayName: string, members: string[] = []): Promise<string> {
  const g = await t.admin.post(`${V1}/groups`, { displayName, mailEnabled: false, mailNickname: displayName.toLowerCase().replace(/\W+/g, ''), securityEnabled: true });
  assert.equal(g.status, 201, g.text);
  for (const m of members) {
    const r = await t.admin.post(`${V1}/groups/${g.body.id}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${m}` });
    assert.equal(r.status, 204, r.text);
  }
  return g.body.id;
}

export async function groupMemberIds(t: TestServer, groupId: string): Promise<string[]> {
  const r = await t.admin.get(`${V1}/groups/${groupId}/members?$select=id`);
  assert.equal(r.status, 200, r.text);
  return r.body.value.map((m: { id: string }) => m.id).sort();
}

export interface PackageFixture {
  catalogId: string;
  packageId: string;
  /** the directory group the package's Member role grants */
  groupId: string;
}

/** A catalog with a group resource and a package granting the group's Member role (plus optional TestSystem resources). */
export async function makePackage(t: TestServer, name = `Pkg ${newId().slice(0, 6)}`, opts: { testResources?: string[] } = {}): Promise<PackageFixture> {
  const c = await t.admin.post(`${EM}/catalogs`, { displayName: `Catalog of ${name}` });
  assert.equal(c.status, 201, c.text);
  const groupId = await makeGroup(t, `Group of ${name}`);
  const p = await t.admin.post(`${EM}/accessPackages`, { displayName: name, catalog: { id: c.body.id } });
  assert.equal(p.status, 201, p.text);
  await addRole(t, c.body.id, p.body.id, 'AadGroup', groupId, 'Member');
  for (const r of opts.testResources ?? []) await addRole(t, c.body.id, p.body.id, 'TestSystem', r, 'Reader');
  return { catalogId: c.body.id, packageId: p.body.id, groupId };
}

export async function addRole(t: TestServer, catalogId: string, packageId: string, originSystem: string, originId: string, roleName: string): Promise<string> {
  let res = (await t.admin.get(`${EM}/catalogs/${catalogId}/resources?$filter=originId eq '${originId}'&$expand=roles,scopes`)).body.value[0];
  if (!res) {
    const rr = await t.admin.post(`${EM}/resourceRequests`, { requestType: 'adminAdd', resource: { originId, originSystem }, catalog: { id: catalogId } });
    assert.equal(rr.status, 201, rr.text);
    res = (await t.admin.get(`${EM}/catalogs/${catalogId}/resources?$filter=originId eq '${originId}'&$expand=roles,scopes`)).body.value[0];
  }
  const role = res.roles.find((x: { displayName: string }) => x.displayName === roleName);
  const scope = res.scopes.find((x: { isRootScope: boolean }) => x.isRootScope);
  const r = await t.admin.post(`${EM}/accessPackages/${packageId}/resourceRoleScopes`, { role: { id: role.id }, scope: { id: scope.id } });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

const singleUser = (userId: string) => ({ '@odata.type': '#microsoft.graph.singleUser', userId });

export function stage(approverIds: string[], extra: Record<string, unknown> = {}) {
  return {
    durationBeforeAutomaticDenial: 'P14D', isApproverJustificationRequired: false, isEscalationEnabled: false, durationBeforeEscalation: 'PT0S',
    primaryApprovers: approverIds.map(singleUser), fallbackPrimaryApprovers: [], escalationApprovers: [], fallbackEscalationApprovers: [], ...extra,
  };
}

/** A self-service policy: who may request (a group or everyone), optional approval stages and expiration. */
export async function makePolicy(t: TestServer, packageId: string, opts: {
  scope?: string; groupId?: string; stages?: unknown[]; expiration?: unknown; extend?: boolean; extendApproval?: boolean; justification?: boolean;
  questions?: unknown[]; customSchedule?: boolean; selfRemove?: boolean; extra?: Record<string, unknown>;
} = {}): Promise<string> {
  const scope = opts.scope ?? (opts.groupId ? 'specificDirectoryUsers' : 'allMemberUsers');
  const body = {
    displayName: `Policy ${newId().slice(0, 6)}`, description: 'test policy', allowedTargetScope: scope,
    specificAllowedTargets: opts.groupId ? [{ '@odata.type': '#microsoft.graph.groupMembers', groupId: opts.groupId }] : [],
    expiration: opts.expiration ?? { type: 'afterDuration', duration: 'P7D' },
    requestorSettings: {
      enableTargetsToSelfAddAccess: scope !== 'notSpecified', enableTargetsToSelfUpdateAccess: !!opts.extend, enableTargetsToSelfRemoveAccess: !!opts.selfRemove,
      allowCustomAssignmentSchedule: !!opts.customSchedule, enableOnBehalfRequestorsToAddAccess: false, enableOnBehalfRequestorsToUpdateAccess: false,
      enableOnBehalfRequestorsToRemoveAccess: false, onBehalfRequestors: [],
    },
    requestApprovalSettings: {
      isApprovalRequiredForAdd: (opts.stages?.length ?? 0) > 0, isApprovalRequiredForUpdate: !!opts.extendApproval, isRequestorJustificationRequired: !!opts.justification,
      stages: opts.stages ?? [],
    },
    questions: opts.questions ?? [],
    accessPackage: { id: packageId },
    ...opts.extra,
  };
  const r = await t.admin.post(`${EM}/assignmentPolicies`, body);
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

export const DAY = 86_400_000;
