import assert from 'node:assert/strict';
import { newId } from '../../src/domain/ids.js';
import { EM, type ApiClient } from './client.js';
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

// ---- helpers shared by the lifecycle-*.test.ts files

export interface TestUser { id: string; upn: string; client: ApiClient }

/** POST assignmentRequests; returns the raw response (tests assert the status). */
export function submit(client: ApiClient, body: Record<string, unknown>, headers?: Record<string, string>) {
  return client.post(`${EM}/assignmentRequests`, body, headers);
}

/** A userAdd for the caller under a policy; extra merges into the body (justification, answers, schedule). */
export function userAdd(client: ApiClient, packageId: string, policyId?: string, extra: Record<string, unknown> = {}) {
  return submit(client, { requestType: 'userAdd', assignment: { accessPackageId: packageId, ...(policyId ? { assignmentPolicyId: policyId } : {}) }, ...extra });
}

/** An adminAdd by the test administrator. */
export function adminAdd(t: TestServer, packageId: string, policyId: string, target: { targetId: string } | { email: string }, extra: Record<string, unknown> = {}) {
  const assignment = 'targetId' in target
    ? { accessPackageId: packageId, assignmentPolicyId: policyId, targetId: target.targetId }
    : { accessPackageId: packageId, assignmentPolicyId: policyId, target: { email: target.email } };
  return submit(t.admin, { requestType: 'adminAdd', assignment, ...extra });
}

/** An admin-only (notSpecified) policy without approval. */
export function directPolicy(t: TestServer, packageId: string, opts: Parameters<typeof makePolicy>[2] = {}) {
  return makePolicy(t, packageId, { scope: 'notSpecified', ...opts });
}

export async function getRequest(t: TestServer, id: string, query = '') {
  const r = await t.admin.get(`${EM}/assignmentRequests/${id}${query}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

export async function getAssignment(t: TestServer, id: string, query = '') {
  const r = await t.admin.get(`${EM}/assignments/${id}${query}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

/** The stages of a request's approval, as the admin sees them. */
export async function stagesOf(t: TestServer, requestId: string) {
  const r = await t.admin.get(`${EM}/accessPackageAssignmentApprovals/${requestId}/stages`);
  assert.equal(r.status, 200, r.text);
  return r.body.value as { id: string; status: string; reviewResult: string; assignedToMe: boolean; justification: string | null; escalated: boolean; decisions: unknown[] }[];
}

/** An approver decides the open stage of a request; returns the response. */
export async function decide(t: TestServer, approver: ApiClient, requestId: string, reviewResult: 'Approve' | 'Deny' | 'approve' | 'deny', justification?: string) {
  const open = (await stagesOf(t, requestId)).find((s) => s.status === 'InProgress');
  assert.ok(open, `request ${requestId} has no stage in progress`);
  return approver.patch(`${EM}/accessPackageAssignmentApprovals/${requestId}/stages/${open.id}`, { reviewResult, ...(justification !== undefined ? { justification } : {}) });
}

/** Emails queued in the outbox, oldest first (optionally only to one address or of one template). */
export async function outbox(t: TestServer, filter: { to?: string; template?: string } = {}) {
  let q = t.store.db.selectFrom('outboxEmails').selectAll().orderBy('createdAt').orderBy('id');
  if (filter.to) q = q.where('recipient', '=', filter.to);
  if (filter.template) q = q.where('template', '=', filter.template);
  return q.execute();
}

export async function auditActivities(t: TestServer, targetId: string): Promise<string[]> {
  const rows = await t.store.db.selectFrom('auditEvents').select('activity').where('targetId', '=', targetId).orderBy('occurredAt').orderBy('id').execute();
  return rows.map((r) => r.activity);
}

export async function countRows(t: TestServer, table: 'assignmentRequests' | 'assignments' | 'grants' | 'approvalStages' | 'users' | 'outboxEmails'): Promise<number> {
  const r = await t.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A connected organization claiming an email domain. */
export async function makeOrg(t: TestServer, domain: string, state: 'configured' | 'proposed' = 'configured'): Promise<string> {
  const r = await t.admin.post(`${EM}/connectedOrganizations`, {
    displayName: `Org ${domain}`, state,
    identitySources: [{ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: domain, displayName: domain }],
  });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

/** A guest user (mail in the given domain). */
export function guest(t: TestServer, domain: string, fields: Record<string, unknown> = {}) {
  const local = `guest${newId().slice(0, 8)}`;
  return t.user({ displayName: `Guest ${local}`, userType: 'Guest', userPrincipalName: `${local}@${domain}`, mail: `${local}@${domain}`, ...fields });
}

export const HOUR = 3_600_000;
