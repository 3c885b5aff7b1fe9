import type { Principal } from '../domain/authorization.js';
import type { Clock } from '../domain/clock.js';
import type { IdentityChanges } from '../store/identity-changes.js';

// Signing a request in costs a credential lookup, the user, the walk of their groups at any depth and their
// roles: four statements on every request, most of a cheap read's cost. The principal a credential signs in
// is therefore kept briefly, by the credential's hash, and given out only while the store's identity
// generation (store/identity-changes.ts) has not moved since it was loaded: any committed change to users,
// groups, memberships, roles, tokens or sessions, here or (through NOTIFY / data_version) in another
// process, makes the next request load afresh. Revoking a token or removing a role thus still takes effect
// on the very next request; the time limit only bounds how stale a credential's use records may get.

export interface PrincipalCacheOptions {
  /** how long a principal is kept at most, ms; 0 turns the cache off */
  ttlMs: number;
  /** how many credentials are kept at most (least recently used go first) */
  maxEntries: number;
}

/** enough for every person active at once in a large tenant; an entry is a few hundred bytes plus its group ids */
export const DEFAULT_MAX_PRINCIPALS = 10_000;

/** Who a credential signs in, as loaded from the database. */
export interface SignedIn {
  principal: Principal;
  /** when the credential ends by itself (a session's absolute end or idle limit), epoch ms */
  until?: number;
}

interface Entry {
  principal: Principal;
  until: number;
}

export function createPrincipalCache(deps: { identity: IdentityChanges; clock: Clock }, opts: PrincipalCacheOptions) {
  const { identity, clock } = deps;
  /** most recently used last; every entry was loaded at `generation` */
  const entries = new Map<string, Entry>();
  let generation: number | null = null;

  return {
    /**
     * The principal the credential named `key` signs in: kept, or loaded by `load` (which throws when the credential
     * signs in nobody; that is never kept).
     */
    async principalOf(key: string, load: () => Promise<SignedIn>): Promise<Principal> {
      const now = clock.now().getTime();
      const current = opts.ttlMs > 0 ? identity.generation() : null;
      if (current !== generation) {
        entries.clear();
        generation = current;
      }
      if (current === null) return (await load()).principal;
      const hit = entries.get(key);
      if (hit) {
        entries.delete(key);
        if (now < hit.until) {
          entries.set(key, hit);
          return hit.principal;
        }
      }
      const signedIn = await load();
      // A change that committed while this load ran may or may not be in what it read; it moved the generation
      // on, so the result is not kept (and had it been, the clear above would drop it at the next request).
      if (identity.generation() === current) {
        entries.set(key, { principal: signedIn.principal, until: Math.min(now + opts.ttlMs, signedIn.until ?? Infinity) });
        if (entries.size > opts.maxEntries) entries.delete(entries.keys().next().value as string);
      }
      return signedIn.principal;
    },

    /** how many credentials are kept now (metrics and tests) */
    size: (): number => entries.size,
  };
}

export type PrincipalCache = ReturnType<typeof createPrincipalCache>;
