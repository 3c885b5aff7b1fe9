import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { typed } from '../route-input.js';
import { ValidationError } from '../../domain/errors.js';
import type { AuditEventRow } from '../../services/audit-log.js';
import type { Services } from '../../services/index.js';
import type { ModifiedProperty } from '../../store/audit.js';
import type { Db } from '../../store/db.js';
import { listCollection, shapeOne, type EntitySet, type GraphObject } from '../odata/collection.js';
import { parseQueryOptions, queryRecord } from '../odata/query-options.js';
import { CollectionOf, GraphObjectSchema, IdParams, Nullable } from '../schemas.js';
import { V1 } from './paths.js';

// GET /v1.0/auditLogs/directoryAudits in Graph's directoryAudit shape.
//
// Filterable properties: activityDisplayName, category, activityDateTime (ranges), correlationId,
// result, initiatedBy/user/id, initiatedBy/user/displayName, and — because every event has exactly one
// target — targetResources/id, targetResources/displayName and targetResources/type. Graph's own form
// `targetResources/any(t: t/id eq '…')` is accepted too: over a one-element collection `any` is the
// same test as the direct comparison, so the lambda is rewritten into it before parsing.

const DIRECTORY_AUDITS = `${V1}/auditLogs/directoryAudits`;

export const AUDIT_RESULTS = ['success', 'failure', 'timeout'] as const;

/** Graph's operationType from our activity wording ('Create catalog' → 'Add'). */
function operationType(activity: string): string {
  const verb = activity.split(' ')[0]?.toLowerCase();
  if (verb === 'create' || verb === 'add') return 'Add';
  if (verb === 'update') return 'Update';
  if (verb === 'delete' || verb === 'remove') return 'Delete';
  return 'Other';
}

/** Graph sends old and new values as JSON text (e.g. "\"Contoso\""), null when there is none. */
const asJsonText = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

export function auditEventToGraph(r: AuditEventRow): GraphObject {
  const props = JSON.parse(r.modifiedProperties) as ModifiedProperty[];
  return {
    id: r.id,
    category: r.category,
    correlationId: r.correlationId,
    result: r.result,
    resultReason: '',
    activityDisplayName: r.activity,
    activityDateTime: r.occurredAt,
    loggedByService: r.category === 'EntitlementManagement' ? 'Entitlement Management' : 'Core Directory',
    operationType: operationType(r.activity),
    // events the system writes (worker, bootstrap) have no user: Graph shows those as initiated by an app
    initiatedBy: r.actorId
      ? { user: { id: r.actorId, displayName: r.actorDisplayName, userPrincipalName: null, ipAddress: null }, app: null }
      : { user: null, app: { appId: null, displayName: r.actorDisplayName ?? 'Latchkey', servicePrincipalId: null, servicePrincipalName: null } },
    targetResources: [{
      id: r.targetId,
      displayName: r.targetDisplayName,
      type: r.targetType,
      userPrincipalName: null,
      groupType: null,
      modifiedProperties: props.map((p) => ({ displayName: p.displayName, oldValue: asJsonText(p.oldValue), newValue: asJsonText(p.newValue) })),
    }],
    additionalDetails: [],
  };
}

export const directoryAuditSet: EntitySet<AuditEventRow, unknown> = {
  entity: 'directoryAudit',
  fields: {
    id: { column: 'auditEvents.id', type: 'guid' },
    category: { column: 'auditEvents.category', type: 'string' },
    activityDisplayName: { column: 'auditEvents.activity', type: 'string' },
    activityDateTime: { column: 'auditEvents.occurredAt', type: 'datetime' },
    correlationId: { column: 'auditEvents.correlationId', type: 'string' },
    result: { column: 'auditEvents.result', type: 'enum', values: AUDIT_RESULTS },
    'initiatedBy/user/id': { column: 'auditEvents.actorId', type: 'guid' },
    'initiatedBy/user/displayName': { column: 'auditEvents.actorDisplayName', type: 'string' },
    'targetResources/id': { column: 'auditEvents.targetId', type: 'string' },
    'targetResources/displayName': { column: 'auditEvents.targetDisplayName', type: 'string' },
    'targetResources/type': { column: 'auditEvents.targetType', type: 'string' },
  },
  properties: [
    'id', 'category', 'correlationId', 'result', 'resultReason', 'activityDisplayName', 'activityDateTime', 'loggedByService',
    'operationType', 'initiatedBy', 'targetResources', 'additionalDetails',
  ],
  navigation: {},
  // reached only through its own routes, which need audit.read
  readable: () => 'all',
  defaultOrder: 'activityDateTime',
  idColumn: 'auditEvents.id',
  toGraph: auditEventToGraph,
};

