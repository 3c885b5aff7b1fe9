import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathParam, typed } from '../route-input.js';
import { ValidationError } from '../../domain/errors.js';
import { REQUEST_TYPES, REQUEST_TYPE_ALIASES, SUBMITTABLE_REQUEST_TYPES, type SubmittableRequestType } from '../../domain/request-lifecycle.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { ODataQuery } from '../odata/query-options.js';
import { canonicalEnum } from '../odata/sql.js';
import type { ReadCtx } from '../read/common.js';
import { catalogOfRequest, listRequests, readRequest, requestToGraph, requestsOfCurrentUser, visibleRequests } from '../read/requests.js';
import { Body, CollectionOf, GraphObjectSchema, IdParams, Nullable } from '../schemas.js';
import { callerOf } from '../security.js';
import { EM } from './paths.js';

// accessPackageAssignmentRequest: the only door through which access changes. Submitting runs every
// check before anything is stored; the state then moves as approvals, delivery and timers act.
// The read side (the entity set, who may read, the read queries) is in api/read/requests.ts.



const AssignmentRef = Type.Object({
  id: Type.Optional(Type.String({ maxLength: 200 })),
  accessPackageId: Type.Optional(Type.String({ maxLength: 200 })),
  assignmentPolicyId: Type.Optional(Type.String({ maxLength: 200 })),
  targetId: Type.Optional(Type.String({ maxLength: 200 })),
  target: Type.Optional(Type.Object({
    email: Type.Optional(Type.String({ maxLength: 320 })),
    objectId: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  }, { additionalProperties: true })),
}, { additionalProperties: true, description: 'the assignment to create (accessPackageId, assignmentPolicyId, targetId or target.email) or to change ({id})' });

const CreateRequest = Body({
  requestType: Type.String({ maxLength: 40, description: `One of: ${SUBMITTABLE_REQUEST_TYPES.join(', ')} (any casing; UserExtend means userUpdate).` }),
  assignment: Type.Optional(AssignmentRef),
  accessPackageAssignment: Type.Optional(AssignmentRef),
  justification: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
  schedule: Type.Optional(Type.Unknown({ description: 'entitlementManagementSchedule: startDateTime, expiration{type,endDateTime,duration}' })),
  answers: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 100 })),
  isValidationOnly: Type.Optional(Type.Boolean({ description: 'run every check, store nothing' })),
}, {
  readOnly: ['id', 'createdDateTime', 'completedDateTime', 'state', 'status', 'requestState', 'requestStatus', 'completedDate', 'verifiedCredentialsData',
    'customExtensionHandlerInstances', 'customExtensionCalloutInstances'],
});


function submittableType(raw: string): SubmittableRequestType {
  const alias = REQUEST_TYPE_ALIASES[raw.toLowerCase()];
  const t = alias ?? canonicalEnum(REQUEST_TYPES, raw, 'requestType');
  if (!(SUBMITTABLE_REQUEST_TYPES as readonly string[]).includes(t)) {
    throw new ValidationError(`requestType '${raw}' cannot be submitted; use one of: ${SUBMITTABLE_REQUEST_TYPES.join(', ')}.`, 'requestType');
  }
  return t as SubmittableRequestType;
}

const RequestSchema = GraphObjectSchema('accessPackageAssignmentRequest', {
  requestType: Type.String(), state: Type.String(), status: Type.String(), createdDateTime: Type.String(), completedDateTime: Nullable(Type.String()),
  justification: Nullable(Type.String()),
});

