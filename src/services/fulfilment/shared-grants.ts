import { connectorKindOfOrigin } from '../../connectors/kinds.js';
import { rolesImpliedBy, rolesImplying } from '../../connectors/kit.js';
import type { Db } from '../../store/db.js';
import { listActiveHolders, type GrantWork } from '../../store/grants.js';

/**
 * Identity of a role in its target system, whichever catalog's copy of the resource grants it. The
 * connection is part of it: two LDAP servers may both have a cn=admins, and holding one is not holding
 * the other.
 */
const roleKey = (g: Pick<GrantWork, 'targetId' | 'connectionId' | 'originSystem' | 'resourceOriginId' | 'roleOriginId' | 'scopeOriginId'>) =>
  JSON.stringify([g.targetId, g.connectionId, g.originSystem, g.resourceOriginId, g.roleOriginId, g.scopeOriginId]);

/**
 * For each grant being revoked, whether another active assignment still gives the same person the same
 * role (a group added to two catalogs has a resource, role and scope row in each), or any active
 * assignment a role of the same resource that implies it (the connection kind's impliedRoles: revoking
 * PostgreSQL's Member ends the membership, the admin option an Admin grant gave with it): such access
 * is shared and must stay; and whether its revoke takes the roles it implies with it. One query for the whole batch.
 */
export interface SharedGrants {
  /** grants whose access stays (another live grant gives it) */
  shared: Set<string>;
  /**
   * grants whose revoke also takes away the roles they imply: no live grant of the person gives those
   * (Delivery.revokeImplied; a PostgreSQL Admin ending with no Member grant left ends the membership)
   */
  revokeImplied: Set<string>;
}

export async function sharedGrants(db: Db, work: readonly GrantWork[]): Promise<SharedGrants> {
  if (work.length === 0) return { shared: new Set(), revokeImplied: new Set() };
  const kindOf = (g: GrantWork) => (g.connectionId === null ? undefined : connectorKindOfOrigin(g.originSystem));
  const implying = new Map(work.map((g) => [g.id, rolesImplying(kindOf(g), g.roleOriginId)]));
  const impliedBy = new Map(work.map((g) => [g.id, rolesImpliedBy(kindOf(g), g.roleOriginId)]));
  const roleIds = new Set(work.flatMap((g) => [g.roleOriginId, ...implying.get(g.id)!, ...impliedBy.get(g.id)!]));
  const holders = await listActiveHolders(db, [...new Set(work.map((g) => g.targetId))], [...roleIds]);
  const byRole = new Map<string, Set<string>>();
  for (const h of holders) {
    const k = roleKey(h);
    if (!byRole.has(k)) byRole.set(k, new Set());
    byRole.get(k)!.add(h.assignmentId);
  }
  const shared = new Set<string>();
  const revokeImplied = new Set<string>();
  for (const g of work) {
    const others = byRole.get(roleKey(g));
    if (others && [...others].some((a) => a !== g.assignmentId)) shared.add(g.id);
    // an implying role counts even from the same assignment: it stays when only this role leaves the package
    else if (implying.get(g.id)!.some((roleOriginId) => byRole.has(roleKey({ ...g, roleOriginId })))) shared.add(g.id);
    // what this role gave with it goes too, unless a live grant (of any assignment) still gives it
    else if (impliedBy.get(g.id)!.some((roleOriginId) => !byRole.has(roleKey({ ...g, roleOriginId })))) revokeImplied.add(g.id);
  }
  return { shared, revokeImplied };
}
