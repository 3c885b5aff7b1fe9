import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { typed } from '../route-input.js';
import { ValidationError } from '../../domain/errors.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { listCollection, shapeOne } from '../odata/collection.js';
import { ODataQuery, parseQueryOptions } from '../odata/query-options.js';
import { allAuditEvents, directoryAuditSet } from '../read/audit.js';
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
    schema: { tags: ['auditLogs'], summary: 'List audit events, newest first', querystring: ODataQuery, response: { 200: CollectionOf(DirectoryAuditSchema) } },
  }, async (req) => {
    const { $filter } = req.query;
    const opts = parseQueryOptions(typeof $filter === 'string' ? { ...req.query, $filter: rewriteTargetResourceLambdas($filter) } : req.query);
    // an audit log is read from the newest event backwards unless the client asks otherwise
    if (opts.orderby.length === 0) opts.orderby = [{ path: 'activityDateTime', desc: true }];
    return listCollection(directoryAuditSet, allAuditEvents(db), req, undefined, opts);
  });

  app.get(`${DIRECTORY_AUDITS}/:id`, {
    config: { auth: { tenant: 'audit.read' } },
    schema: { tags: ['auditLogs'], summary: 'Get an audit event', params: IdParams, querystring: ODataQuery, response: { 200: DirectoryAuditSchema } },
  }, async (req) => shapeOne(directoryAuditSet, await services.auditLog.get(req.params.id), req, undefined));
}
