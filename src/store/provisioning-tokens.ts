import type { Db, Tx } from './db.js';
import type { ProvisioningTokensTable } from './schema.js';

// Provisioning tokens (migration 0012): an identity source's tokens for /scim/v2, stored as their SHA-256.

export type ProvisioningTokenRow = ProvisioningTokensTable;

/** A provisioning token as listed: with its source's name and kind, never the hash. */
export interface ProvisioningTokenListing {
  id: string;
  name: string;
  identitySource: { id: string; displayName: string; kind: string };
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export async function insertProvisioningToken(db: Db | Tx, row: ProvisioningTokenRow): Promise<void> {
  await db.insertInto('provisioningTokens').values(row).execute();
}

export async function findProvisioningTokenByHash(db: Db | Tx, tokenHash: string): Promise<ProvisioningTokenRow | undefined> {
  return db.selectFrom('provisioningTokens').selectAll().where('tokenHash', '=', tokenHash).executeTakeFirst();
}

export async function findProvisioningTokenById(db: Db | Tx, id: string): Promise<ProvisioningTokenRow | undefined> {
  return db.selectFrom('provisioningTokens').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every provisioning token (of one identity source), oldest first. */
export async function listProvisioningTokens(db: Db | Tx, identitySourceId?: string): Promise<ProvisioningTokenListing[]> {
  let q = db.selectFrom('provisioningTokens')
    .innerJoin('identitySources', 'identitySources.id', 'provisioningTokens.identitySourceId')
    .select(['provisioningTokens.id', 'provisioningTokens.name', 'provisioningTokens.createdAt', 'provisioningTokens.lastUsedAt', 'provisioningTokens.revokedAt',
      'identitySources.id as sourceId', 'identitySources.displayName as sourceName', 'identitySources.kind as sourceKind'])
    .orderBy('provisioningTokens.createdAt').orderBy('provisioningTokens.id');
  if (identitySourceId) q = q.where('provisioningTokens.identitySourceId', '=', identitySourceId);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id, name: r.name, identitySource: { id: r.sourceId, displayName: r.sourceName, kind: r.sourceKind },
    createdAt: r.createdAt, lastUsedAt: r.lastUsedAt, revokedAt: r.revokedAt,
  }));
}

export async function setProvisioningTokenRevoked(db: Db | Tx, id: string, at: string): Promise<void> {
  await db.updateTable('provisioningTokens').set({ revokedAt: at }).where('id', '=', id).execute();
}

export async function setProvisioningTokenLastUsed(db: Db | Tx, id: string, at: string): Promise<void> {
  await db.updateTable('provisioningTokens').set({ lastUsedAt: at }).where('id', '=', id).execute();
}
