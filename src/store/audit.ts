import type { Insertable } from 'kysely';
import { newId } from '../domain/ids.js';
import { chunks, ROWS_PER_INSERT } from './chunks.js';
import type { Db, Tx } from './db.js';
import type { AuditEventsTable } from './schema.js';

export interface ModifiedProperty {
  displayName: string;
  oldValue: unknown;
  newValue: unknown;
}

export interface AuditActor {
  id: string | null;
  displayName: string | null;
}

export interface AuditEntry {
  activity: string;
  category?: 'EntitlementManagement' | 'UserManagement' | 'RoleManagement' | 'GroupManagement';
  targetType: string;
  targetId: string;
  targetDisplayName?: string | null;
  modifiedProperties?: ModifiedProperty[];
  result?: 'success' | 'failure';
}

export interface AuditContext {
  actor: AuditActor;
  correlationId: string | null;
  at: string;
}

/** Appends an audit event inside the caller's transaction, so the event exists exactly when the change does. */
export async function recordAudit(tx: Tx | Db, ctx: AuditContext, e: AuditEntry): Promise<void> {
  await recordAudits(tx, ctx, [e]);
}

/** Appends many events of one actor and moment (a batch of expiries) in as few statements as the parameter limits allow. */
export async function recordAudits(tx: Tx | Db, ctx: AuditContext, entries: readonly AuditEntry[]): Promise<void> {
  await insertAuditRows(tx, auditRows(ctx, entries));
}

/** An audit event as stored. */
export type AuditRow = Insertable<AuditEventsTable>;

/** The stored rows of events of one actor and moment, for a caller that gathers them to insert together (insertAuditRows). */
export function auditRows(ctx: AuditContext, entries: readonly AuditEntry[]): AuditRow[] {
  return entries.map((e) => ({
    id: newId(),
    occurredAt: ctx.at,
    category: e.category ?? 'EntitlementManagement',
    activity: e.activity,
    actorId: ctx.actor.id,
    actorDisplayName: ctx.actor.displayName,
    targetType: e.targetType,
    targetId: e.targetId,
    targetDisplayName: e.targetDisplayName ?? null,
    modifiedProperties: JSON.stringify(e.modifiedProperties ?? []),
    correlationId: ctx.correlationId,
    result: e.result ?? 'success',
  }));
}

/** Appends audit rows (of any actors and moments) in as few statements as the parameter limits allow. */
export async function insertAuditRows(tx: Tx | Db, rows: readonly AuditRow[]): Promise<void> {
  for (const chunk of chunks(rows, ROWS_PER_INSERT)) await tx.insertInto('auditEvents').values(chunk).execute();
}

/** The properties whose values differ between two versions of an object, for the audit trail. */
export function diffProperties(before: Record<string, unknown> | null, after: Record<string, unknown>, keys: readonly string[]): ModifiedProperty[] {
  const out: ModifiedProperty[] = [];
  for (const k of keys) {
    const oldValue = before ? (before[k] ?? null) : null;
    const newValue = after[k] ?? null;
    if (JSON.stringify(oldValue) !== JSON.stringify(newValue)) out.push({ displayName: k, oldValue, newValue });
  }
  return out;
}

/** An audit event by id (lower-case), or undefined. */
export async function findAuditEventById(db: Db | Tx, id: string): Promise<AuditEventsTable | undefined> {
  return db.selectFrom('auditEvents').selectAll().where('id', '=', id).executeTakeFirst();
}
