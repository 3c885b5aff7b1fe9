// Assignment requests on the read side: who may read them, their entity set ($filter fields, $expand),
// and the read queries of the request routes (lists, lookups, the fulfilment errors shown on a request).
import { catalogsWhere, type Principal } from '../../domain/authorization.js';
import { NotFoundError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import { parseJsonOr } from '../../domain/json.js';
import { REQUEST_STATES, REQUEST_TYPES } from '../../domain/request-lifecycle.js';
import { scheduleToGraph } from '../../domain/schedule.js';
import type { RequestRow } from '../../services/lifecycle/common.js';
import type { Db } from '../../store/db.js';
import { accessPackageSet } from './access-packages.js';
import { subjectsFor } from './subjects.js';
import { pageIds as ids, attachOne, listCollection, shapeOne, type EntitySet, type GraphObject, type Page, type ReadRule } from '../odata/collection.js';
import type { ODataRequest } from '../odata/query-options.js';
import { assignmentSet } from './assignments.js';
import { assignmentCatalogs, packagesIn, type ReadCtx } from './common.js';

/** Requests: all in catalogs where the principal reads assignments, and those that concern them personally. */
export function requestRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  const p = ctx.principal;
  const catalogs = assignmentCatalogs(p);
  if (catalogs === 'all') return 'all';
  return {
    where: (eb) => eb.or([
      eb('assignmentRequests.requestorId', '=', p.userId),
      eb('assignmentRequests.targetId', '=', p.userId),
      eb('assignmentRequests.id', 'in', eb.selectFrom('approvalStageApprovers').select('approvalStageApprovers.requestId').where('approvalStageApprovers.approverId', '=', p.userId)),
      ...(catalogs.length ? [eb('assignmentRequests.accessPackageId', 'in', packagesIn(eb, catalogs))] : []),
    ]),
  };
}

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

export const requestSet: EntitySet<RequestRow, ReadCtx> = {
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

/** Requests joined to their package (for the catalog): the base of every request list. */
function requestsBase(db: Db) {
  return db.selectFrom('assignmentRequests').innerJoin('accessPackages', 'accessPackages.id', 'assignmentRequests.accessPackageId').selectAll('assignmentRequests');
}
type RequestQuery = ReturnType<typeof requestsBase>;

/** Requests a person may see: all in catalogs where they read assignments, and their own (as requestor or target). */
export function visibleRequests(db: Db, p: Principal): RequestQuery {
  const q = requestsBase(db);
  const catalogs = catalogsWhere(p, 'assignment.read');
  if (catalogs === 'all') return q;
  return q.where((eb) => eb.or([
    eb('assignmentRequests.requestorId', '=', p.userId),
    eb('assignmentRequests.targetId', '=', p.userId),
    ...(catalogs.length ? [eb('accessPackages.catalogId', 'in', catalogs)] : []),
  ]));
}

/** filterByCurrentUser(on=…): the requests where the caller is the target, the requestor, or an approver. */
export function requestsOfCurrentUser(db: Db, me: string, on: 'target' | 'createdBy' | 'approver'): RequestQuery {
  const base = requestsBase(db);
  if (on === 'target') return base.where('assignmentRequests.targetId', '=', me);
  if (on === 'createdBy') return base.where('assignmentRequests.requestorId', '=', me);
  return base.where('assignmentRequests.id', 'in', db.selectFrom('approvalStageApprovers').select('requestId').where('approverId', '=', me));
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

/** A collection of requests (narrowed by `base`) with the OData options of the request, and each one's fulfilment errors. */
export async function listRequests(base: RequestQuery, req: ODataRequest, ctx: ReadCtx): Promise<Page> {
  const page = await listCollection(requestSet, base, req, ctx);
  const rows = await ctx.db.selectFrom('assignmentRequests').selectAll().where('id', 'in', page.value.length ? page.value.map((v) => v.id) : ['']).execute();
  await withFulfillmentErrors(ctx.db, rows, page.value);
  return page;
}

/** One request as GET assignmentRequests/{id} answers it: 404 for an unknown id, 403 outside the read rule. */
export async function readRequest(id: string, req: ODataRequest, ctx: ReadCtx): Promise<GraphObject> {
  const row = isGuid(id) ? await ctx.db.selectFrom('assignmentRequests').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError('Request', id);
  // shapeOne applies the request read rule (requestor, target, approvers, assignment readers)
  const obj = await shapeOne(requestSet, row, req, ctx);
  await withFulfillmentErrors(ctx.db, [row], [obj]);
  return obj;
}

/** The catalog of a request (what its write permission is checked in); 404 for an unknown id. */
export async function catalogOfRequest(db: Db, id: string): Promise<string> {
  const r = isGuid(id)
    ? await db.selectFrom('assignmentRequests').innerJoin('accessPackages', 'accessPackages.id', 'assignmentRequests.accessPackageId')
      .select('accessPackages.catalogId').where('assignmentRequests.id', '=', id).executeTakeFirst()
    : undefined;
  if (!r) throw new NotFoundError('Request', id);
  return r.catalogId;
}
