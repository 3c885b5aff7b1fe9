import { isoNow } from '../../domain/clock.js';
import { type LifecycleDeps } from './common.js';
import { claimGuestDeletion, deleteUserWithMemberships, listGuestsDueForDeletion } from '../../store/users.js';

/** Governed guests whose deletion date has come are deleted, with their memberships. */
export async function deleteBlockedGuests(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, limit = 200): Promise<number> {
  const due = await listGuestsDueForDeletion(deps.db, isoNow(deps.clock), limit);
  for (const u of due) {
    await deps.events.transaction(async (tx) => {
      // claim the row and re-check it under the lock: another worker may have deleted this guest already
      // (no second audit event), or the guest got access again and deleteAfter was cleared (keep them)
      if (!(await claimGuestDeletion(tx, u.id, isoNow(deps.clock)))) return;
      await deleteUserWithMemberships(tx, u.id);
      await deps.events.publish(tx, null, { type: 'guestDeleted', userId: u.id, userPrincipalName: u.userPrincipalName });
    });
  }
  return due.length;
}
