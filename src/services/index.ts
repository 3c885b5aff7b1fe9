import type { ServiceDeps } from './deps.js';
import type { WorkerTasks } from './worker-tasks.js';
import { builtInConnectors, createConnectorRegistry } from '../connectors/registry.js';
import type { ResourceConnector } from '../connectors/types.js';
import { observeConnector, type ConnectorCallObserver } from '../connectors/observe.js';
import { createTokenService } from './tokens.js';
import { createScimService } from './identity/scim/index.js';
import { createCatalogService } from './catalogs.js';
import { createBootstrapService } from './bootstrap.js';
import { createUserService } from './users.js';
import { createSubjectService } from './subjects.js';
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
import { identityWorkerTasks } from './identity/index.js';
import { createEvents } from './events/index.js';
import { DEFAULT_SESSION_LIFETIMES, type SessionLifetimes } from './sessions.js';
import { createSignInPurge } from './sign-in-purge.js';
import { statisticsTask } from './statistics.js';
import { createConnectionTargets } from './connections/targets.js';
import { createConnectionService } from './connections/index.js';
import { resolveConnectedResource } from './connections/add-resource.js';
import { createReconciliationService } from './fulfilment/reconcile-service.js';
import { createIdentitySourceService } from './identity/sources.js';
import type { ReconciliationObserver } from './fulfilment/reconcile.js';
import { createSecretBox, SECRET_KEY_BYTES, type SecretBox } from '../store/secret-box.js';
import { randomBytes } from 'node:crypto';

/** The object graph of use cases, built once per app from explicit dependencies (no module-level singletons). */
export interface ServiceOptions {
  /** connectors beyond the built-in ones (other resource systems; tests add one that fails on demand) */
  connectors?: ResourceConnector[];
  /** told of every grant/revoke a connector carries out (metrics) */
  onConnectorCall?: ConnectorCallObserver;
  /** web session lifetimes (SESSION_IDLE_MINUTES, SESSION_MAX_HOURS): when the worker's sweep deletes ended sessions */
  sessions?: SessionLifetimes;
  /**
   * opens and seals connection secrets (store/secret-key.ts loads its key from LATCHKEY_SECRET_KEY or a key
   * file); without one a random key lives as long as the process, which suits tests and in-memory databases only
   */
  secretBox?: SecretBox;
  /** told of every reconciliation run's outcome (metrics) */
  onReconciliation?: ReconciliationObserver;
}

export function createServices(deps: ServiceDeps, options: ServiceOptions = {}) {
  // one registry per app, shared by catalog resources and fulfilment
  const all = [...builtInConnectors(deps), ...(options.connectors ?? [])];
  const connectors = createConnectorRegistry(options.onConnectorCall ? all.map((c) => observeConnector(c, options.onConnectorCall!)) : all);
  const notifications = createNotificationService(deps);
  const secretBox = options.secretBox ?? createSecretBox(randomBytes(SECRET_KEY_BYTES));
  // one client per connection per process, shared by the connection API, fulfilment and reconciliation
  const connectionTargets = createConnectionTargets({ db: deps.db, clock: deps.clock, secretBox, log: deps.log });
  // the worker of this process (if any) registers itself through onWork, so that work a request
  // creates starts at once instead of at the next poll; on PostgreSQL the app also registers a NOTIFY
  // that wakes the workers of other processes (store/notify.ts). The lifecycle's transactions kick
  // after their commit when they enqueued work (events/bus.ts). The one event bus serves every service
  // that records its changes (the lifecycle, the configuration, the directory).
  const kicks: (() => void)[] = [];
  const kick = (): void => {
    for (const k of kicks) k();
  };
  const events = createEvents({ db: deps.db, clock: deps.clock, kick, notifications });
  const withEvents = { db: deps.db, clock: deps.clock, events };
  const policies = createPolicyService(withEvents);
  const connectionDeps = { db: deps.db, clock: deps.clock, events, secretBox, connectionTargets };
  const lifecycle = createLifecycleEngine({ db: deps.db, clock: deps.clock, log: deps.log, connectors, connectionTargets, secretBox, events });
  const reconciliation = createReconciliationService({ db: deps.db, clock: deps.clock, events, connectionTargets, observer: options.onReconciliation });
  const identitySources = createIdentitySourceService({ db: deps.db, clock: deps.clock, events, secretBox });
  return {
    connectors,
    secretBox,
    connectionTargets,
    tokens: createTokenService(withEvents),
    scim: createScimService(withEvents),
    bootstrap: createBootstrapService(withEvents),
    users: createUserService(withEvents),
    subjects: createSubjectService(withEvents),
    groups: createGroupService(withEvents),
    catalogs: createCatalogService(withEvents),
    resources: createResourceService(withEvents, connectors, (principal, kind, ref) => resolveConnectedResource(connectionDeps, principal, kind, ref)),
    connections: createConnectionService(connectionDeps),
    accessPackages: createAccessPackageService(withEvents, { onRoleScopeChange: lifecycle.onRoleScopeChange }),
    connectedOrganizations: createConnectedOrganizationService(withEvents),
    settings: createSettingsService(withEvents),
    roleAssignments: createRoleAssignmentService(withEvents),
    auditLog: createAuditLogService(deps),
    policies,
    notifications,
    lifecycle,
    reconciliation,
    identitySources,
    // every worker task: the lifecycle engine's, reconciliation's, and the sweep of ended sessions and expired sign-in flows
    workerTasks: withPeriodic(
      mergeTasks(lifecycle.workerTasks(), reconciliation.workerTasks(), identityWorkerTasks({ db: deps.db, clock: deps.clock, events }), identitySources.workerTasks()),
      createSignInPurge(deps, { lifetimes: options.sessions ?? DEFAULT_SESSION_LIFETIMES }),
      statisticsTask(deps),
    ),
    onWork(fn: () => void): void {
      kicks.push(fn);
    },
  };
}

function mergeTasks(...all: WorkerTasks[]): WorkerTasks {
  return {
    handlers: Object.assign({}, ...all.map((t) => t.handlers)),
    batchHandlers: Object.assign({}, ...all.map((t) => t.batchHandlers ?? {})),
    periodic: all.flatMap((t) => t.periodic),
  };
}

function withPeriodic(tasks: WorkerTasks, ...more: WorkerTasks['periodic']): WorkerTasks {
  return { ...tasks, periodic: [...tasks.periodic, ...more] };
}

export type Services = ReturnType<typeof createServices>;
