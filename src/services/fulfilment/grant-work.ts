import type { Db, Tx } from '../../store/db.js';

// A grant as the worker carries it out: the role, resource and scope it stands for, by their ids in the
// target system. Shared by delivery (fulfil.ts), revocation (revoke.ts) and the shared-access check.

export interface GrantWork {
  id: string;
  assignmentId: string;
  targetId: string;
  state: string;
  attempts: number;
  roleOriginId: string;
  resourceOriginId: string;
  originSystem: string;
  scopeOriginId: string;
  isRootScope: number;
  resourceRoleId: string;
  resourceScopeId: string;
  nextAttemptAt: string | null;
}

/** Grants with the role, resource and scope they stand for, as the connectors know them. */
export function grantsWithRoles(db: Db | Tx) {
  return db
    .selectFrom('grants')
    .innerJoin('resourceRoles', 'resourceRoles.id', 'grants.resourceRoleId')
    .innerJoin('resources', 'resources.id', 'resourceRoles.resourceId')
    .innerJoin('resourceScopes', 'resourceScopes.id', 'grants.resourceScopeId');
}

export function grantWorkQuery(db: Db | Tx) {
  return grantsWithRoles(db)
    .select([
      'grants.id', 'grants.assignmentId', 'grants.targetId', 'grants.state', 'grants.attempts', 'grants.resourceRoleId', 'grants.resourceScopeId', 'grants.nextAttemptAt',
      'resourceRoles.originId as roleOriginId', 'resources.originId as resourceOriginId', 'resources.originSystem',
      'resourceScopes.originId as scopeOriginId', 'resourceScopes.isRootScope',
    ]);
}
