// Row types of every table, in the camelCase that Kysely's CamelCasePlugin maps to snake_case columns.
// Portable across SQLite and PostgreSQL: times are ISO-8601 UTC strings (they sort as text),
// booleans are 0/1 integers, and structured settings are JSON text.

export type Bool = number; // 0 | 1

export interface UsersTable {
  id: string;
  displayName: string;
  userPrincipalName: string;
  /** lower-cased userPrincipalName, unique: sign-in names compare case-insensitively */
  upnKey: string;
  mail: string | null;
  mailNickname: string | null;
  givenName: string | null;
  surname: string | null;
  department: string | null;
  jobTitle: string | null;
  managerId: string | null;
  userType: string;
  accountEnabled: Bool;
  /** set for guests created through a connected organization */
  connectedOrganizationId: string | null;
  createdAt: string;
  modifiedAt: string;
  blockedAt: string | null;
  deleteAfter: string | null;
  governed: Bool;
  /** the identity source that owns the user (migration 0011); null: made through Latchkey's own API */
  sourceId: string | null;
  /** the user's stable id in that source (an LDAP entryUUID); null for SCIM, whose id is Latchkey's */
  sourceKey: string | null;
  /** the SCIM externalId the identity provider sent */
  externalId: string | null;
  /** the enterprise user extension: employeeNumber (Graph's employeeId), costCenter, division, organization */
  employeeId: string | null;
  costCenter: string | null;
  division: string | null;
  organization: string | null;
}

export interface GroupsTable {
  id: string;
  displayName: string;
  description: string | null;
  mail: string | null;
  mailNickname: string | null;
  mailEnabled: Bool;
  securityEnabled: Bool;
  createdAt: string;
  modifiedAt: string;
  /** as on users (migration 0011): the owning identity source, the group's id there, its SCIM externalId */
  sourceId: string | null;
  sourceKey: string | null;
  externalId: string | null;
}

export interface GroupMembersTable {
  groupId: string;
  memberId: string;
  /** 'user' | 'group' */
  memberType: string;
  createdAt: string;
}

export interface GroupOwnersTable {
  groupId: string;
  userId: string;
  createdAt: string;
}

export interface CatalogsTable {
  id: string;
  displayName: string;
  description: string | null;
  state: string;
  isExternallyVisible: Bool;
  catalogType: string;
  createdAt: string;
  modifiedAt: string;
}

export interface ResourcesTable {
  id: string;
  catalogId: string;
  originSystem: string;
  originId: string;
  displayName: string;
  description: string | null;
  resourceType: string | null;
  attributes: string; // JSON array
  createdAt: string;
  modifiedAt: string;
  /** the connection the resource lives in (migration 0008); null: Latchkey's own directory */
  connectionId: string | null;
  /** 1: holders Latchkey did not grant are removed by reconciliation; 0: only reported */
  exclusive: number;
}

export interface ResourceRolesTable {
  id: string;
  resourceId: string;
  originSystem: string;
  originId: string;
  displayName: string;
  description: string | null;
}

export interface ResourceScopesTable {
  id: string;
  resourceId: string;
  originSystem: string;
  originId: string;
  displayName: string;
  description: string | null;
  isRootScope: Bool;
}

export interface ResourceRequestsTable {
  id: string;
  catalogId: string;
  resourceId: string | null;
  requestType: string;
  state: string;
  requestorId: string | null;
  createdAt: string;
}

export interface AccessPackagesTable {
  id: string;
  catalogId: string;
  displayName: string;
  description: string | null;
  isHidden: Bool;
  createdAt: string;
  modifiedAt: string;
}

export interface ResourceRoleScopesTable {
  /** `${roleId}_${scopeId}`, unique within one package */
  id: string;
  accessPackageId: string;
  roleId: string;
  scopeId: string;
  createdAt: string;
}

export interface IncompatibleAccessPackagesTable {
  accessPackageId: string;
  incompatibleAccessPackageId: string;
  createdAt: string;
}

