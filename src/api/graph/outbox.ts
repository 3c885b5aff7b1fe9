import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';

// Placeholder: filled in by its owner.
export function registerOutboxRoutes(_app: FastifyInstance, _services: Services, _db: Db): void {}
