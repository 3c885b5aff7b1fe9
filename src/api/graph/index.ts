import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { registerCatalogRoutes } from './catalogs.js';
import { registerUserRoutes } from './users.js';
import { registerGroupRoutes } from './groups.js';
import { registerResourceRoutes } from './resources.js';
import { registerAccessPackageRoutes } from './access-packages.js';
import { registerConnectedOrganizationRoutes } from './connected-organizations.js';
import { registerSettingsRoutes } from './settings.js';
import { registerRoleManagementRoutes } from './role-management.js';
import { registerAuditLogRoutes } from './audit-logs.js';
import { registerAssignmentPolicyRoutes } from './assignment-policies.js';
import { registerOutboxRoutes } from './outbox.js';
import { registerAssignmentRequestRoutes } from './assignment-requests.js';
import { registerAssignmentRoutes } from './assignments.js';
import { registerApprovalRoutes } from './approvals.js';
import { registerSubjectRoutes } from './subjects.js';
import { registerDeliveryRoutes } from '../latchkey/deliveries.js';

/** All Graph-compatible routes. Each module registers the paths of one area of the API. */
export function registerGraphRoutes(app: FastifyInstance, services: Services, db: Db): void {
  registerUserRoutes(app, services, db);
  registerGroupRoutes(app, services, db);
  registerCatalogRoutes(app, services, db);
  registerResourceRoutes(app, services, db);
  registerAccessPackageRoutes(app, services, db);
  registerConnectedOrganizationRoutes(app, services, db);
  registerSettingsRoutes(app, services, db);
  registerRoleManagementRoutes(app, services, db);
  registerAuditLogRoutes(app, services, db);
  registerAssignmentPolicyRoutes(app, services, db);
  registerOutboxRoutes(app, services, db);
  registerAssignmentRequestRoutes(app, services, db);
  registerAssignmentRoutes(app, services, db);
  registerApprovalRoutes(app, services, db);
  registerSubjectRoutes(app, services, db);
  registerDeliveryRoutes(app, services, db);
}
