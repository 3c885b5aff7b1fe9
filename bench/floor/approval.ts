import { randomUUID } from 'node:crypto';
import { DELIVERING, assignmentStartedAudit, deliver, endOf, startAssignment, type RoleScope, type Started } from './delivery.js';
import { audit, mail } from './records.js';
import { EM, callerOf, isRefusal, refuse, type FloorRoutes, type Refusal } from './route.js';

// Floor of the approval scenario: an approver's PATCH of an open stage (Approve) to delivered. The decision
// transaction: the stage with its request, policy, package and the two people to tell, whether the caller is
// its approver, has decided already and whether a later stage follows, in one read (on PostgreSQL locking the
// request row, as Latchkey's decision does; SQLite's write lock is already held); the package's resource roles;
// then the decision, the stage completed, the request delivering, the assignment, grants and fulfil job, two
// audit events (decided, started) and the requestor's mail. Then the delivery transaction (delivery.ts). Left
// out: deny, multi-stage approvals, a quorum above one and group approvers (the bench has none: they get a
// 501), the approver's justification rules (the bench's policies require none).

interface StageRow {
  status: string;
  stage_index: number;
  approvals_required: number;
  state: string;
  requestor_id: string;
  target_id: string;
  access_package_id: string;
  policy_id: string;
  justification: string | null;
  answers: string;
  expiration: string;
  package_name: string;
  requestor_mail: string | null;
  requestor_name: string;
  target_mail: string | null;
  target_name: string;
  is_approver: unknown;
  decided: unknown;
  later: unknown;
}

interface DecideBody {
  reviewResult?: string;
  justification?: string;
}

export const approval: FloorRoutes = (app, db) => {
  app.patch<{ Params: { id: string; stageId: string }; Body: DecideBody }>(`${EM}/accessPackageAssignmentApprovals/:id/stages/:stageId`, async (req, reply) => {
    const caller = await callerOf(db, req, reply);
    if (!caller) return reply;
    if (req.body?.reviewResult !== 'Approve') return reply.code(501).send({ error: { code: 'NotImplemented', message: 'the floor approves only' } });
    const justification = req.body.justification ?? null;
    const { id: requestId, stageId } = req.params;
    const me = caller.userId;
    const started = await db.tx(async (q): Promise<Started | Refusal> => {
      const [s] = await q.all<StageRow>(
        `select s.status, s.stage_index, s.approvals_required, r.state, r.requestor_id, r.target_id, r.access_package_id, r.policy_id, r.justification, r.answers,
           pol.expiration, p.display_name as package_name, u.mail as requestor_mail, u.display_name as requestor_name, t.mail as target_mail, t.display_name as target_name,
           exists (select 1 from approval_stage_approvers where stage_id = s.id and approver_id = ?) as is_approver,
           exists (select 1 from approval_decisions where stage_id = s.id and approver_id = ?) as decided,
           exists (select 1 from approval_stages n where n.request_id = s.request_id and n.stage_index > s.stage_index) as later
         from approval_stages s join assignment_requests r on r.id = s.request_id join access_packages p on p.id = r.access_package_id
           join assignment_policies pol on pol.id = r.policy_id join users u on u.id = r.requestor_id join users t on t.id = r.target_id
         where s.id = ? and s.request_id = ?${db.pg ? ' for update of r' : ''}`, [me, me, stageId, requestId]);
      if (!s) return { status: 404, message: 'No such stage.' };
      if (!Number(s.is_approver)) return { status: 403, message: 'You are not an approver of this stage.' };
      if (s.status !== 'InProgress' || Number(s.decided) || s.state !== 'pendingApproval') return { status: 409, message: 'This stage is decided.' };
      if (Number(s.later) || Number(s.approvals_required) > 1) return { status: 501, message: 'the floor decides single-stage, single-approver approvals' };
      const roles = await q.all<RoleScope>('select role_id, scope_id from resource_role_scopes where access_package_id = ?', [s.access_package_id]);
      const now = new Date();
      const at = now.toISOString();
      const endAt = endOf(s.expiration, now);
      const assignmentId = randomUUID();
      await q.run('insert into approval_decisions (id, stage_id, request_id, approver_id, review_result, justification, decided_at) values (?, ?, ?, ?, ?, ?, ?)',
        [randomUUID(), stageId, requestId, me, 'Approve', justification, at]);
      await q.run(`update approval_stages set status = 'Completed', review_result = 'Approved', reviewed_by_id = ?, reviewed_at = ?, justification = ? where id = ?`, [me, at, justification, stageId]);
      await q.run('update assignment_requests set state = ?, status = ?, modified_at = ?, assignment_id = ?, start_at = ?, end_at = ? where id = ?',
        [DELIVERING.state, DELIVERING.status, at, assignmentId, at, endAt, requestId]);
      const jobId = await startAssignment(q, at, { assignmentId, requestId, packageId: s.access_package_id, policyId: s.policy_id, targetId: s.target_id, endAt, justification: s.justification, answers: s.answers }, roles);
      await audit(q, at, [
        { activity: 'Approve access package assignment request', targetType: 'accessPackageAssignmentRequest', targetId: requestId, actor: { id: me, displayName: caller.displayName },
          modifiedProperties: [{ displayName: 'stage', oldValue: null, newValue: Number(s.stage_index) + 1 }, { displayName: 'justification', oldValue: null, newValue: justification }] },
        assignmentStartedAudit(assignmentId, at, endAt),
      ]);
      if (s.requestor_mail) await mail(q, at, [{ to: s.requestor_mail, template: 'requestApproved', packageName: s.package_name, name: s.requestor_name }]);
      return { requestId, assignmentId, jobId, targetId: s.target_id, packageName: s.package_name, mailTo: { mail: s.target_mail, name: s.target_name } };
    });
    if (isRefusal(started)) return refuse(reply, started);
    await deliver(db, started);
    return reply.code(204).send();
  });
};
