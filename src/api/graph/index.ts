import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { registerCatalogRoutes } from './catalogs.js';

/** All Graph-compatible routes. Each module registers the paths of one area of the API. */
export function registerGraphRoutes(app: FastifyInstance, services: Services, db: Db): void {
  registerCatalogRoutes(app, services, db);
}
