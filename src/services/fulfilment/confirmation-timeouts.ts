import { isoNow } from '../../domain/clock.js';
import { getAssignment } from '../../store/assignments.js';
import { listOverdueConfirmations, updateGrant } from '../../store/grants.js';
import { lockRow } from '../../store/locks.js';
import type { LifecycleDeps } from '../lifecycle/common.js';
import { confirmRevoke } from './confirm.js';
import { settleAssignment } from './fulfil.js';

// Worker, periodic: deliveries a webhook receiver accepted for later (202) and never confirmed by their
// due time (the connection's confirmationWindow, P7D by default). An unconfirmed grant fails, saying so,
// and its request shows it like any other delivery failure (reprocess sends it again); an unconfirmed
// revoke is sent again after a backoff, since access must not outlive its assignment.

export async function failOverdueConfirmations(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, limit = 200): Promise<number> {
  const overdue = await listOverdueConfirmations(deps.db, isoNow(deps.clock), limit);
  let n = 0;
  for (const g of overdue) {
    await deps.events.transaction(async (tx) => {
      if (!(await lockRow(tx, 'assignments', g.assignmentId))) return;
      // re-read under the lock: the confirmation may have arrived meanwhile
      const [current] = await listOverdueConfirmations(tx, isoNow(deps.clock), 1, g.id);
      if (!current) return;
      const error = `The receiver did not confirm the ${current.state === 'pending' ? 'grant' : 'revoke'} it accepted for later (delivery ${current.deliveryId}) by ${current.confirmationDueAt}.`;
      if (current.state === 'pending') {
        const at = isoNow(deps.clock);
        await updateGrant(tx, g.id, { state: 'failed', lastError: error, confirmationDueAt: null, nextAttemptAt: null, modifiedAt: at });
        await settleAssignment(tx, deps, await getAssignment(tx, g.assignmentId));
      } else {
        await confirmRevoke(tx, deps, current, error);
      }
      n++;
    });
  }
  return n;
}
