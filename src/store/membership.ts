import { sql } from 'kysely';
import type { Db, Tx } from './db.js';

// Nested group membership, resolved in the database with a recursive CTE. UNION (not UNION ALL)
// removes rows already seen, so a membership cycle ends the recursion instead of looping.

/** Every group the member belongs to, directly or through nested groups. */
export async function transitiveGroupIds(db: Db | Tx, memberId: string): Promise<string[]> {
  const r = await sql<{ groupId: string }>`
    with recursive anc(group_id) as (
      select group_id from group_members where member_id = ${memberId}
      union
      select gm.group_id from group_members gm join anc on gm.member_id = anc.group_id
    )
    select group_id from anc`.execute(db);
  // the CamelCasePlugin renames result columns: group_id arrives as groupId
  return r.rows.map((x) => x.groupId);
}

/** Every user and group inside the group, directly or through nested groups. */
export async function transitiveMemberIds(db: Db | Tx, groupId: string): Promise<{ id: string; type: string }[]> {
  const r = await sql<{ memberId: string; memberType: string }>`
    with recursive des(member_id, member_type) as (
      select member_id, member_type from group_members where group_id = ${groupId}
      union
      select gm.member_id, gm.member_type from group_members gm join des on gm.group_id = des.member_id and des.member_type = 'group'
    )
    select member_id, member_type from des`.execute(db);
  return r.rows.map((x) => ({ id: x.memberId, type: x.memberType }));
}

/** True when `memberId` is inside `groupId` at any depth. */
export async function isTransitiveMember(db: Db | Tx, groupId: string, memberId: string): Promise<boolean> {
  return (await transitiveGroupIds(db, memberId)).includes(groupId);
}
