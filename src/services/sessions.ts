import { randomBytes } from 'node:crypto';
import { newId } from '../domain/ids.js';
import { deleteEndedSessions, findSessionByHash, insertSession, revokeSessionByHash, setSessionLastSeen } from '../store/sessions.js';
import type { ServiceDeps } from './deps.js';
import { hashToken } from './tokens.js';

// Browser sessions of the web portals. The cookie carries 256 random bits; only their SHA-256 is
// stored (as for API tokens: nothing to brute-force, and a leaked table opens no session). Sessions
// live in the database so that several `serve` processes behind one address share them.

export type SessionVia = 'demo' | 'oidc';

export interface SessionLifetimes {
  /** a session unused this long ends, ms */
  idleMs: number;
  /** a session ends this long after sign-in however busy, ms */
  absoluteMs: number;
}

export const DEFAULT_SESSION_LIFETIMES: SessionLifetimes = { idleMs: 8 * 3600_000, absoluteMs: 7 * 24 * 3600_000 };

/** How often last-seen is written at most: a write per request would serialise readers on SQLite. */
const TOUCH_EVERY_MS = 60_000;

export function createSessionService({ db, clock }: Pick<ServiceDeps, 'db' | 'clock'>, lifetimes: SessionLifetimes = DEFAULT_SESSION_LIFETIMES) {
  return {
    lifetimes,

    /** Starts a session for the user; returns the cookie value (never stored) and the absolute end. */
    async create(userId: string, via: SessionVia): Promise<{ token: string; expiresAt: Date }> {
      const token = randomBytes(32).toString('base64url');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + lifetimes.absoluteMs);
      await insertSession(db, {
        id: newId(), tokenHash: hashToken(token), userId, via,
        createdAt: now.toISOString(), lastSeenAt: now.toISOString(), expiresAt: expiresAt.toISOString(), revokedAt: null,
      });
      return { token, expiresAt };
    },

    /**
     * The user behind a session cookie, and until when (epoch ms) the session lasts unless used again, or undefined
     * when it is unknown, revoked, idle too long or past its end.
     */
    async resolve(token: string): Promise<{ userId: string; until: number } | undefined> {
      if (token.length === 0 || token.length > 100) return undefined;
      const row = await findSessionByHash(db, hashToken(token));
      if (!row || row.revokedAt) return undefined;
      const now = clock.now().getTime();
      let lastSeen = new Date(row.lastSeenAt).getTime();
      const end = new Date(row.expiresAt).getTime();
      if (now >= end || now >= lastSeen + lifetimes.idleMs) return undefined;
      if (now - lastSeen > TOUCH_EVERY_MS) {
        await setSessionLastSeen(db, row.id, new Date(now).toISOString());
        lastSeen = now;
      }
      return { userId: row.userId, until: Math.min(end, lastSeen + lifetimes.idleMs) };
    },

    /** Ends the session of this cookie value (sign-out); unknown values are ignored. */
    async revoke(token: string): Promise<void> {
      await revokeSessionByHash(db, hashToken(token), clock.now().toISOString());
    },

    /**
     * Deletes sessions that ended more than a day ago (kept briefly so that support can see them), at
     * most `limit` of them; returns how many. Idempotent: rows already gone are no error.
     */
    async purgeEnded(limit: number): Promise<number> {
      const dayAgo = clock.now().getTime() - 24 * 3600_000;
      const cutoff = new Date(dayAgo).toISOString();
      const idleCutoff = new Date(dayAgo - lifetimes.idleMs).toISOString();
      return deleteEndedSessions(db, cutoff, idleCutoff, limit);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
