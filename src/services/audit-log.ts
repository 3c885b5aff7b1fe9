import { NotFoundError } from '../domain/errors.js';
import { isGuid } from '../domain/ids.js';
import { findAuditEventById } from '../store/audit.js';
import type { Db, Tx } from '../store/db.js';
import type { AuditEventsTable } from '../store/schema.js';
import type { ServiceDeps } from './deps.js';

// Reading the audit trail. Events are written by every other service, inside the transaction of the
// change they describe (src/store/audit.ts); nothing here changes or deletes them.

export type AuditEventRow = AuditEventsTable;

export async function findAuditEvent(db: Db | Tx, id: string): Promise<AuditEventRow> {
  const row = isGuid(id) ? await findAuditEventById(db, id.toLowerCase()) : undefined;
  if (!row) throw new NotFoundError('Directory audit', id);
  return row;
}

export function createAuditLogService({ db }: Pick<ServiceDeps, 'db' | 'clock'>) {
  return {
    get: (id: string) => findAuditEvent(db, id),
  };
}
