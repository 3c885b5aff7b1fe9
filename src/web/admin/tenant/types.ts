// Shapes of the tenant-wide Graph objects (src/api/graph/connected-organizations.ts, settings.ts, audit-logs.ts).

export interface IdentitySource {
  '@odata.type': string;
  displayName?: string | null;
  domainName?: string;
  tenantId?: string;
  issuerUri?: string;
  cloudInstance?: string;
  socialIdentitySourceType?: string;
}

export interface ConnectedOrganization {
  id: string;
  displayName: string;
  description: string | null;
  identitySources: IdentitySource[];
  state: 'configured' | 'proposed' | string;
  createdDateTime: string;
  modifiedDateTime: string;
}

export const DOMAIN_SOURCE = '#microsoft.graph.domainIdentitySource';
export const TENANT_SOURCE = '#microsoft.graph.azureActiveDirectoryTenant';

/** One line describing an identity source, whatever its type. */
export function describeSource(s: IdentitySource): string {
  const type = s['@odata.type'];
  const named = s.displayName ? ` (${s.displayName})` : '';
  if (type === DOMAIN_SOURCE) return `Domain ${s.domainName}${named}`;
  if (type === TENANT_SOURCE) return `Tenant ${s.tenantId}${named}`;
  if (type.endsWith('externalDomainFederation')) return `Federated domain ${s.domainName} via ${s.issuerUri}${named}`;
  if (type.endsWith('crossCloudAzureActiveDirectoryTenant')) return `Tenant ${s.tenantId} in ${s.cloudInstance}${named}`;
  if (type.endsWith('socialIdentitySource')) return `Social identity: ${s.socialIdentitySourceType}${named}`;
  return `${type}${named}`;
}

export interface Settings {
  externalUserLifecycleAction: 'none' | 'blockSignIn' | 'blockSignInAndDelete' | string;
  durationUntilExternalUserDeletedAfterBlocked: string;
}

export interface AuditEvent {
  id: string;
  category: string;
  correlationId: string | null;
  result: string;
  activityDisplayName: string;
  activityDateTime: string;
  operationType?: string;
  loggedByService?: string;
  initiatedBy: { user: { id: string; displayName: string | null } | null; app: { displayName: string | null } | null };
  targetResources: { id: string; displayName: string | null; type: string; modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[] }[];
}

export const AUDIT_CATEGORIES = ['EntitlementManagement', 'RoleManagement', 'UserManagement', 'GroupManagement'] as const;

export function initiatorOf(e: AuditEvent): string {
  return e.initiatedBy.user?.displayName ?? e.initiatedBy.app?.displayName ?? '—';
}
