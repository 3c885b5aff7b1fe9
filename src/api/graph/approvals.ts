import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { typed } from '../route-input.js';
import { NotFoundError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { canonicalEnum } from '../odata/sql.js';
import { approvalsWaitingFor, readApproval, stageToGraph } from '../read/approvals.js';
import { Body, CollectionOf, GraphObjectSchema, IdParams, Nullable } from '../schemas.js';
import { callerOf } from '../security.js';
import { EM } from './paths.js';

// accessPackageAssignmentApprovals: an approval's id is its request's id; its stages are decided with
// PATCH {reviewResult: Approve|Deny, justification}. 403 for non-approvers, 409 once decided. The
// read side (stages with approvers and decisions, who may read an approval) is in api/read/approvals.ts.

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

  const visibleApproval = (req: FastifyRequest, id: string) => readApproval(db, req.principal!, id);

  app.get(`${base}/filterByCurrentUser(on='approver')`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['approvals'], summary: 'Approvals waiting for the caller: open stages where the caller is an approver and has not decided', response: { 200: CollectionOf(ApprovalSchema) } },
  }, async (req) => {
    const me = req.principal!.userId;
    const waiting = await approvalsWaitingFor(db, me);
    return { value: waiting.map((a) => ({ id: a.id, stages: a.stages.map((v) => stageToGraph(v, me)) })) };
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
