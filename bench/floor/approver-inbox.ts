import { marks } from './db.js';
import { EM, callerOf, type FloorRoutes } from './route.js';

// Floor of accessPackageAssignmentApprovals/filterByCurrentUser(on='approver'): authenticate, walk the
// groups, then the open stages where the caller is an approver and has not decided (what
// approvalsWaitingFor selects, oldest request first, at most 999), and the stages of those requests with their
// approvers (one query, joined) and decisions (one query). Written as a hand-tuned query would be: from the
// approver's own stage rows (CROSS JOIN keeps SQLite, which has no statistics, from starting at every open
// stage; PostgreSQL treats it as the inner join it is) and NOT EXISTS per stage where Latchkey's NOT IN lists
// every decision of the approver. Three statements where Latchkey runs five (its
// stages and approvers apart, and the reviewers' names, which an open stage does not have yet; a decided
// earlier stage would need them, and the bench's approvals have one stage). Answer as stageToGraph writes it.

interface StageRow {
  id: string;
  request_id: string;
  stage_index: number;
  status: string;
  review_result: string | null;
  justification: string | null;
  reviewed_by_id: string | null;
  reviewed_at: string | null;
  due_at: string | null;
  escalated: number;
  approvals_required: number;
  is_approver_justification_required: number;
  approver_id: string | null;
}

interface DecisionRow {
  stage_id: string;
  approver_id: string;
  review_result: string;
  justification: string | null;
  decided_at: string;
}

export const approverInbox: FloorRoutes = (app, db) => {
  app.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, async (req, reply) => {
    const caller = await callerOf(db, req, reply);
    if (!caller) return reply;
    const me = caller.userId;
    const open = await db.all<{ request_id: string; requestor_id: string; target_id: string | null }>(
      `select s.request_id, r.requestor_id, r.target_id from approval_stage_approvers sa
       cross join approval_stages s join assignment_requests r on r.id = s.request_id join access_packages p on p.id = r.access_package_id
       where s.id = sa.stage_id and sa.approver_id = ? and s.status = 'InProgress'
         and not exists (select 1 from approval_decisions d where d.stage_id = s.id and d.approver_id = ?)
       order by r.created_at limit 999`, [me, me]);
    const ids = [...new Set(open.filter((o) => o.requestor_id !== me && o.target_id !== me).map((o) => o.request_id))];
    if (ids.length === 0) return { value: [] };
    const stages = await db.all<StageRow>(
      `select s.id, s.request_id, s.stage_index, s.status, s.review_result, s.justification, s.reviewed_by_id, s.reviewed_at, s.due_at, s.escalated,
         s.approvals_required, s.is_approver_justification_required, sa.approver_id
       from approval_stages s left join approval_stage_approvers sa on sa.stage_id = s.id where s.request_id in (${marks(ids.length)}) order by s.stage_index`, ids);
    const decisions = await db.all<DecisionRow>(
      `select stage_id, approver_id, review_result, justification, decided_at from approval_decisions where request_id in (${marks(ids.length)}) order by decided_at`, ids);
    const byRequest = new Map<string, Map<string, { stage: StageRow; approvers: string[] }>>();
    for (const s of stages) {
      let list = byRequest.get(s.request_id);
      if (!list) byRequest.set(s.request_id, (list = new Map()));
      let v = list.get(s.id);
      if (!v) list.set(s.id, (v = { stage: s, approvers: [] }));
      if (s.approver_id) v.approvers.push(s.approver_id);
    }
    return {
      value: ids.map((id) => ({
        id,
        stages: [...(byRequest.get(id)?.values() ?? [])].map(({ stage: s, approvers }) => {
          const mine = decisions.filter((d) => d.stage_id === s.id);
          return {
            id: s.id, displayName: `Stage ${Number(s.stage_index) + 1}`,
            assignedToMe: s.status === 'InProgress' && approvers.includes(me) && !mine.some((d) => d.approver_id === me),
            reviewResult: s.review_result, status: s.status, justification: s.justification,
            reviewedBy: s.reviewed_by_id ? { id: s.reviewed_by_id } : null, reviewedDateTime: s.reviewed_at,
            dueDateTime: s.due_at, escalated: !!Number(s.escalated), approvalsRequired: Number(s.approvals_required),
            isApproverJustificationRequired: !!Number(s.is_approver_justification_required),
            decisions: mine.map((d) => ({ reviewedBy: { id: d.approver_id }, reviewResult: d.review_result === 'Approve' ? 'Approved' : 'Denied', justification: d.justification, reviewedDateTime: d.decided_at })),
          };
        }),
      })),
    };
  });
};
