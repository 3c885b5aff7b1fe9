import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { typed } from '../route-input.js';
import { canCatalog } from '../../domain/authorization.js';
import { ForbiddenError, NotFoundError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import type { ApprovalStagesTable } from '../../store/schema.js';
import { canonicalEnum } from '../odata/sql.js';
import { Body, CollectionOf, GraphObjectSchema, IdParams, Nullable } from '../schemas.js';
import { callerOf } from '../security.js';
import { EM } from './paths.js';

// accessPackageAssignmentApprovals: an approval's id is its request's id; its stages are decided with
// PATCH {reviewResult: Approve|Deny, justification}. 403 for non-approvers, 409 once decided.

type StageRow = ApprovalStagesTable;

interface StageView {
  stage: StageRow;
  approvers: { approverId: string; kind: string }[];
  decisions: { approverId: string; reviewResult: string; justification: string | null; decidedAt: string }[];
  reviewer: { id: string; displayName: string } | null;
}

function stageToGraph(v: StageView, me: string) {
  const s = v.stage;
  return {
    id: s.id,
    displayName: `Stage ${s.stageIndex + 1}`,
    assignedToMe: s.status === 'InProgress' && v.approvers.some((a) => a.approverId === me) && !v.decisions.some((d) => d.approverId === me),
    reviewResult: s.reviewResult,
    status: s.status,
    justification: s.justification,
    reviewedBy: v.reviewer ? { id: v.reviewer.id, displayName: v.reviewer.displayName } : null,
    reviewedDateTime: s.reviewedAt,
    // Latchkey additions: the decision deadline, the quorum and the decisions taken so far
    dueDateTime: s.dueAt,
    escalated: !!s.escalated,
    approvalsRequired: s.approvalsRequired,
    // so an approver's form can ask for a justification before sending (approvers may not read the policy)
    isApproverJustificationRequired: !!s.isApproverJustificationRequired,
    decisions: v.decisions.map((d) => ({ reviewedBy: { id: d.approverId }, reviewResult: d.reviewResult === 'Approve' ? 'Approved' : 'Denied', justification: d.justification, reviewedDateTime: d.decidedAt })),
  };
}

async function stageViews(db: Db, requestIds: string[]): Promise<Map<string, StageView[]>> {
  const out = new Map<string, StageView[]>();
  if (requestIds.length === 0) return out;
  const stages = await db.selectFrom('approvalStages').selectAll().where('requestId', 'in', requestIds).orderBy('stageIndex').execute();
  const approvers = await db.selectFrom('approvalStageApprovers').select(['stageId', 'approverId', 'kind']).where('requestId', 'in', requestIds).execute();
  const decisions = await db.selectFrom('approvalDecisions').select(['stageId', 'approverId', 'reviewResult', 'justification', 'decidedAt']).where('requestId', 'in', requestIds).orderBy('decidedAt').execute();
  const reviewerIds = [...new Set(stages.map((s) => s.reviewedById).filter((x): x is string => !!x))];
  const reviewers = reviewerIds.length ? await db.selectFrom('users').select(['id', 'displayName']).where('id', 'in', reviewerIds).execute() : [];
  for (const s of stages) {
    const list = out.get(s.requestId) ?? [];
    list.push({
      stage: s,
      approvers: approvers.filter((a) => a.stageId === s.id),
      decisions: decisions.filter((d) => d.stageId === s.id),
      reviewer: reviewers.find((r) => r.id === s.reviewedById) ?? null,
    });
    out.set(s.requestId, list);
  }
  return out;
}

const StageSchema = GraphObjectSchema('approvalStage', {
  displayName: Type.String(), assignedToMe: Type.Boolean(), reviewResult: Type.String(), status: Type.String(), justification: Nullable(Type.String()),
});
const ApprovalSchema = GraphObjectSchema('approval', { stages: Type.Array(StageSchema) });

const Decide = Body({
  reviewResult: Type.String({ maxLength: 20, description: 'Approve or Deny (any casing)' }),
  justification: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
}, { readOnly: ['id', 'status', 'displayName', 'assignedToMe', 'reviewedBy', 'reviewedDateTime'] });

const StageParams = Type.Object({ id: Type.String({ maxLength: 200 }), stageId: Type.String({ maxLength: 200 }) });

export function registerApprovalRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  const base = `${EM}/accessPackageAssignmentApprovals`;

  /** The approval of one request, if the caller may see it: an approver of any stage, the requestor or target, or an assignment reader. */
  async function visibleApproval(req: FastifyRequest, id: string): Promise<StageView[]> {
    const r = isGuid(id)
      ? await db.selectFrom('assignmentRequests').innerJoin('accessPackages', 'accessPackages.id', 'assignmentRequests.accessPackageId')
        .select(['assignmentRequests.id', 'assignmentRequests.requestorId', 'assignmentRequests.targetId', 'accessPackages.catalogId'])
        .where('assignmentRequests.id', '=', id).executeTakeFirst()
      : undefined;
    const views = r ? (await stageViews(db, [r.id])).get(r.id) : undefined;
    if (!r || !views) throw new NotFoundError('Approval', id);
    const me = req.principal!.userId;
    const allowed = r.requestorId === me || r.targetId === me || canCatalog(req.principal!, 'assignment.read', r.catalogId)
      || views.some((v) => v.approvers.some((a) => a.approverId === me));
    if (!allowed) throw new ForbiddenError('You are not an approver of this request.');
    return views;
  }

  app.get(`${base}/filterByCurrentUser(on='approver')`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['approvals'], summary: 'Approvals waiting for the caller: open stages where the caller is an approver and has not decided', response: { 200: CollectionOf(ApprovalSchema) } },
  }, async (req) => {
    const me = req.principal!.userId;
    const open = await db.selectFrom('approvalStageApprovers')
      .innerJoin('approvalStages', 'approvalStages.id', 'approvalStageApprovers.stageId')
      .innerJoin('assignmentRequests', 'assignmentRequests.id', 'approvalStages.requestId')
      // as filterByCurrentUser(on='approver') on assignmentRequests does: the portal's Pending count is this list's length
      .innerJoin('accessPackages', 'accessPackages.id', 'assignmentRequests.accessPackageId')
      .select(['approvalStages.requestId', 'assignmentRequests.requestorId', 'assignmentRequests.targetId'])
      .where('approvalStageApprovers.approverId', '=', me)
      .where('approvalStages.status', '=', 'InProgress')
      .where('approvalStages.id', 'not in', db.selectFrom('approvalDecisions').select('stageId').where('approverId', '=', me))
      .orderBy('assignmentRequests.createdAt')
      .limit(999)
      .execute();
    // the reference hides people's own requests from their approvals
    const ids = [...new Set(open.filter((o) => o.requestorId !== me && o.targetId !== me).map((o) => o.requestId))];
    const views = await stageViews(db, ids);
    return { value: ids.map((id) => ({ id, stages: (views.get(id) ?? []).map((v) => stageToGraph(v, me)) })) };
  });

  app.get(`${base}/:id`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['approvals'], summary: 'An approval (id = its request id) with its stages', params: IdParams, response: { 200: ApprovalSchema } },
  }, async (req) => {
    const id = req.params.id;
    const views = await visibleApproval(req, id);
    return { id, stages: views.map((v) => stageToGraph(v, req.principal!.userId)) };
  });

  app.get(`${base}/:id/stages`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['approvals'], summary: 'The stages of an approval', params: IdParams, response: { 200: CollectionOf(StageSchema) } },
  }, async (req) => {
    const views = await visibleApproval(req, req.params.id);
    return { value: views.map((v) => stageToGraph(v, req.principal!.userId)) };
  });

  app.get(`${base}/:id/stages/:stageId`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['approvals'], summary: 'One stage of an approval', params: StageParams, response: { 200: StageSchema } },
  }, async (req) => {
    const { id, stageId } = req.params;
    const v = (await visibleApproval(req, id)).find((x) => x.stage.id === stageId);
    if (!v) throw new NotFoundError('Approval stage', stageId);
    return stageToGraph(v, req.principal!.userId);
  });

  // Whether the caller may decide depends on the stage's approvers, so the engine checks it (403 for others).
  app.patch(`${base}/:id/stages/:stageId`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['approvals'], summary: 'Decide a stage: {reviewResult: Approve|Deny, justification}; 409 when already decided', params: StageParams, body: Decide, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const { id, stageId } = req.params;
    const b = req.body;
    const decision = canonicalEnum(['Approve', 'Deny'], b.reviewResult, 'reviewResult') as 'Approve' | 'Deny';
    if (!isGuid(id)) throw new NotFoundError('Approval', id);
    await services.lifecycle.decide(callerOf(req), id, stageId, { reviewResult: decision, justification: b.justification ?? null });
    return reply.status(204).send(null);
  });
}
