import type { MemberChange } from '../../../domain/scim/patch.js';
import { isGuid } from '../../../domain/ids.js';
import { invalidValue } from '../../../domain/scim/errors.js';
import type { Tx } from '../../../store/db.js';
import type { GroupRow } from '../../../store/groups.js';
import { directMemberIds, directMemberIdsAmong } from '../../../store/scim.js';
import { addMembers, removeMemberIn } from '../../groups.js';
import type { DirectoryChange } from '../../users.js';

// Changing a group's members as SCIM asks, through groups.ts (groupMemberAdded / groupMemberRemoved each).
// SCIM's add of a member who is one already, and remove of one who is not, change nothing: identity
// providers replay them.

function ids(list: string[]): string[] {
  return [...new Set(list.map((id) => {
    if (!isGuid(id)) throw invalidValue(`Member '${id}' is not a Latchkey user or group id.`, 'members');
    return id.toLowerCase();
  }))];
}

export async function addGroupMembers(tx: Tx, change: DirectoryChange, group: GroupRow, memberIds: string[]): Promise<void> {
  const wanted = ids(memberIds);
  const present = await directMemberIdsAmong(tx, group.id, wanted);
  await addMembers(tx, change, group, wanted.filter((id) => !present.has(id)).map((id) => ({ kind: 'directoryObjects' as const, id })));
}

export async function removeGroupMembers(tx: Tx, change: DirectoryChange, group: GroupRow, memberIds: string[]): Promise<void> {
  for (const id of ids(memberIds)) await removeMemberIn(tx, change, group, id);
}

/** The members become exactly these. */
export async function replaceGroupMembers(tx: Tx, change: DirectoryChange, group: GroupRow, memberIds: string[]): Promise<void> {
  const wanted = new Set(ids(memberIds));
  const current = await directMemberIds(tx, group.id);
  await removeGroupMembers(tx, change, group, current.map((m) => m.value).filter((id) => !wanted.has(id)));
  await addGroupMembers(tx, change, group, [...wanted]);
}

export async function applyMemberChanges(tx: Tx, change: DirectoryChange, group: GroupRow, changes: MemberChange[]): Promise<void> {
  for (const c of changes) {
    if (c.op === 'add') await addGroupMembers(tx, change, group, c.ids);
    else if (c.op === 'remove') await removeGroupMembers(tx, change, group, c.ids);
    else if (c.op === 'replace') await replaceGroupMembers(tx, change, group, c.ids);
    else {
      const current = await directMemberIds(tx, group.id);
      await removeGroupMembers(tx, change, group, (c.op === 'removeAll' ? current : current.filter(c.where)).map((m) => m.value));
    }
  }
}
