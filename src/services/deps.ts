import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../domain/clock.js';
import type { Principal } from '../domain/authorization.js';
import type { Db } from '../store/db.js';
import type { AuditContext } from '../store/audit.js';

/** What every service factory may depend on. Services take only what they use. */
export interface ServiceDeps {
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  /** base URL of links in emails (config PUBLIC_URL) */
  publicUrl?: string;
}

/** The person (or system) on whose behalf a use case runs. */
export interface Caller {
  principal: Principal;
  correlationId: string | null;
}

export function auditContext(caller: Caller | null, at: string): AuditContext {
  return {
    actor: caller ? { id: caller.principal.userId, displayName: caller.principal.displayName } : { id: null, displayName: 'Latchkey' },
    correlationId: caller?.correlationId ?? null,
    at,
  };
}
