// The outbox as the API reads it (GET /latchkey/v1/outbox): the emails Latchkey has queued, sent or
// failed to send. Reached only through its own routes, which are the administrator's (audit.read).
import { TEMPLATE_NAMES } from '../../notifications/templates.js';
import { outboxStatus, type OutboxRow } from '../../services/notifications.js';
import type { Db } from '../../store/db.js';
import type { EntitySet, GraphObject } from '../odata/collection.js';

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

export const allOutboxEmails = (db: Db) => db.selectFrom('outboxEmails').selectAll('outboxEmails');
