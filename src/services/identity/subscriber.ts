import type { Tx } from '../../store/db.js';
import type { EnqueueOptions } from '../../store/jobs.js';
import { findSourceNameOfUser } from '../../store/identity-lifecycle.js';
import type { EventContext, Subscriber } from '../events/bus.js';
import { JOB_EVALUATE_ALL, JOB_EVALUATE_MEMBERS, JOB_EVALUATE_USER, JOB_LEAVER } from './jobs.js';

// Joiner, mover and leaver react to directory events, whoever wrote the change (the Graph API, SCIM
// provisioning, LDAP sync): each event that can change someone's access becomes a job, enqueued in the
// change's transaction, so that the work exists exactly when its cause does and the worker does it
// outside the writer's request. The jobs are idempotent (they compare what is with what should be).

export type Enqueue = (tx: Tx, kind: string, payload: unknown, opts?: EnqueueOptions) => Promise<string>;

/** accountEnabled went to false (the Graph API sends booleans; other writers may send text) */
const disabled = (v: unknown) => v === false || v === 0 || (typeof v === 'string' && v.toLowerCase() === 'false');

/** Who did it, for the removal's justification: the identity source owning the person, else the actor. */
async function doneBy(tx: Tx, userId: string, ctx: EventContext): Promise<string> {
  const source = await findSourceNameOfUser(tx, userId);
  if (source) return `the identity source '${source}'`;
  return actorOf(ctx);
}

/** The caller through the API, or the tool or system that published. */
const actorOf = (ctx: EventContext): string => {
  const name = ctx.audit.actor.displayName ?? 'Latchkey';
  return ctx.caller ? `${name} (API)` : name;
};

export function identitySubscriber(enqueue: Enqueue): Subscriber {
  return async (tx, events, ctx) => {
    for (const e of events) {
      switch (e.type) {
        case 'userCreated':
          await enqueue(tx, JOB_EVALUATE_USER, { userId: e.userId });
          break;
        case 'userUpdated':
          if (e.changes.some((c) => c.displayName === 'accountEnabled' && disabled(c.newValue))) {
            await enqueue(tx, JOB_LEAVER, { userId: e.userId, cause: `the user was disabled by ${await doneBy(tx, e.userId, ctx)}` });
          } else {
            await enqueue(tx, JOB_EVALUATE_USER, { userId: e.userId });
          }
          break;
        case 'userDeleted':
          // the row is gone: the source was read by the writer, the actor is what is left to name
          await enqueue(tx, JOB_LEAVER, { userId: e.userId, cause: `the user was deleted by ${actorOf(ctx)}` });
          break;
        case 'groupMemberAdded':
        case 'groupMemberRemoved':
          if (e.member.type === 'group') await enqueue(tx, JOB_EVALUATE_MEMBERS, { groupId: e.member.id });
          else await enqueue(tx, JOB_EVALUATE_USER, { userId: e.member.id });
          break;
        case 'policyCreated':
        case 'policyUpdated':
          await enqueue(tx, JOB_EVALUATE_ALL, { policyId: e.policyId });
          break;
        default:
          break;
      }
    }
  };
}
