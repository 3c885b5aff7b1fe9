// Shapes of the Graph objects the catalog pages read (see src/api/graph/catalogs.ts, resources.ts, role-management.ts).

export interface Catalog {
  id: string;
  displayName: string;
  description: string | null;
  catalogType: string;
  state: string;
  isExternallyVisible: boolean;
  createdDateTime: string;
  modifiedDateTime: string;
}

export interface ResourceRole {
  id: string;
  displayName: string;
  originId: string;
}

export interface Resource {
  id: string;
  displayName: string;
  description: string | null;
  originId: string;
  originSystem: string;
  createdDateTime: string;
  roles?: ResourceRole[];
  /** the connection a resource of another system than the directory comes from */
  environment?: { id: string; displayName: string; originSystem: string } | null;
}

export interface AccessPackage {
  id: string;
  displayName: string;
  description: string | null;
  isHidden: boolean;
  modifiedDateTime: string;
}

/** The catalog roles of entitlement management (src/domain/authorization.ts RoleDefinitionIds). */
export const CATALOG_ROLES = [
  { id: 'ae79f266-94d4-4dab-b730-feca7e132178', name: 'Catalog owner', plural: 'Owners', about: 'Edit the catalog, its resources and roles, and manage its access packages.' },
  { id: '44272f93-9762-48e8-af59-1b5351b1d6b3', name: 'Catalog reader', plural: 'Readers', about: 'View the catalog and its access packages.' },
  { id: '7f480852-ebdc-47d4-87de-0d8498384a83', name: 'Access package manager', plural: 'Access package managers', about: 'Create and edit access packages and their policies; manage assignments.' },
  { id: 'e2182095-804a-4656-ae11-64734e9b7ae5', name: 'Access package assignment manager', plural: 'Assignment managers', about: 'Assign and remove users; view requests and reprocess or cancel them.' },
] as const;

/** Resource types the server has connectors for: directory groups, and the originSystem of each kind of connection (src/connectors/kinds.ts). */
export const RESOURCE_TYPES: Record<string, string> = { AadGroup: 'Group', LdapGroup: 'LDAP group', ScimGroup: 'SCIM group', PostgresRole: 'PostgreSQL role', Webhook: 'Webhook resource' };
