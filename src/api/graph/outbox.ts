import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { typed } from '../route-input.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { listCollection, shapeOne } from '../odata/collection.js';
import { ODataQuery, parseQueryOptions } from '../odata/query-options.js';
import { allOutboxEmails, outboxSet } from '../read/outbox.js';
import { CollectionOf, GraphObjectSchema, IdParams, Nullable } from '../schemas.js';

// GET /latchkey/v1/outbox: the emails Latchkey has queued, sent or failed to send. A Latchkey
// extension, not part of Graph (Graph has no equivalent), in the same collection conventions:
// $filter, $orderby, $top/$skiptoken, $count, $select. Administrators only (tenant action
// 'audit.read', like the audit log: mail bodies name people and their requests).
//
// status is derived: sent (sentDateTime set), pending (waiting for its next attempt), failed
// (delivery gave up). Filter pending mail with `sentDateTime eq null`, failed mail with
// `sentDateTime eq null and nextAttemptDateTime eq null`.

export const LATCHKEY_V1 = '/latchkey/v1';
export const OUTBOX = `${LATCHKEY_V1}/outbox`;


const OutboxEmailSchema = GraphObjectSchema('outboxEmail (Latchkey extension)', {
  recipient: Type.String(),
  subject: Type.String(),
  body: Type.String(),
  template: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  createdDateTime: Type.String(),
  sentDateTime: Nullable(Type.String()),
  nextAttemptDateTime: Nullable(Type.String()),
});

export function registerOutboxRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  app.get(OUTBOX, {
    config: { auth: { tenant: 'audit.read' } },
    schema: {
      tags: ['latchkey'],
      summary: 'List queued, sent and failed emails, newest first (Latchkey extension)',
      querystring: ODataQuery,
      response: { 200: CollectionOf(OutboxEmailSchema) },
    },
  }, async (req) => {
    const opts = parseQueryOptions(req.query);
    // like a mailbox: newest first unless the client asks otherwise
    if (opts.orderby.length === 0) opts.orderby = [{ path: 'createdDateTime', desc: true }];
    return listCollection(outboxSet, allOutboxEmails(db), req, undefined, opts);
  });

  app.get(`${OUTBOX}/:id`, {
    config: { auth: { tenant: 'audit.read' } },
    schema: { tags: ['latchkey'], summary: 'Get one outbox email (Latchkey extension)', params: IdParams, querystring: ODataQuery, response: { 200: OutboxEmailSchema } },
  }, async (req) => shapeOne(outboxSet, await services.notifications.get(req.params.id), req, undefined));
}
