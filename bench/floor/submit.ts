import { randomUUID } from 'node:crypto';
import { ACTIVE_ASSIGNMENT_STATES, OPEN_REQUEST_STATES } from '../../src/domain/request-lifecycle.js';
import { audienceMatch } from './auth.js';
import { marks } from './db.js';
import { DELIVERING, assignmentStartedAudit, deliver, endOf, startAssignment, type RoleScope, type Started } from './delivery.js';
import { audit } from './records.js';
import { EM, callerOf, isRefusal, refuse, type FloorRoutes, type Refusal } from './route.js';

// Floor of the lifecycle scenario: POST assignmentRequests (userAdd for oneself, on a package whose policy
// needs no approval) to delivered. The submit transaction: the package with its catalog, the policy whose
// self-add audience holds the caller and the package's resource roles, in one read (on PostgreSQL locking the
// package row, which serialises add requests for one package as Latchkey's lockRow does; on SQLite BEGIN
// IMMEDIATE already holds the write lock); the duplicate and separation-of-duties checks in one statement;
// then the request (inserted in its delivering state, where Latchkey inserts it submitted and updates it), the
// assignment, its grants, the fulfil job and the three audit events (submitted, auto-approved, started). Then
// the delivery transaction (delivery.ts). Left out: body validation beyond what the bench sends, answers and
// custom schedules (none), on-behalf and admin requests, and approval (approval packages get a 501: their
// floor starts at the decision, approval.ts).

interface PackagePolicyRow extends RoleScope {
  id: string;
  display_name: string;
  catalog_state: string;
  policy_id: string;
  request_approval_settings: string;
  expiration: string;
}

interface SubmitBody {
  requestType?: string;
  assignment?: { accessPackageId?: string };
}

export const submit: FloorRoutes = (app, db) => {
  app.post<{ Body: SubmitBody }>(`${EM}/assignmentRequests`, async (req, reply) => {
    const caller = await callerOf(db, req, reply);
    if (!caller) return reply;
    const packageId = req.body?.assignment?.accessPackageId;
    if (req.body?.requestType !== 'userAdd' || typeof packageId !== 'string') return reply.code(400).send({ error: { code: 'BadRequest', message: 'the floor takes userAdd for oneself' } });
    const audience = audienceMatch(caller);
    const started = await db.tx(async (q): Promise<Started | Refusal> => {
      const rows = await q.all<PackagePolicyRow>(
        `select p.id, p.display_name, c.state as catalog_state, pol.id as policy_id, pol.request_approval_settings, pol.expiration, rs.role_id, rs.scope_id
         from access_packages p join catalogs c on c.id = p.catalog_id join assignment_policies pol on pol.access_package_id = p.id
         join resource_role_scopes rs on rs.access_package_id = p.id
         where p.id = ? and exists (select 1 from assignment_policy_audience a where a.policy_id = pol.id and ${audience.sql})${db.pg ? ' for update of p' : ''}`,
        [packageId, ...audience.params]);
      if (rows.length === 0) return { status: 403, message: "You don't meet the requirements of any policy of this access package." };
      const pkg = rows[0];
      if (pkg.catalog_state !== 'published') return { status: 403, message: 'The catalog is not published.' };
      if (new Set(rows.map((r) => r.policy_id)).size > 1) return { status: 400, message: 'Several policies apply.' };
      const approval = JSON.parse(pkg.request_approval_settings) as { isApprovalRequiredForAdd: boolean; stages: unknown[] };
      if (approval.isApprovalRequiredForAdd && approval.stages.length > 0) return { status: 501, message: 'the floor does not start approvals' };
      const [check] = await q.all<{ open_request: unknown; active: unknown; incompatible: unknown }>(
        `select exists (select 1 from assignment_requests where access_package_id = ? and target_id = ? and request_type in ('userAdd', 'adminAdd', 'systemAdd') and state in (${marks(OPEN_REQUEST_STATES.length)})) as open_request,
           exists (select 1 from assignments where access_package_id = ? and target_id = ? and state in (${marks(ACTIVE_ASSIGNMENT_STATES.length)})) as active,
           exists (select 1 from incompatible_access_packages i join assignments a on a.access_package_id = i.incompatible_access_package_id
             where i.access_package_id = ? and a.target_id = ? and a.state in (${marks(ACTIVE_ASSIGNMENT_STATES.length)}))
           or exists (select 1 from incompatible_groups where access_package_id = ? and group_id in (${caller.groupIds.length ? marks(caller.groupIds.length) : 'null'})) as incompatible`,
        [packageId, caller.userId, ...OPEN_REQUEST_STATES, packageId, caller.userId, ...ACTIVE_ASSIGNMENT_STATES, packageId, caller.userId, ...ACTIVE_ASSIGNMENT_STATES, packageId, ...caller.groupIds]);
      if (Number(check.open_request) || Number(check.active)) return { status: 409, message: 'There is already an open request or an assignment for this access package and person.' };
      if (Number(check.incompatible)) return { status: 403, message: 'Separation of duties.' };
      const now = new Date();
      const at = now.toISOString();
      const endAt = endOf(pkg.expiration, now);
      const requestId = randomUUID();
      const assignmentId = randomUUID();
      await q.run(`insert into assignment_requests (id, policy_id, assignment_id, state, status, requestor_id, target_id, target_email, justification, answers, schedule,
          idempotency_key, created_at, completed_at, start_at, end_at, modified_at, reason, access_package_id, request_type) values (${marks(20)})`,
        [requestId, pkg.policy_id, assignmentId, DELIVERING.state, DELIVERING.status, caller.userId, caller.userId, null, null, '[]', '{}', null, at, null, at, endAt, at, null, packageId, 'userAdd']);
      const jobId = await startAssignment(q, at, { assignmentId, requestId, packageId, policyId: pkg.policy_id, targetId: caller.userId, endAt, justification: null, answers: '[]' }, rows);
      await audit(q, at, [
        { activity: 'User requests access package assignment', targetType: 'accessPackageAssignmentRequest', targetId: requestId, targetDisplayName: pkg.display_name,
          modifiedProperties: [{ displayName: 'accessPackageId', oldValue: null, newValue: packageId }, { displayName: 'targetId', oldValue: null, newValue: caller.userId }],
          actor: { id: caller.userId, displayName: caller.displayName } },
        { activity: 'Auto approve access package assignment request', targetType: 'accessPackageAssignmentRequest', targetId: requestId },
        assignmentStartedAudit(assignmentId, at, endAt),
      ]);
      return { requestId, assignmentId, jobId, targetId: caller.userId, packageName: pkg.display_name, mailTo: { mail: caller.mail, name: caller.displayName } };
    });
    if (isRefusal(started)) return refuse(reply, started);
    await deliver(db, started);
    return reply.code(201).send({ id: started.requestId, requestType: 'userAdd', state: DELIVERING.state, status: DELIVERING.status });
  });
};
