import { createHash, randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { isoNow } from '../domain/clock.js';
import { findApiTokenByHash, findApiTokenById, insertApiToken, listApiTokens, setApiTokenLastUsed, setApiTokenRevoked, type ApiTokenListing } from '../store/tokens.js';
import { findUserByUpn } from '../store/users.js';
import type { ServiceDeps } from './deps.js';
import type { EventBus } from './events/index.js';

const PREFIX = 'lk_';
/** who creates and revokes tokens, as the audit log names it */
const CLI = 'latchkey CLI';

/**
 * SHA-256 in hex: the stored form of every secret Latchkey hands out (API tokens, session cookies, OpenID
 * Connect flow cookies), so rows written before any change keep matching.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export type TokenInfo = ApiTokenListing;

// Only the SHA-256 of a token is stored. Tokens carry 256 random bits, so a fast hash is enough:
// there is nothing to guess, and a leaked table does not yield usable tokens.
export function createTokenService({ db, clock, events }: Pick<ServiceDeps, 'db' | 'clock'> & { events: EventBus }) {
  return {
    async create(userPrincipalName: string, name: string | null): Promise<{ id: string; token: string }> {
      const user = await findUserByUpn(db, userPrincipalName);
      if (!user) throw new NotFoundError('User', userPrincipalName);
      const token = PREFIX + randomBytes(32).toString('base64url');
      const id = newId();
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        await insertApiToken(tx, { id, userId: user.id, name, tokenHash: hashToken(token), createdAt: at, lastUsedAt: null, revokedAt: null });
        await events.publish(tx, null, { type: 'tokenCreated', tokenId: id, name: name ?? userPrincipalName }, { at, by: CLI });
      });
      return { id, token };
    },

    list: (userPrincipalName?: string): Promise<TokenInfo[]> => listApiTokens(db, userPrincipalName),

    async revoke(id: string): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const row = await findApiTokenById(tx, id);
        if (!row) throw new NotFoundError('Token', id);
        if (row.revokedAt) throw new ConflictError(`Token '${id}' is already revoked.`);
        await setApiTokenRevoked(tx, id, at);
        await events.publish(tx, null, { type: 'tokenRevoked', tokenId: id, name: row.name }, { at, by: CLI });
      });
    },

    /** The user id behind a presented token, or undefined when it is unknown or revoked. */
    async resolve(token: string): Promise<string | undefined> {
      if (!token.startsWith(PREFIX) || token.length > 200) return undefined;
      const row = await findApiTokenByHash(db, hashToken(token));
      if (!row || row.revokedAt) return undefined;
      const now = clock.now();
      // record use at most once a minute: a write on every request would serialise readers on SQLite
      if (!row.lastUsedAt || now.getTime() - new Date(row.lastUsedAt).getTime() > 60_000) {
        await setApiTokenLastUsed(db, row.id, now.toISOString());
      }
      return row.userId;
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
