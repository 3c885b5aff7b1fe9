import type { Db, Tx } from './db.js';
import type { SessionsTable } from './schema.js';

// Browser sessions of the web portals, stored by the SHA-256 of their cookie (see services/sessions.ts).

export type SessionRow = SessionsTable;

export async function insertSession(db: Db | Tx, row: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

export async function findSessionByHash(db: Db | Tx, tokenHash: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('tokenHash', '=', tokenHash).executeTakeFirst();
}

export async function setSessionLastSeen(db: Db | Tx, id: string, at: string): Promise<void> {
  await db.updateTable('sessions').set({ lastSeenAt: at }).where('id', '=', id).execute();
}

/** Ends the session with this cookie hash, unless it has ended already. */
export async function revokeSessionByHash(db: Db | Tx, tokenHash: string, at: string): Promise<void> {
  await db.updateTable('sessions').set({ revokedAt: at }).where('tokenHash', '=', tokenHash).where('revokedAt', 'is', null).execute();
}

/**
 * Deletes at most `limit` sessions that ended before the cut-offs: past their end or revoked before
 * `cutoff`, or last seen before `idleCutoff`. Returns how many went.
 */
export async function deleteEndedSessions(db: Db | Tx, cutoff: string, idleCutoff: string, limit: number): Promise<number> {
  const ended = db.selectFrom('sessions').select('id')
    .where((eb) => eb.or([eb('expiresAt', '<', cutoff), eb('revokedAt', '<', cutoff), eb('lastSeenAt', '<', idleCutoff)]));
  const r = await db.deleteFrom('sessions').where('id', 'in', ended.limit(limit)).executeTakeFirst();
  return Number(r.numDeletedRows);
}