export interface IncompatibleGroupsTable {
  accessPackageId: string;
  groupId: string;
  createdAt: string;
}

export interface ConnectedOrganizationsTable {
  id: string;
  displayName: string;
  description: string | null;
  identitySources: string; // JSON array
  state: string;
  createdAt: string;
  modifiedAt: string;
}

export interface ConnectedOrganizationSponsorsTable {
  connectedOrganizationId: string;
  directoryObjectId: string;
  /** 'user' | 'group' */
  objectType: string;
  /** 'internal' | 'external' */
  kind: string;
  createdAt: string;
}

export interface SettingsTable {
  id: number; // always 1
  externalUserLifecycleAction: string;
  durationUntilExternalUserDeletedAfterBlocked: string;
  modifiedAt: string;
}

export interface RoleAssignmentsTable {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  /** '/' or '/AccessPackageCatalog/{catalogId}' */
  appScopeId: string;
  /** the catalog of a catalog-scoped assignment, so that lookups and deletes can use an index */
  catalogId: string | null;
  createdAt: string;
}

export interface ApiTokensTable {
  id: string;
  userId: string;
  name: string | null;
  /** SHA-256 of the token: tokens are 256-bit random, so a fast hash cannot be brute-forced */
  tokenHash: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A browser session of the web portals; the cookie holds 256 random bits, the table only their SHA-256. */
export interface SessionsTable {
  id: string;
  tokenHash: string;
  userId: string;
  /** 'demo' | 'oidc' */
  via: string;
  createdAt: string;
  lastSeenAt: string;
  /** absolute end of the session */
  expiresAt: string;
  revokedAt: string | null;
}

/** An OpenID Connect sign-in on its way through the provider (single use, short-lived). */
export interface OidcFlowsTable {
  id: string;
  cookieHash: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  createdAt: string;
  expiresAt: string;
}

/** A target system Latchkey delivers access into (migration 0008). */
export interface ConnectionsTable {
  id: string;
  /** ldap | scim | postgresql | webhook */
  kind: string;
  displayName: string;
  description: string | null;
  /** JSON object, the kind's settings schema */
  settings: string;
  /** the secrets object, sealed (store/secret-box.ts) with the connection id as context */
  secrets: string;
  timeoutMs: number;
  concurrency: number;
  /** ISO 8601 duration between reconciliations; null: only on demand */
  reconcileInterval: string | null;
  nextReconcileAt: string | null;
  /** unknown | healthy | failing */
  health: string;
  lastError: string | null;
  lastErrorAt: string | null;
  lastSuccessAt: string | null;
  createdAt: string;
  modifiedAt: string;
}

/** Where people and groups come from (migration 0011): an identity provider pushing SCIM, or an LDAP directory synced. */
/** A token an identity provider presents under /scim/v2 (migration 0012): one identity source's, stored hashed. */
export interface ProvisioningTokensTable {
  id: string;
  identitySourceId: string;
  name: string;
  /** SHA-256 of the token */
  tokenHash: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface IdentitySourcesTable {
  id: string;
  /** scim | ldap */
  kind: string;
  displayName: string;
  description: string | null;
  /** the LDAP connection a directory sync reads through; null for SCIM */
  connectionId: string | null;
  /** JSON object, the kind's settings (never a secret) */
  settings: string;
  createdAt: string;
  modifiedAt: string;
  /** the schedule (migration 0013): next incremental and full sync, null: never */
  nextSyncAt: string | null;
  nextFullAt: string | null;
  /** the directory's modifyTimestamp of the newest entry the last successful sync read */
  syncCursor: string | null;
}

/** One sync of an identity source (migration 0013). */
export interface IdentitySyncRunsTable {
  id: string;
  sourceId: string;
  /** full | incremental | compare */
  mode: string;
  dryRun: Bool;
  /** demand | schedule */
  trigger: string;
  /** running | succeeded | failed */
  state: string;
  startedAt: string;
  finishedAt: string | null;
  entriesRead: number;
  entriesWritten: number;
  usersCreated: number;
  usersUpdated: number;
  usersDisabled: number;
  groupsCreated: number;
  groupsUpdated: number;
  groupsDeleted: number;
  membersAdded: number;
  membersRemoved: number;
  /** JSON array of strings */
  errors: string;
  /** JSON array of sample changes (dry runs) */
  sample: string;
  error: string | null;
}

/** A Latchkey user's account in a connection's target system. */
export interface ConnectionAccountsTable {
  connectionId: string;
  userId: string;
  /** the account's id there: a DN, a SCIM id, a role name */
  accountId: string;
  display: string;
  createdByLatchkey: number;
  linkedAt: string;
}

/** One reconciliation run over a connection's governed roles. */
export interface ReconciliationsTable {
  id: string;
  connectionId: string;
  /** schedule | demand */
  trigger: string;
  /** running | succeeded | failed */
  state: string;
  startedAt: string;
  finishedAt: string | null;
  rolesChecked: number;
  holdersChecked: number;
  repaired: number;
  unmanaged: number;
  removed: number;
  error: string | null;
}

/** A holder of a governed role that no delivered grant explains. */
export interface UnmanagedAccessTable {
  resourceRoleId: string;
  accountId: string;
  display: string;
  firstSeenAt: string;
  lastSeenAt: string;
  removedAt: string | null;
}

/** The demo company was seeded into this database (migration 0007): the condition for demo sign-in. */
export interface DemoMarkersTable {
  domain: string;
  seededAt: string;
}

export interface AuditEventsTable {
  id: string;
  occurredAt: string;
  category: string;
  activity: string;
  actorId: string | null;
  actorDisplayName: string | null;
  targetType: string;
  targetId: string;
  targetDisplayName: string | null;
  modifiedProperties: string; // JSON array of {displayName, oldValue, newValue}
  correlationId: string | null;
  result: string;
}

// ---- Lifecycle (policies, requests, approvals, assignments, fulfilment). Filled in by the lifecycle engine.

export interface AssignmentPoliciesTable {
  id: string;
  accessPackageId: string;
  displayName: string;
  description: string | null;
  allowedTargetScope: string;
  /** JSON documents holding the Graph settings objects as validated */
  specificAllowedTargets: string;
  expiration: string;
  requestorSettings: string;
  requestApprovalSettings: string;
  reviewSettings: string | null;
  notificationSettings: string | null;
  automaticRequestSettings: string | null;
  /** JSON: Latchkey's scopeLossSettings (migration 0014); null: the default */
  scopeLossSettings: string | null;
  questions: string;
  createdAt: string;
  modifiedAt: string;
}

export interface AssignmentRequestsTable {
  id: string;
  accessPackageId: string;
  policyId: string | null;
  assignmentId: string | null;
  requestType: string;
  state: string;
  status: string;
  requestorId: string | null;
  targetId: string | null;
  targetEmail: string | null;
  justification: string | null;
  answers: string; // JSON
  schedule: string; // JSON
  idempotencyKey: string | null;
  createdAt: string;
  completedAt: string | null;
  /** when access starts (scheduled requests wait for it) and ends, as computed on approval */
  startAt: string | null;
  endAt: string | null;
  modifiedAt: string | null;
  /** why it was denied, canceled or timed out */
  reason: string | null;
}

export interface AssignmentsTable {
  id: string;
  accessPackageId: string;
  policyId: string | null;
  targetId: string;
  state: string;
  status: string;
  startAt: string | null;
  endAt: string | null;
  expiredAt: string | null;
  createdAt: string;
  modifiedAt: string;
  requestId: string | null;
  justification: string | null;
  answers: string; // JSON
  reminded14At: string | null;
  reminded1At: string | null;
  /** when the holder, out of the policy's scope, loses it (migration 0014); null: nothing pending */
  removalDueAt: string | null;
  /** why it is to be removed (the removal request's justification) */
  removalReason: string | null;
}

export interface GrantsTable {
  id: string;
  assignmentId: string;
  resourceRoleId: string;
  resourceScopeId: string;
  targetId: string;
  /** pending | delivered | failed | revoking | revoked */
  state: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  modifiedAt: string;
  requestId: string | null;
  /** a delivery the target accepted for later (a webhook's 202) waits for its confirmation under this id */
  deliveryId: string | null;
  /** when an unconfirmed delivery counts as failed */
  confirmationDueAt: string | null;
}

export interface ApprovalStagesTable {
  id: string;
  requestId: string;
  stageIndex: number;
  status: string;
  reviewResult: string;
  reviewedById: string | null;
  reviewedAt: string | null;
  justification: string | null;
  dueAt: string | null;
  escalateAt: string | null;
  escalated: Bool;
  createdAt: string;
  approvalsRequired: number;
  isApproverJustificationRequired: Bool;
}

export interface ApprovalStageApproversTable {
  stageId: string;
  requestId: string;
  approverId: string;
  /** 'primary' | 'escalation' */
  kind: string;
  createdAt: string;
}

export interface ApprovalDecisionsTable {
  id: string;
  stageId: string;
  requestId: string;
  approverId: string;
  /** 'Approve' | 'Deny' */
  reviewResult: string;
  justification: string | null;
  decidedAt: string;
}

/** When a periodic evaluation of joiner/mover/leaver is next due (migration 0014; one row, id 'nightly'). */
export interface IdentityEvaluationsTable {
  id: string;
  nextRunAt: string;
  lastRunAt: string | null;
}

export interface JobsTable {
  id: string;
  kind: string;
  payload: string; // JSON
  runAt: string;
  attempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  lastError: string | null;
  /** deterministic key so that two processes cannot enqueue the same timer twice */
  dedupeKey: string | null;
  createdAt: string;
  doneAt: string | null;
}

export interface OutboxEmailsTable {
  id: string;
  recipient: string;
  subject: string;
  body: string;
  template: string;
  createdAt: string;
  sentAt: string | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
}

export interface Database {
  users: UsersTable;
  groups: GroupsTable;
  groupMembers: GroupMembersTable;
  groupOwners: GroupOwnersTable;
  catalogs: CatalogsTable;
  resources: ResourcesTable;
  resourceRoles: ResourceRolesTable;
  resourceScopes: ResourceScopesTable;
  resourceRequests: ResourceRequestsTable;
  accessPackages: AccessPackagesTable;
  resourceRoleScopes: ResourceRoleScopesTable;
  incompatibleAccessPackages: IncompatibleAccessPackagesTable;
  incompatibleGroups: IncompatibleGroupsTable;
  connectedOrganizations: ConnectedOrganizationsTable;
  connectedOrganizationSponsors: ConnectedOrganizationSponsorsTable;
  settings: SettingsTable;
  roleAssignments: RoleAssignmentsTable;
  apiTokens: ApiTokensTable;
  provisioningTokens: ProvisioningTokensTable;
  auditEvents: AuditEventsTable;
  assignmentPolicies: AssignmentPoliciesTable;
  assignmentRequests: AssignmentRequestsTable;
  assignments: AssignmentsTable;
  grants: GrantsTable;
  approvalStages: ApprovalStagesTable;
  approvalStageApprovers: ApprovalStageApproversTable;
  approvalDecisions: ApprovalDecisionsTable;
  jobs: JobsTable;
  outboxEmails: OutboxEmailsTable;
  sessions: SessionsTable;
  oidcFlows: OidcFlowsTable;
  demoMarkers: DemoMarkersTable;
  connections: ConnectionsTable;
  connectionAccounts: ConnectionAccountsTable;
  reconciliations: ReconciliationsTable;
  unmanagedAccess: UnmanagedAccessTable;
  identitySources: IdentitySourcesTable;
  identityEvaluations: IdentityEvaluationsTable;
  identitySyncRuns: IdentitySyncRunsTable;
}
