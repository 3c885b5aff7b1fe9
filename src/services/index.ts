import type { ServiceDeps } from './deps.js';
import { builtInConnectors, createConnectorRegistry } from '../connectors/registry.js';
import type { ResourceConnector } from '../connectors/types.js';
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
import { createPolicyService } from './policies.js';
import { createNotificationService } from './notifications.js';
import { createLifecycleEngine } from './lifecycle/engine.js';

/** The object graph of use cases, built once per app from explicit dependencies (no module-level singletons). */
export interface ServiceOptions {
  /** connectors beyond the built-in ones (other resource systems; tests add one that fails on demand) */
  connectors?: ResourceConnector[];
}

export function createServices(deps: ServiceDeps, options: ServiceOptions = {}) {
  // one registry per app, shared by catalog resources and fulfilment
  const connectors = createConnectorRegistry([...builtInConnectors(deps), ...(options.connectors ?? [])]);
  const policies = createPolicyService(deps);
  const notifications = createNotificationService(deps);
  // the worker of this process (if any) registers itself through onWork, so that work a request
  // creates starts at once instead of at the next poll
  let kick: () => void = () => {};
  const lifecycle = createLifecycleEngine({ db: deps.db, clock: deps.clock, log: deps.log, connectors, notifications, kick: () => kick() });
  return {
    connectors,
    tokens: createTokenService(deps),
    bootstrap: createBootstrapService(deps),
    users: createUserService(deps),
    groups: createGroupService(deps),
    catalogs: createCatalogService(deps),
    resources: createResourceService(deps, connectors),
    accessPackages: createAccessPackageService(deps, { onRoleScopeChange: lifecycle.onRoleScopeChange }),
    connectedOrganizations: createConnectedOrganizationService(deps),
    settings: createSettingsService(deps),
    roleAssignments: createRoleAssignmentService(deps),
    auditLog: createAuditLogService(deps),
    policies,
    notifications,
    lifecycle,
    lifecycleJobs: lifecycle.workerTasks(),
    onWork(fn: () => void): void {
      kick = fn;
    },
  };
}

export type Services = ReturnType<typeof createServices>;
