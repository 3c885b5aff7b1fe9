import { isoNow } from '../../domain/clock.js';
import { type LifecycleDeps } from './common.js';
import { listAssignmentsToRemind, markReminded } from '../../store/assignments.js';

/**
 * Reminds the holder 14 days and 1 day before expiry, once each: the reminder is marked sent and the
 * assignmentExpiring event mails the holder (events/mail.ts: inviting an extension where the policy allows one).
 */
export async function remindExpiring(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, limit = 500): Promise<number> {
  let n = 0;
  for (const [days, column] of [[14, 'reminded14At'], [1, 'reminded1At']] as const) {
    const horizon = new Date(deps.clock.now().getTime() + days * 86_400_000).toISOString();
    const due = await listAssignmentsToRemind(deps.db, column, isoNow(deps.clock), horizon, limit);
    for (const a of due) {
      await deps.events.transaction(async (tx) => {
        if (!(await markReminded(tx, a.id, column, isoNow(deps.clock)))) return;
        // a 1-day reminder makes the 14-day one moot
        if (days === 1) await markReminded(tx, a.id, 'reminded14At', isoNow(deps.clock));
        await deps.events.publish(tx, null, { type: 'assignmentExpiring', assignment: a, days });
      });
      n++;
    }
  }
  return n;
}
