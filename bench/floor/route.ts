import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, type Caller } from './auth.js';
import type { FloorDb } from './db.js';

// What every floor module exports: routes registered on the floor's Fastify app, at the same paths as
// Latchkey's so that the bench drives both with the same requests.

export const EM = '/v1.0/identityGovernance/entitlementManagement';

export type FloorRoutes = (app: FastifyInstance, db: FloorDb) => void;

/** The caller of an authenticated route, or a 401 sent (undefined). */
export async function callerOf(db: FloorDb, req: FastifyRequest, reply: FastifyReply): Promise<Caller | undefined> {
  const caller = await authenticate(db, db.pg, req.headers.authorization);
  if (!caller) void reply.code(401).send({ error: { code: 'InvalidAuthenticationToken', message: 'Unknown or revoked token.' } });
  return caller;
}

/** A Graph page: one row more than the page was read, to tell whether a next page exists (as listCollection does). */
export function page<R>(rows: R[], size: number, nextSkip: number, url: string, toGraph: (r: R) => unknown): { value: unknown[]; '@odata.nextLink'?: string } {
  const out: { value: unknown[]; '@odata.nextLink'?: string } = { value: rows.slice(0, size).map(toGraph) };
  if (rows.length > size) out['@odata.nextLink'] = `http://localhost${url.split('?')[0]}?$skiptoken=${nextSkip}`;
  return out;
}

export const PAGE_SIZE = 100;

/** A write refused inside its transaction (returned before it writes anything, so it commits nothing), and its answer. */
export interface Refusal {
  status: number;
  message: string;
}

export const isRefusal = (r: object): r is Refusal => 'status' in r;

export const refuse = (reply: FastifyReply, r: Refusal) => reply.code(r.status).send({ error: { code: String(r.status), message: r.message } });