export function registerAssignmentRequestRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  const ctxOf = (req: FastifyRequest): ReadCtx => ({ db, principal: req.principal! });

  app.get(`${EM}/assignmentRequests`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['assignmentRequests'], summary: 'Requests in catalogs where the caller reads assignments, and the caller’s own', querystring: ODataQuery, response: { 200: CollectionOf(RequestSchema) } },
  }, async (req) => listRequests(visibleRequests(db, req.principal!), req, ctxOf(req)));

  for (const on of ['target', 'createdBy', 'approver'] as const) {
    app.get(`${EM}/assignmentRequests/filterByCurrentUser(on='${on}')`, {
      config: { auth: { authenticated: true } },
      schema: { tags: ['assignmentRequests'], summary: `Requests where the caller is the ${on === 'createdBy' ? 'requestor' : on}`, querystring: ODataQuery, response: { 200: CollectionOf(RequestSchema) } },
    }, async (req) => listRequests(requestsOfCurrentUser(db, req.principal!.userId, on), req, ctxOf(req)));
  }

  app.get(`${EM}/assignmentRequests/:id`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['assignmentRequests'], summary: 'Get a request (requestor, target, approvers, and assignment readers of its catalog)', params: IdParams, querystring: ODataQuery, response: { 200: RequestSchema } },
  }, async (req) => readRequest(req.params.id, req, ctxOf(req)));

  // The permission depends on the body (the package's catalog for admin requests, the caller being
  // the target for user requests), so the engine checks it after reading the body.
  app.post(`${EM}/assignmentRequests`, {
    config: { auth: { authenticated: true } },
    schema: {
      tags: ['assignmentRequests'], summary: 'Submit a request: userAdd/adminAdd, userUpdate/adminUpdate (extension), userRemove/adminRemove',
      body: CreateRequest, response: { 201: RequestSchema, 200: RequestSchema },
    },
  }, async (req, reply) => {
    const b = req.body;
    const a = b.assignment ?? b.accessPackageAssignment ?? {};
    const idem = req.headers['idempotency-key'];
    if (idem !== undefined && (typeof idem !== 'string' || idem.length > 200)) throw new ValidationError('The Idempotency-Key header must be one value of at most 200 characters.', 'Idempotency-Key');
    const input = {
      requestType: submittableType(b.requestType),
      accessPackageId: a.accessPackageId,
      policyId: a.assignmentPolicyId,
      targetId: a.targetId ?? a.target?.objectId ?? undefined,
      targetEmail: a.target?.email,
      assignmentId: a.id,
      justification: b.justification,
      schedule: b.schedule,
      answers: b.answers,
      idempotencyKey: (idem as string | undefined) ?? null,
    };
    if (input.targetEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.targetEmail)) throw new ValidationError(`'${input.targetEmail}' is not an email address.`, 'assignment.target.email');
    const row = b.isValidationOnly ? await services.lifecycle.validate(callerOf(req), input) : await services.lifecycle.submit(callerOf(req), input);
    return reply.status(b.isValidationOnly ? 200 : 201).header('Location', `${EM}/assignmentRequests/${row.id}`).send(requestToGraph(row));
  });

  app.post(`${EM}/assignmentRequests/:id/cancel`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['assignmentRequests'], summary: 'Cancel a request that is not delivered yet (requestor, target, or an assignment manager)', params: IdParams, response: { 200: RequestSchema } },
  }, async (req) => requestToGraph(await services.lifecycle.cancel(callerOf(req), req.params.id)));

  app.post(`${EM}/assignmentRequests/:id/reprocess`, {
    config: { auth: { catalog: 'assignment.write', of: async (req) => catalogOfRequest(db, pathParam(req, 'id')) } },
    schema: { tags: ['assignmentRequests'], summary: 'Retry the failed deliveries of a partially delivered or failed request', params: IdParams, response: { 202: Type.Null() } },
  }, async (req, reply) => {
    await services.lifecycle.reprocessRequest(callerOf(req), req.params.id);
    return reply.status(202).send(null);
  });

  app.delete(`${EM}/assignmentRequests/:id`, {
    config: { auth: { catalog: 'assignment.write', of: async (req) => catalogOfRequest(db, pathParam(req, 'id')) } },
    schema: { tags: ['assignmentRequests'], summary: 'Delete a completed request that has no assignment', params: IdParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await services.lifecycle.deleteRequest(callerOf(req), req.params.id);
    return reply.status(204).send(null);
  });
}
