import { parseJsonOr } from '../../domain/json.js';

// The worker jobs of joiner, mover and leaver, enqueued by the directory events' subscriber (subscriber.ts)
// in the transaction of the change, and what their payloads carry.

/** a person was disabled or deleted: `{ userId, cause }` */
export const JOB_LEAVER = 'leaver';
/** a person's attributes or groups changed: `{ userId }` */
export const JOB_EVALUATE_USER = 'evaluateUser';
/** a group joined or left a group: its members' groups changed, `{ groupId }` */
export const JOB_EVALUATE_MEMBERS = 'evaluateMembers';
/** everyone against the auto-assignment policies (nightly, or a policy saved): `{ policyId? }` */
export const JOB_EVALUATE_ALL = 'evaluateAll';

export function jobPayload(payload: string): { userId?: string; groupId?: string; policyId?: string; cause?: string } {
  const p = parseJsonOr<Record<string, unknown>>(payload, {});
  const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
  return { userId: str('userId'), groupId: str('groupId'), policyId: str('policyId'), cause: str('cause') };
}
