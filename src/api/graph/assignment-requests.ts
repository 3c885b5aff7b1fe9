import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathParam, typed } from '../route-input.js';
import { catalogsWhere, type Principal } from '../../domain/authorization.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import { parseJsonOr } from '../../domain/json.js';
import {
  REQUEST_STATES, REQUEST_TYPES, REQUEST_TYPE_ALIASES, SUBMITTABLE_REQUEST_TYPES, type SubmittableRequestType,
} from '../../domain/request-lifecycle.js';
import { scheduleToGraph } from '../../domain/schedule.js';
import type { Services } from '../../services/index.js';
import type { RequestRow } from '../../services/lifecycle/common.js';
import type { Db } from '../../store/db.js';
import { pageIds as ids, attachOne, listCollection, shapeOne, type EntitySet, type GraphObject } from '../odata/collection.js';
import { parseQueryOptions } from '../odata/query-options.js';
import { canonicalEnum } from '../odata/sql.js';
import { Body, CollectionOf, GraphObjectSchema, IdParams, Nullable } from '../schemas.js';
import { callerOf } from '../security.js';
import { accessPackageSet } from './access-packages.js';
import { assignmentSet } from './assignments.js';
import type { GraphCtx } from './catalogs.js';
import { requestRule } from '../read/requests.js';
import { EM } from './paths.js';
import { subjectsFor } from '../read/subjects.js';

// accessPackageAssignmentRequest: the only door through which access changes. Submitting runs every
// check before anything is stored; the state then moves as approvals, delivery and timers act.


export function requestToGraph(r: RequestRow): GraphObject {
  return {
    id: r.id,
    requestType: r.requestType,
    state: r.state,
    status: r.status,
    createdDateTime: r.createdAt,
    completedDateTime: r.completedAt,
    justification: r.justification,
    schedule: scheduleToGraph({ startAt: r.startAt ?? r.createdAt, endAt: r.endAt }),
    answers: parseJsonOr<unknown>(r.answers, []),
    customExtensionCalloutInstances: [],
  };
}

/** Failed grants, shown on the request as its fulfilment errors (count and messages). */
async function withFulfillmentErrors(db: Db, rows: RequestRow[], objects: GraphObject[]): Promise<void> {
  const assignmentIds = [...new Set(rows.map((r) => r.assignmentId).filter((x): x is string => !!x))];
  const errors = assignmentIds.length
    ? await db.selectFrom('grants')
      .innerJoin('resourceRoles', 'resourceRoles.id', 'grants.resourceRoleId')
      .innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
      .select(['grants.assignmentId', 'grants.state', 'grants.lastError', 'grants.attempts', 'grants.nextAttemptAt', 'resources.displayName as resource', 'resourceRoles.displayName as role'])
      .where('grants.assignmentId', 'in', assignmentIds).where('grants.lastError', 'is not', null).where('grants.state', 'in', ['failed', 'pending', 'revoking'])
      .execute()
    : [];
  const byId = new Map(rows.map((r) => [r.id, r.assignmentId]));
  for (const o of objects) {
    const mine = errors.filter((e) => e.assignmentId === byId.get(o.id));
    o.fulfillmentErrorCount = mine.filter((e) => e.state === 'failed').length;
    o.fulfillmentErrors = mine.map((e) => ({
      resource: e.resource, role: e.role, message: e.lastError, attempts: e.attempts, willRetryAt: e.state === 'failed' ? null : e.nextAttemptAt,
    }));
  }
}

export const requestSet: EntitySet<RequestRow, GraphCtx> = {
  entity: 'accessPackageAssignmentRequest',
  fields: {
    id: { column: 'assignmentRequests.id', type: 'guid' },
    state: { column: 'assignmentRequests.state', type: 'enum', values: REQUEST_STATES },
    status: { column: 'assignmentRequests.status', type: 'string' },
    requestType: { column: 'assignmentRequests.requestType', type: 'enum', values: REQUEST_TYPES },
    createdDateTime: { column: 'assignmentRequests.createdAt', type: 'datetime' },
    completedDateTime: { column: 'assignmentRequests.completedAt', type: 'datetime' },
    'accessPackage/id': { column: 'assignmentRequests.accessPackageId', type: 'guid' },
    'assignment/id': { column: 'assignmentRequests.assignmentId', type: 'guid' },
    'requestor/objectId': { column: 'assignmentRequests.requestorId', type: 'guid' },
    'target/objectId': { column: 'assignmentRequests.targetId', type: 'guid' },
    'accessPackage/catalog/id': { column: 'accessPackages.catalogId', type: 'guid' },
  },
  properties: ['id', 'requestType', 'state', 'status', 'createdDateTime', 'completedDateTime', 'justification', 'schedule', 'answers', 'customExtensionCalloutInstances', 'fulfillmentErrorCount', 'fulfillmentErrors'],
  navigation: {
    accessPackage: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('assignmentRequests').innerJoin('accessPackages', 'accessPackages.id', 'assignmentRequests.accessPackageId')
        .selectAll('accessPackages').select('assignmentRequests.id as ownerId').where('assignmentRequests.id', 'in', ids(items));
      await attachOne(items, item, ctx, accessPackageSet, rows);
    },
    requestor: async (items, _item, ctx) => {
      const rows = await ctx.db.selectFrom('assignmentRequests').select(['id as ownerId', 'requestorId as userId']).where('id', 'in', ids(items)).execute();
      const subjects = await subjectsFor(ctx.db, rows);
      for (const it of items) it.requestor = subjects.get(it.id) ?? null;
    },
    target: async (items, _item, ctx) => {
      const rows = await ctx.db.selectFrom('assignmentRequests').select(['id as ownerId', 'targetId as userId', 'targetEmail as email']).where('id', 'in', ids(items)).execute();
      const subjects = await subjectsFor(ctx.db, rows);
      for (const it of items) it.target = subjects.get(it.id) ?? null;
    },
    assignment: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('assignmentRequests').innerJoin('assignments', 'assignments.id', 'assignmentRequests.assignmentId')
        .selectAll('assignments').select('assignmentRequests.id as ownerId').where('assignmentRequests.id', 'in', ids(items));
      await attachOne(items, item, ctx, assignmentSet, rows);
    },
  },
  defaultOrder: 'createdDateTime',
  idColumn: 'assignmentRequests.id',
  toGraph: requestToGraph,
  readable: requestRule,
};

