import { isoNow } from '../domain/clock.js';
import { directoryObjectNotFound } from '../domain/directory.js';
import { ValidationError } from '../domain/errors.js';
import { isGuid } from '../domain/ids.js';
import { findUserById, setUserGoverned, type UserRow } from '../store/users.js';
import type { Caller, ServiceDeps } from './deps.js';
import type { EventBus } from './events/index.js';

// accessPackageSubject's lifecycle marker (PATCH subjects(objectId='…')): whether entitlement
// management governs an external user, i.e. blocks and later deletes them when their last assignment
// ends (tenant settings). Stored as users.governed; only guests have one.

export const SUBJECT_LIFECYCLES = ['notDefined', 'notGoverned', 'governed'] as const;
export type SubjectLifecycle = (typeof SUBJECT_LIFECYCLES)[number];

/** The marker as Graph reads it: members are not external, so theirs is notDefined. */
export function subjectLifecycleOf(u: Pick<UserRow, 'userType' | 'governed'>): SubjectLifecycle {
  if (u.userType.toLowerCase() !== 'guest') return 'notDefined';
  return u.governed ? 'governed' : 'notGoverned';
}

export function createSubjectService({ db, clock, events }: Pick<ServiceDeps, 'db' | 'clock'> & { events: EventBus }) {
  return {
    /** Marks an external user governed or not; one audit event when it changes. */
    async setLifecycle(caller: Caller, objectId: string, lifecycle: SubjectLifecycle): Promise<void> {
      const at = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const user = isGuid(objectId) ? await findUserById(tx, objectId.toLowerCase()) : undefined;
        if (!user) throw directoryObjectNotFound(objectId);
        if (user.userType.toLowerCase() !== 'guest') {
          throw new ValidationError(`subjectLifecycle applies to external users only; '${user.userPrincipalName}' is a member of the directory.`, 'subjectLifecycle');
        }
        const governed = lifecycle === 'governed' ? 1 : 0;
        if (governed === user.governed) return;
        await setUserGoverned(tx, user.id, governed, at);
        await events.publish(tx, caller, {
          type: 'subjectLifecycleChanged', userId: user.id, userPrincipalName: user.userPrincipalName,
          oldLifecycle: subjectLifecycleOf(user), newLifecycle: subjectLifecycleOf({ ...user, governed }),
        }, { at });
      });
    },
  };
}
