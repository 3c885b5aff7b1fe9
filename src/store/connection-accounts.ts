import type { Db, Tx } from './db.js';
import type { ConnectionAccountsTable } from './schema.js';

// Which account in a connection's target system is a Latchkey user's (migration 0008). Found once by the
// connection's account rule, or created by Latchkey, then reused by every grant, revoke and
// reconciliation, so access always goes to the same account even if the rule would now match another.

export type ConnectionAccountRow = ConnectionAccountsTable;

export async function findAccountLink(db: Db | Tx, connectionId: string, userId: string): Promise<ConnectionAccountRow | undefined> {
  return db.selectFrom('connectionAccounts').selectAll().where('connectionId', '=', connectionId).where('userId', '=', userId).executeTakeFirst();
}

/** The links of these users in these connections (a batch of deliveries reads them at once). */
export async function listAccountLinks(db: Db | Tx, connectionIds: readonly string[], userIds: readonly string[]): Promise<ConnectionAccountRow[]> {
  if (connectionIds.length === 0 || userIds.length === 0) return [];
  return db.selectFrom('connectionAccounts').selectAll()
    .where('connectionId', 'in', [...new Set(connectionIds)]).where('userId', 'in', [...new Set(userIds)])
    .execute();
}

/** Stores the link; when two deliveries found the account at once, the first link stays and is returned. */
export async function insertAccountLink(db: Db | Tx, row: ConnectionAccountRow): Promise<ConnectionAccountRow> {
  const inserted = await db.insertInto('connectionAccounts').values(row)
    .onConflict((oc) => oc.columns(['connectionId', 'userId']).doNothing())
    .returningAll().executeTakeFirst();
  return inserted ?? (await findAccountLink(db, row.connectionId, row.userId)) ?? row;
}


/** A user's accounts in every connection, with the connection's name and kind (shown on the user). */
export async function listAccountsOfUser(db: Db | Tx, userId: string): Promise<(ConnectionAccountRow & { connectionName: string; kind: string })[]> {
  return db.selectFrom('connectionAccounts')
    .innerJoin('connections', 'connections.id', 'connectionAccounts.connectionId')
    .selectAll('connectionAccounts')
    .select(['connections.displayName as connectionName', 'connections.kind'])
    .where('connectionAccounts.userId', '=', userId)
    .orderBy('connections.displayName')
    .execute();
}
