import { RoleDefinitionIds, type Principal } from '../domain/authorization.js';
import type { Db } from '../store/db.js';
import { transitiveGroupIds } from '../store/membership.js';
import { listRolesOfPrincipals } from '../store/role-assignments.js';
import { findUserById } from '../store/users.js';

/**
 * Builds a user's principal: the roles assigned to the user or to any group the user is in
 * (at any depth), split into tenant-wide roles and roles per catalog.
 */
export async function loadPrincipal(db: Db, userId: string): Promise<Principal | undefined> {
  const user = await findUserById(db, userId);
  if (!user || !user.accountEnabled) return undefined;
  const groupIds = await transitiveGroupIds(db, user.id);
  const principalIds = [user.id, ...groupIds];
  const rows = await listRolesOfPrincipals(db, principalIds);
  const tenantRoles = new Set<string>();
  const catalogRoles = new Map<string, Set<string>>();
  for (const r of rows) {
    if (r.catalogId) {
      let set = catalogRoles.get(r.catalogId);
      if (!set) catalogRoles.set(r.catalogId, (set = new Set()));
      set.add(r.roleDefinitionId);
    } else {
      tenantRoles.add(r.roleDefinitionId);
    }
  }
  return {
    userId: user.id,
    displayName: user.displayName,
    userPrincipalName: user.userPrincipalName,
    userType: user.userType,
    tenantRoles,
    catalogRoles,
    groupIds,
  };
}

/** A principal with every right, for the CLI and the worker acting as the system. */
export function systemPrincipal(): Principal {
  return {
    userId: '00000000-0000-0000-0000-000000000000',
    displayName: 'Latchkey',
    userPrincipalName: 'system@latchkey',
    userType: 'Member',
    tenantRoles: new Set([RoleDefinitionIds.administrator]),
    catalogRoles: new Map(),
  };
}
