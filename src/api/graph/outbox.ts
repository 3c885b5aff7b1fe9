import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { typed } from '../route-input.js';
import type { Services } from '../../services/index.js';
import { outboxStatus, type OutboxRow } from '../../services/notifications.js';
import { TEMPLATE_NAMES } from '../../notifications/templates.js';
import type { Db } from '../../store/db.js';
import { listCollection, shapeOne, type EntitySet, type GraphObject } from '../odata/collection.js';
import { parseQueryOptions } from '../odata/query-options.js';
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

export function outboxEmailToJson(r: OutboxRow): GraphObject {
  return {
    id: r.id,
    recipient: r.recipient,
    subject: r.subject,
    body: r.body,
    template: r.template,
    status: outboxStatus(r),
    attempts: r.attempts,
    lastError: r.lastError,
    createdDateTime: r.createdAt,
    sentDateTime: r.sentAt,
    nextAttemptDateTime: r.sentAt ? null : r.nextAttemptAt,
  };
}

export const outboxSet: EntitySet<OutboxRow, undefined> = {
  entity: 'outboxEmail',
  fields: {
    id: { column: 'outboxEmails.id', type: 'string' },
    recipient: { column: 'outboxEmails.recipient', type: 'string' },
    subject: { column: 'outboxEmails.subject', type: 'string', sortable: false },
    template: { column: 'outboxEmails.template', type: 'enum', values: TEMPLATE_NAMES },
    attempts: { column: 'outboxEmails.attempts', type: 'number' },
    createdDateTime: { column: 'outboxEmails.createdAt', type: 'datetime' },
    sentDateTime: { column: 'outboxEmails.sentAt', type: 'datetime' },
    nextAttemptDateTime: { column: 'outboxEmails.nextAttemptAt', type: 'datetime' },
  },
  properties: ['id', 'recipient', 'subject', 'body', 'template', 'status', 'attempts', 'lastError', 'createdDateTime', 'sentDateTime', 'nextAttemptDateTime'],
  navigation: {},
  // reached only through its own routes, which are the administrator's
  readable: () => 'all',
  defaultOrder: 'createdDateTime',
  idColumn: 'outboxEmails.id',
  toGraph: outboxEmailToJson,
};

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
      response: { 200: CollectionOf(OutboxEmailSchema) },
    },
  }, async (req) => {
    const opts = parseQueryOptions(req.query);
    // like a mailbox: newest first unless the client asks otherwise
    if (opts.orderby.length === 0) opts.orderby = [{ path: 'createdDateTime', desc: true }];
    return listCollection(outboxSet, db.selectFrom('outboxEmails').selectAll('outboxEmails'), req, undefined, opts);
  });

  app.get(`${OUTBOX}/:id`, {
    config: { auth: { tenant: 'audit.read' } },
    schema: { tags: ['latchkey'], summary: 'Get one outbox email (Latchkey extension)', params: IdParams, response: { 200: OutboxEmailSchema } },
  }, async (req) => shapeOne(outboxSet, await services.notifications.get(req.params.id), req, undefined));
}
