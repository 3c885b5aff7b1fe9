import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.js';
import { registerConnectionRoutes } from './connections.js';
import { registerIdentitySourceRoutes } from './identity-sources.js';

/** Latchkey's own additions under /latchkey/v1 that are not Graph's (connections to target systems, identity sources). */
export function registerLatchkeyRoutes(app: FastifyInstance, services: Services): void {
  registerConnectionRoutes(app, services);
  registerIdentitySourceRoutes(app, services);
}
