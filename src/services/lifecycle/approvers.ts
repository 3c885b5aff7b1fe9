import type { SubjectSet } from '../../domain/policy/types.js';
import type { Db, Tx } from '../../store/db.js';
import { transitiveMemberIds } from '../../store/membership.js';

/** Who a request is about, for the approver kinds that depend on it (manager, sponsors). */
export interface ApprovalSubject {
  targetId: string | null;
  connectedOrganizationId: string | null;
}

/**
 * Turns approver subject sets into user ids, resolved when a stage opens: group members at any depth,
 * the target's manager (level 1) or the manager's manager (level 2), the sponsors of the target's
 * connected organization. Disabled accounts are left out. The fallback sets are used only when the
 * primary sets name nobody, as in the reference.
 */
export async function resolveApprovers(db: Db | Tx, primary: readonly SubjectSet[], fallback: readonly SubjectSet[], subject: ApprovalSubject): Promise<string[]> {
  const first = await resolveSets(db, primary, subject);
  return first.length > 0 ? first : resolveSets(db, fallback, subject);
}

async function resolveSets(db: Db | Tx, sets: readonly SubjectSet[], subject: ApprovalSubject): Promise<string[]> {
  const ids = new Set<string>();
  const addGroupMembers = async (groupId: string) => {
    for (const m of await transitiveMemberIds(db, groupId)) if (m.type === 'user') ids.add(m.id);
  };
  for (const set of sets) {
    switch (set['@odata.type']) {
      case '#microsoft.graph.singleUser':
        ids.add(set.userId);
        break;
      case '#microsoft.graph.groupMembers':
        await addGroupMembers(set.groupId);
        break;
      case '#microsoft.graph.requestorManager': {
        if (!subject.targetId) break;
        let managerId: string | null = subject.targetId;
        for (let level = 0; level < set.managerLevel && managerId; level++) {
          const row: { managerId: string | null } | undefined = await db.selectFrom('users').select('managerId').where('id', '=', managerId).executeTakeFirst();
          managerId = row?.managerId ?? null;
        }
        if (managerId) ids.add(managerId);
        break;
      }
      case '#microsoft.graph.internalSponsors':
      case '#microsoft.graph.externalSponsors': {
        if (!subject.connectedOrganizationId) break;
        const kind = set['@odata.type'] === '#microsoft.graph.internalSponsors' ? 'internal' : 'external';
        const sponsors = await db.selectFrom('connectedOrganizationSponsors').select(['directoryObjectId', 'objectType'])
          .where('connectedOrganizationId', '=', subject.connectedOrganizationId).where('kind', '=', kind).execute();
        for (const s of sponsors) {
          if (s.objectType === 'group') await addGroupMembers(s.directoryObjectId);
          else ids.add(s.directoryObjectId);
        }
        break;
      }
      case '#microsoft.graph.targetUserSponsors':
        // users carry no sponsors attribute in Latchkey's directory yet: the fallback approvers apply
        break;
    }
  }
  if (ids.size === 0) return [];
  const enabled = await db.selectFrom('users').select('id').where('id', 'in', [...ids]).where('accountEnabled', '=', 1).execute();
  return enabled.map((u) => u.id).sort();
}
