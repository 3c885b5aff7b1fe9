import { createHash, randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { isoNow } from '../domain/clock.js';
import { recordAudit } from '../store/audit.js';
import type { ServiceDeps } from './deps.js';

const PREFIX = 'lk_';

/**
 * SHA-256 in hex: the stored form of every secret Latchkey hands out (API tokens, session cookies, OpenID
 * Connect flow cookies), so rows written before any change keep matching.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface TokenInfo {
  id: string;
  userId: string;
  userPrincipalName: string;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

// Only the SHA-256 of a token is stored. Tokens carry 256 random bits, so a fast hash is enough:
// there is nothing to guess, and a leaked table does not yield usable tokens.
export function createTokenService({ db, clock }: Pick<ServiceDeps, 'db' | 'clock'>) {
  return {
    async create(userPrincipalName: string, name: string | null): Promise<{ id: string; token: string }> {
      const user = await db.selectFrom('users').select(['id', 'displayName']).where('upnKey', '=', userPrincipalName.toLowerCase()).executeTakeFirst();
      if (!user) throw new NotFoundError('User', userPrincipalName);
      const token = PREFIX + randomBytes(32).toString('base64url');
      const id = newId();
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('apiTokens').values({ id, userId: user.id, name, tokenHash: hashToken(token), createdAt: at, lastUsedAt: null, revokedAt: null }).execute();
        await recordAudit(tx, { actor: { id: null, displayName: 'latchkey CLI' }, correlationId: null, at }, {
          activity: 'Create API token', category: 'UserManagement', targetType: 'apiToken', targetId: id, targetDisplayName: name ?? userPrincipalName,
        });
      });
      return { id, token };
    },

    async list(userPrincipalName?: string): Promise<TokenInfo[]> {
      let q = db
        .selectFrom('apiTokens')
        .innerJoin('users', 'users.id', 'apiTokens.userId')
        .select(['apiTokens.id', 'apiTokens.userId', 'users.userPrincipalName', 'apiTokens.name', 'apiTokens.createdAt', 'apiTokens.lastUsedAt', 'apiTokens.revokedAt'])
        .orderBy('apiTokens.createdAt');
      if (userPrincipalName) q = q.where('users.upnKey', '=', userPrincipalName.toLowerCase());
      return q.execute();
    },

    async revoke(id: string): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const row = await tx.selectFrom('apiTokens').select(['id', 'revokedAt', 'name']).where('id', '=', id).executeTakeFirst();
        if (!row) throw new NotFoundError('Token', id);
        if (row.revokedAt) throw new ConflictError(`Token '${id}' is already revoked.`);
        await tx.updateTable('apiTokens').set({ revokedAt: at }).where('id', '=', id).execute();
        await recordAudit(tx, { actor: { id: null, displayName: 'latchkey CLI' }, correlationId: null, at }, {
          activity: 'Revoke API token', category: 'UserManagement', targetType: 'apiToken', targetId: id, targetDisplayName: row.name,
        });
      });
    },

    /** The user id behind a presented token, or undefined when it is unknown or revoked. */
    async resolve(token: string): Promise<string | undefined> {
      if (!token.startsWith(PREFIX) || token.length > 200) return undefined;
      const row = await db.selectFrom('apiTokens').select(['id', 'userId', 'revokedAt', 'lastUsedAt']).where('tokenHash', '=', hashToken(token)).executeTakeFirst();
      if (!row || row.revokedAt) return undefined;
      const now = clock.now();
      // record use at most once a minute: a write on every request would serialise readers on SQLite
      if (!row.lastUsedAt || now.getTime() - new Date(row.lastUsedAt).getTime() > 60_000) {
        await db.updateTable('apiTokens').set({ lastUsedAt: now.toISOString() }).where('id', '=', row.id).execute();
      }
      return row.userId;
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
