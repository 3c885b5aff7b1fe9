import type { ServiceDeps } from './deps.js';
import { createTokenService } from './tokens.js';
import { createCatalogService } from './catalogs.js';
import { createBootstrapService } from './bootstrap.js';
import { createUserService } from './users.js';
import { createGroupService } from './groups.js';
import { createResourceService } from './resources.js';
import { createAccessPackageService } from './access-packages.js';
import { createConnectedOrganizationService } from './connected-organizations.js';
import { createSettingsService } from './settings.js';
import { createRoleAssignmentService } from './role-assignments.js';
import { createAuditLogService } from './audit-log.js';

/** The object graph of use cases, built once per app from explicit dependencies (no module-level singletons). */
export function createServices(deps: ServiceDeps) {
  return {
    tokens: createTokenService(deps),
    bootstrap: createBootstrapService(deps),
    users: createUserService(deps),
    groups: createGroupService(deps),
    catalogs: createCatalogService(deps),
    resources: createResourceService(deps),
    accessPackages: createAccessPackageService(deps),
    connectedOrganizations: createConnectedOrganizationService(deps),
    settings: createSettingsService(deps),
    roleAssignments: createRoleAssignmentService(deps),
    auditLog: createAuditLogService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
