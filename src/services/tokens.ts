import { createHash, randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { isoNow } from '../domain/clock.js';
import { findApiTokenByHash, findApiTokenById, insertApiToken, listApiTokens, setApiTokenLastUsed, setApiTokenRevoked, type ApiTokenListing } from '../store/tokens.js';
import { findUserByUpn } from '../store/users.js';
import { findIdentitySource, findIdentitySourceByName, insertIdentitySource, type IdentitySourceRow } from '../store/identity-sources.js';
import {
  findProvisioningTokenByHash,
  findProvisioningTokenById,
  insertProvisioningToken,
  listProvisioningTokens,
  setProvisioningTokenLastUsed,
  setProvisioningTokenRevoked,
  type ProvisioningTokenListing,
} from '../store/provisioning-tokens.js';
import type { ServiceDeps } from './deps.js';
import type { EventBus } from './events/index.js';

const PREFIX = 'lk_';
/** provisioning tokens (/scim/v2 only) look different, so either door can tell at once it was handed the other's */
export const PROVISIONING_PREFIX = 'lkp_';
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
export type ProvisioningTokenInfo = ProvisioningTokenListing;

/** Who a provisioning token speaks for: the token and its identity source. */
export interface Provisioner {
  tokenId: string;
  sourceId: string;
  sourceName: string;
}

/** Whether a presented bearer token is a provisioning token (by its form; it may still be unknown or revoked). */
export function isProvisioningToken(token: string): boolean {
  return token.startsWith(PROVISIONING_PREFIX);
}

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

    /**
     * A provisioning token for /scim/v2, of the SCIM identity source `source` (id or name), or when none is
     * named of the SCIM source named `name`, made if there is none yet: one label per identity provider
     * is the common case, and running the command again for a second token reuses the source.
     */
    async createProvisioning(name: string, source?: string): Promise<{ id: string; token: string; identitySource: { id: string; displayName: string; created: boolean } }> {
      if (!name.trim()) throw new ValidationError('A provisioning token needs a name.', 'name');
      const token = PROVISIONING_PREFIX + randomBytes(32).toString('base64url');
      const id = newId();
      const at = isoNow(clock);
      return db.transaction().execute(async (tx) => {
        let row: Pick<IdentitySourceRow, 'id' | 'kind' | 'displayName'> | undefined = source
          ? (await findIdentitySource(tx, source.toLowerCase())) ?? (await findIdentitySourceByName(tx, 'scim', source))
          : await findIdentitySourceByName(tx, 'scim', name);
        if (source && !row) throw new NotFoundError('Identity source', source);
        if (row && row.kind !== 'scim') throw new ValidationError(`Identity source '${row.displayName}' is of kind '${row.kind}'; provisioning tokens belong to SCIM sources.`, 'source');
        let created = false;
        if (!row) {
          const made = { id: newId(), kind: 'scim', displayName: name, description: null, connectionId: null, settings: '{}', createdAt: at, modifiedAt: at };
          await insertIdentitySource(tx, made);
          row = made;
          created = true;
        }
        await insertProvisioningToken(tx, { id, identitySourceId: row.id, name, tokenHash: hashToken(token), createdAt: at, lastUsedAt: null, revokedAt: null });
        await events.publish(tx, null, { type: 'tokenCreated', tokenId: id, name }, { at, by: CLI });
        return { id, token, identitySource: { id: row.id, displayName: row.displayName, created } };
      });
    },

    list: (userPrincipalName?: string): Promise<TokenInfo[]> => listApiTokens(db, userPrincipalName),

    listProvisioning: (): Promise<ProvisioningTokenInfo[]> => listProvisioningTokens(db),

    /** Revokes a people's API token or a provisioning token by its id. */
    async revoke(id: string): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const row = (await findApiTokenById(tx, id)) ?? (await findProvisioningTokenById(tx, id));
        if (!row) throw new NotFoundError('Token', id);
        if (row.revokedAt) throw new ConflictError(`Token '${id}' is already revoked.`);
        if ('userId' in row) await setApiTokenRevoked(tx, id, at);
        else await setProvisioningTokenRevoked(tx, id, at);
        await events.publish(tx, null, { type: 'tokenRevoked', tokenId: id, name: row.name }, { at, by: CLI });
      });
    },

    /** The identity source a presented provisioning token speaks for, or undefined when it is unknown or revoked. */
    async resolveProvisioning(token: string): Promise<Provisioner | undefined> {
      if (!isProvisioningToken(token) || token.length > 200) return undefined;
      const row = await findProvisioningTokenByHash(db, hashToken(token));
      if (!row || row.revokedAt) return undefined;
      const source = await findIdentitySource(db, row.identitySourceId);
      if (!source) return undefined;
      const now = clock.now();
      if (!row.lastUsedAt || now.getTime() - new Date(row.lastUsedAt).getTime() > 60_000) {
        await setProvisioningTokenLastUsed(db, row.id, now.toISOString());
      }
      return { tokenId: row.id, sourceId: source.id, sourceName: source.displayName };
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
