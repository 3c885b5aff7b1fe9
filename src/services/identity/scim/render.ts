import { scimGroup } from '../../../domain/scim/groups.js';
import { scimUser } from '../../../domain/scim/users.js';
import type { Db, Tx } from '../../../store/db.js';
import type { GroupRow } from '../../../store/groups.js';
import { listDirectMembersOf, userDisplayNames } from '../../../store/scim.js';
import type { UserRow } from '../../../store/users.js';
import type { ScimContext } from './context.js';

/** Users as SCIM resources, their managers' names read in one query. */
export async function renderUsers(db: Db | Tx, ctx: ScimContext, rows: UserRow[]) {
  const names = await userDisplayNames(db, rows.map((r) => r.managerId).filter((m): m is string => !!m));
  return rows.map((r) => scimUser(r, ctx.base, r.managerId && names.has(r.managerId) ? { displayName: names.get(r.managerId)! } : null));
}

/** Groups as SCIM resources; with their members unless `withMembers` is false (excludedAttributes=members). */
export async function renderGroups(db: Db | Tx, ctx: ScimContext, rows: GroupRow[], withMembers: boolean) {
  const members = withMembers ? await listDirectMembersOf(db, rows.map((r) => r.id)) : undefined;
  return rows.map((r) => scimGroup(r, ctx.base, members?.get(r.id)));
}
