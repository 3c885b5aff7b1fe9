import type { Db, Tx } from './db.js';
import type { OidcFlowsTable } from './schema.js';

// OpenID Connect sign-ins on their way through the provider: single use, short-lived, found by the
// SHA-256 of the browser's flow cookie.

export type OidcFlowRow = OidcFlowsTable;

export async function insertOidcFlow(db: Db | Tx, row: OidcFlowRow): Promise<void> {
  await db.insertInto('oidcFlows').values(row).execute();
}

/** Removes the flow of this cookie and returns it: a flow is used once, even by two racing callbacks. */
export async function takeOidcFlow(db: Db | Tx, cookieHash: string): Promise<OidcFlowRow | undefined> {
  return db.deleteFrom('oidcFlows').where('cookieHash', '=', cookieHash).returningAll().executeTakeFirst();
}

/** Deletes at most `limit` flows that expired before `now`, oldest first; returns how many. */
export async function deleteExpiredOidcFlows(db: Db | Tx, now: string, limit: number): Promise<number> {
  const r = await db.deleteFrom('oidcFlows')
    .where('id', 'in', db.selectFrom('oidcFlows').select('id').where('expiresAt', '<', now).orderBy('expiresAt').limit(limit))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