/** Requests a person may see: all in catalogs where they read assignments, and their own (as requestor or target). */
function visibleRequests(db: Db, p: Principal) {
  const q = db.selectFrom('assignmentRequests').innerJoin('accessPackages', 'accessPackages.id', 'assignmentRequests.accessPackageId').selectAll('assignmentRequests');
  const catalogs = catalogsWhere(p, 'assignment.read');
  if (catalogs === 'all') return q;
  return q.where((eb) => eb.or([
    eb('assignmentRequests.requestorId', '=', p.userId),
    eb('assignmentRequests.targetId', '=', p.userId),
    ...(catalogs.length ? [eb('accessPackages.catalogId', 'in', catalogs)] : []),
  ]));
}

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
  const ctxOf = (req: FastifyRequest): GraphCtx => ({ db, principal: req.principal! });

  /** 404 for an unknown request; shapeOne then applies the request read rule (requestor, target, approvers, assignment readers). */
  async function loadRequest(id: string): Promise<RequestRow> {
    const r = isGuid(id) ? await db.selectFrom('assignmentRequests').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
    if (!r) throw new NotFoundError('Request', id);
    return r;
  }

  async function list(req: FastifyRequest, base: ReturnType<typeof visibleRequests>) {
    const opts = parseQueryOptions(req.query);
    const page = await listCollection(requestSet, base, req, ctxOf(req), opts);
    const rows = await db.selectFrom('assignmentRequests').selectAll().where('id', 'in', page.value.length ? page.value.map((v) => v.id) : ['']).execute();
    await withFulfillmentErrors(db, rows, page.value);
    return page;
  }

  app.get(`${EM}/assignmentRequests`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['assignmentRequests'], summary: 'Requests in catalogs where the caller reads assignments, and the caller’s own', response: { 200: CollectionOf(RequestSchema) } },
  }, async (req) => list(req, visibleRequests(db, req.principal!)));

  for (const on of ['target', 'createdBy', 'approver'] as const) {
    app.get(`${EM}/assignmentRequests/filterByCurrentUser(on='${on}')`, {
      config: { auth: { authenticated: true } },
      schema: { tags: ['assignmentRequests'], summary: `Requests where the caller is the ${on === 'createdBy' ? 'requestor' : on}`, response: { 200: CollectionOf(RequestSchema) } },
    }, async (req) => {
      const me = req.principal!.userId;
      const base = db.selectFrom('assignmentRequests').innerJoin('accessPackages', 'accessPackages.id', 'assignmentRequests.accessPackageId').selectAll('assignmentRequests');
      if (on === 'target') return list(req, base.where('assignmentRequests.targetId', '=', me));
      if (on === 'createdBy') return list(req, base.where('assignmentRequests.requestorId', '=', me));
      return list(req, base.where('assignmentRequests.id', 'in', db.selectFrom('approvalStageApprovers').select('requestId').where('approverId', '=', me)));
    });
  }

  app.get(`${EM}/assignmentRequests/:id`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['assignmentRequests'], summary: 'Get a request (requestor, target, approvers, and assignment readers of its catalog)', params: IdParams, response: { 200: RequestSchema } },
  }, async (req) => {
    const row = await loadRequest(req.params.id);
    const obj = await shapeOne(requestSet, row, req, ctxOf(req));
    await withFulfillmentErrors(db, [row], [obj]);
    return obj;
  });

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

export async function catalogOfRequest(db: Db, id: string): Promise<string> {
  const r = isGuid(id)
    ? await db.selectFrom('assignmentRequests').innerJoin('accessPackages', 'accessPackages.id', 'assignmentRequests.accessPackageId')
      .select('accessPackages.catalogId').where('assignmentRequests.id', '=', id).executeTakeFirst()
    : undefined;
  if (!r) throw new NotFoundError('Request', id);
  return r.catalogId;
}
