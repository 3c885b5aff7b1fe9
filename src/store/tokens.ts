import type { Db, Tx } from './db.js';
import type { ApiTokensTable } from './schema.js';

// API tokens: only the SHA-256 of a token is stored (see services/tokens.ts).

export type ApiTokenRow = ApiTokensTable;

/** A token as listed for people: with its owner's sign-in name, never the hash. */
export interface ApiTokenListing {
  id: string;
  userId: string;
  userPrincipalName: string;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export async function insertApiToken(db: Db | Tx, row: ApiTokenRow): Promise<void> {
  await db.insertInto('apiTokens').values(row).execute();
}

/** Every token, or those of one user (sign-in name, any case), oldest first. */
export async function listApiTokens(db: Db | Tx, userPrincipalName?: string): Promise<ApiTokenListing[]> {
  let q = db
    .selectFrom('apiTokens')
    .innerJoin('users', 'users.id', 'apiTokens.userId')
    .select(['apiTokens.id', 'apiTokens.userId', 'users.userPrincipalName', 'apiTokens.name', 'apiTokens.createdAt', 'apiTokens.lastUsedAt', 'apiTokens.revokedAt'])
    .orderBy('apiTokens.createdAt');
  if (userPrincipalName) q = q.where('users.upnKey', '=', userPrincipalName.toLowerCase());
  return q.execute();
}

export async function findApiTokenById(db: Db | Tx, id: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('apiTokens').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findApiTokenByHash(db: Db | Tx, tokenHash: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('apiTokens').selectAll().where('tokenHash', '=', tokenHash).executeTakeFirst();
}

export async function setApiTokenRevoked(db: Db | Tx, id: string, at: string): Promise<void> {
  await db.updateTable('apiTokens').set({ revokedAt: at }).where('id', '=', id).execute();
}

export async function setApiTokenLastUsed(db: Db | Tx, id: string, at: string): Promise<void> {
  await db.updateTable('apiTokens').set({ lastUsedAt: at }).where('id', '=', id).execute();
}
