import { isoNow } from '../../domain/clock.js';
import { extensionOffer } from '../../domain/extension.js';
import type { Policy } from '../../domain/policy/types.js';
import { findPolicy, type AssignmentRow, type LifecycleDeps } from './common.js';
import { listAssignmentsToRemind, markReminded } from '../../store/assignments.js';
import { packageNameOf } from '../../store/packages.js';
import { findRequestType } from '../../store/requests.js';
import { findMailContact } from '../../store/users.js';

/** Mails the holder 14 days and 1 day before expiry, once each, inviting an extension where the policy allows one. */
export async function remindExpiring(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'notifications'>, limit = 500): Promise<number> {
  let n = 0;
  for (const [days, column, template] of [[14, 'reminded14At', 'expiresIn14Days'], [1, 'reminded1At', 'expiresIn1Day']] as const) {
    const horizon = new Date(deps.clock.now().getTime() + days * 86_400_000).toISOString();
    const due = await listAssignmentsToRemind(deps.db, column, isoNow(deps.clock), horizon, limit);
    for (const a of due) {
      await deps.db.transaction().execute(async (tx) => {
        if (!(await markReminded(tx, a.id, column, isoNow(deps.clock)))) return;
        // a 1-day reminder makes the 14-day one moot
        if (days === 1) await markReminded(tx, a.id, 'reminded14At', isoNow(deps.clock));
        const policy = a.policyId ? await findPolicy(tx, a.policyId).catch(() => undefined) : undefined;
        const originType = a.requestId ? await findRequestType(tx, a.requestId) : undefined;
        if (policy?.notificationSettings.isAssignmentNotificationDisabled) return;
        // no mail about admin direct assignments (reference), except the invitation to extend
        // when the policy lets such an assignee extend themselves (Latchkey's improvement)
        if (originType === 'adminAdd' && !policy?.requestorSettings.enableTargetsToSelfUpdateAccess) return;
        const target = await findMailContact(tx, a.targetId);
        if (!target) return;
        await deps.notifications.queue(tx, {
          to: target.email, template,
          data: {
            packageName: await packageNameOf(tx, a.accessPackageId), targetName: target.name, endDateTime: a.endAt, assignmentId: a.id,
            canExtend: !!policy?.requestorSettings.enableTargetsToSelfUpdateAccess, adminAssigned: originType === 'adminAdd', extendFrom: extendFrom(deps, policy, a),
          },
        });
      });
      n++;
    }
  }
  return n;
}

/** When the holder's extension window opens, if a reminder comes before it (access of 14 to 28 days gets its 14-day reminder early). */
function extendFrom(deps: Pick<LifecycleDeps, 'clock'>, policy: Policy | undefined, a: AssignmentRow): string | undefined {
  if (!policy || !a.endAt) return undefined;
  const offer = extensionOffer(policy.expiration, { startAt: a.startAt ?? a.createdAt, endAt: a.endAt }, deps.clock.now());
  return !offer.canExtend && offer.why === 'notYet' ? offer.opensAt ?? undefined : undefined;
}
