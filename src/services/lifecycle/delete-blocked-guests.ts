import { isoNow } from '../../domain/clock.js';
import { audit, type LifecycleDeps } from './common.js';

/** Governed guests whose deletion date has come are deleted, with their memberships. */
export async function deleteBlockedGuests(deps: Pick<LifecycleDeps, 'db' | 'clock'>, limit = 200): Promise<number> {
  const due = await deps.db.selectFrom('users').select(['id', 'userPrincipalName']).where('governed', '=', 1).where('deleteAfter', 'is not', null)
    .where('deleteAfter', '<=', isoNow(deps.clock)).limit(limit).execute();
  for (const u of due) {
    await deps.db.transaction().execute(async (tx) => {
      // claim the row and re-check it under the lock: another worker may have deleted this guest already
      // (no second audit event), or the guest got access again and deleteAfter was cleared (keep them)
      const claimed = await tx.updateTable('users').set((eb) => ({ id: eb.ref('id') })).where('id', '=', u.id).where('governed', '=', 1)
        .where('deleteAfter', 'is not', null).where('deleteAfter', '<=', isoNow(deps.clock)).executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) return;
      await tx.deleteFrom('groupMembers').where('memberId', '=', u.id).execute();
      await tx.deleteFrom('groupOwners').where('userId', '=', u.id).execute();
      await tx.deleteFrom('roleAssignments').where('principalId', '=', u.id).execute();
      await tx.deleteFrom('apiTokens').where('userId', '=', u.id).execute();
      await tx.deleteFrom('users').where('id', '=', u.id).execute();
      await audit(tx, deps, null, { activity: 'Delete external user', category: 'UserManagement', targetType: 'user', targetId: u.id, targetDisplayName: u.userPrincipalName });
    });
  }
  return due.length;
}
