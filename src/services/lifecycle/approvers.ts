import type { SubjectSet } from '../../domain/policy/types.js';
import type { Db, Tx } from '../../store/db.js';
import { transitiveMemberIds } from '../../store/membership.js';
import { listSponsorsOf } from '../../store/connected-organizations.js';
import { findManagerId, listEnabledUserIds } from '../../store/users.js';

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
          managerId = (await findManagerId(db, managerId)) ?? null;
        }
        if (managerId) ids.add(managerId);
        break;
      }
      case '#microsoft.graph.internalSponsors':
      case '#microsoft.graph.externalSponsors': {
        if (!subject.connectedOrganizationId) break;
        const kind = set['@odata.type'] === '#microsoft.graph.internalSponsors' ? 'internal' : 'external';
        const sponsors = await listSponsorsOf(db, subject.connectedOrganizationId, kind);
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
  return (await listEnabledUserIds(db, [...ids])).sort();
}