/** Index of the ')' closing the '(' at `open`, skipping quoted text ('' is an escaped quote). */
function closingParen(s: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Rewrites `targetResources/any(t: <expr over t/…>)` into `(<expr over targetResources/…>)`.
 * Only lambdas over targetResources are rewritten; any other lambda is left for the parser to refuse.
 */
export function rewriteTargetResourceLambdas(filter: string): string {
  const LAMBDA = /targetResources\/any\(\s*([A-Za-z_]\w*)\s*:/gi;
  let out = filter;
  // a lambda inside a quoted literal is text, not a lambda: an odd number of quotes before it means quoted
  const outsideQuotes = (s: string, at: number) => (s.slice(0, at).split("'").length - 1) % 2 === 0;
  for (let guard = 0; guard < 20; guard++) {
    LAMBDA.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = LAMBDA.exec(out)) && !outsideQuotes(out, m.index));
    if (!m) return out;
    const open = m.index + m[0].indexOf('(');
    const close = closingParen(out, open);
    if (close < 0) throw new ValidationError("Invalid $filter: unbalanced '(' in targetResources/any(...).", '$filter');
    const variable = m[1];
    const body = out.slice(m.index + m[0].length, close).trim();
    // replace `t/` outside quoted literals; even segments of a split on quotes are outside them
    const rewritten = body
      .split("'")
      .map((seg, i) => (i % 2 === 0 ? seg.replace(new RegExp(`(^|[^\\w/])${variable}/`, 'g'), '$1targetResources/') : seg))
      .join("'");
    out = `${out.slice(0, m.index)}(${rewritten})${out.slice(close + 1)}`;
  }
  throw new ValidationError('Invalid $filter: too many targetResources/any(...) lambdas.', '$filter');
}

const DirectoryAuditSchema = GraphObjectSchema('directoryAudit', {
  category: Type.String(),
  correlationId: Nullable(Type.String()),
  result: Type.String(),
  activityDisplayName: Type.String(),
  activityDateTime: Type.String(),
  initiatedBy: Type.Unknown(),
  targetResources: Type.Array(Type.Unknown()),
});

export function registerAuditLogRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  app.get(DIRECTORY_AUDITS, {
    config: { auth: { tenant: 'audit.read' } },
    schema: { tags: ['auditLogs'], summary: 'List audit events, newest first', response: { 200: CollectionOf(DirectoryAuditSchema) } },
  }, async (req) => {
    const query = queryRecord(req.query);
    if (typeof query.$filter === 'string') query.$filter = rewriteTargetResourceLambdas(query.$filter);
    const opts = parseQueryOptions(query);
    // an audit log is read from the newest event backwards unless the client asks otherwise
    if (opts.orderby.length === 0) opts.orderby = [{ path: 'activityDateTime', desc: true }];
    return listCollection(directoryAuditSet, db.selectFrom('auditEvents').selectAll('auditEvents'), req, undefined, opts);
  });

  app.get(`${DIRECTORY_AUDITS}/:id`, {
    config: { auth: { tenant: 'audit.read' } },
    schema: { tags: ['auditLogs'], summary: 'Get an audit event', params: IdParams, response: { 200: DirectoryAuditSchema } },
  }, async (req) => shapeOne(directoryAuditSet, await services.auditLog.get(req.params.id), req, undefined));
}
