import { ConflictError } from './errors.js';

// The state machines of requests and assignments, as pure data: every allowed transition is listed,
// everything else is refused. Services load a row, ask here what the next state is, and persist it.

export const REQUEST_STATES = [
  'submitted', 'pendingApproval', 'delivering', 'delivered', 'deliveryFailed', 'denied', 'scheduled', 'canceled', 'partiallyDelivered',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const REQUEST_TYPES = [
  'notSpecified', 'userAdd', 'userUpdate', 'userRemove', 'adminAdd', 'adminUpdate', 'adminRemove', 'systemAdd', 'systemUpdate', 'systemRemove', 'onBehalfAdd',
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/** Request types callers may submit; system* types are only created by Latchkey itself. */
export const SUBMITTABLE_REQUEST_TYPES = ['userAdd', 'userUpdate', 'userRemove', 'adminAdd', 'adminUpdate', 'adminRemove'] as const;
export type SubmittableRequestType = (typeof SUBMITTABLE_REQUEST_TYPES)[number];

/** Older clients say UserExtend for an extension: it is a userUpdate. */
export const REQUEST_TYPE_ALIASES: Record<string, RequestType> = { userextend: 'userUpdate', adminextend: 'adminUpdate' };

export type RequestKind = 'add' | 'update' | 'remove';
export function requestKind(t: RequestType): RequestKind {
  if (t === 'userRemove' || t === 'adminRemove' || t === 'systemRemove') return 'remove';
  if (t === 'userUpdate' || t === 'adminUpdate' || t === 'systemUpdate') return 'update';
  return 'add';
}
export const isAdminRequest = (t: RequestType) => t === 'adminAdd' || t === 'adminUpdate' || t === 'adminRemove';
export const isSystemRequest = (t: RequestType) => t === 'systemAdd' || t === 'systemUpdate' || t === 'systemRemove';

export type RequestEvent =
  /** validated; approval is needed */
  | 'needsApproval'
  /** validated or approved: work starts now */
  | 'start'
  /** validated or approved, but access starts at a later date */
  | 'schedule'
  | 'escalate'
  | 'deny'
  | 'timeOut'
  | 'cancel'
  | 'delivered'
  | 'partiallyDelivered'
  | 'deliveryFailed'
  | 'reprocess';

export interface RequestPosition {
  state: RequestState;
  status: string;
}

const STATUS: Record<RequestState, string> = {
  submitted: 'Accepted',
  pendingApproval: 'PendingApproval',
  delivering: 'Delivering',
  delivered: 'Delivered',
  deliveryFailed: 'DeliveryFailed',
  denied: 'Denied',
  scheduled: 'PendingNotBefore',
  canceled: 'Canceled',
  partiallyDelivered: 'PartiallyDelivered',
};

export const initialRequest = (): RequestPosition => ({ state: 'submitted', status: STATUS.submitted });

/** from state → event → next state (and, for a few, a status other than the state's default) */
const TRANSITIONS: Partial<Record<RequestState, Partial<Record<RequestEvent, RequestPosition>>>> = {
  submitted: {
    needsApproval: { state: 'pendingApproval', status: STATUS.pendingApproval },
    start: { state: 'delivering', status: STATUS.delivering },
    schedule: { state: 'scheduled', status: STATUS.scheduled },
    deny: { state: 'denied', status: STATUS.denied },
    cancel: { state: 'canceled', status: STATUS.canceled },
  },
  pendingApproval: {
    start: { state: 'delivering', status: STATUS.delivering },
    schedule: { state: 'scheduled', status: STATUS.scheduled },
    escalate: { state: 'pendingApproval', status: 'PendingApprovalEscalated' },
    deny: { state: 'denied', status: STATUS.denied },
    // the reference shows a request nobody decided in time as Expired
    timeOut: { state: 'denied', status: 'Expired' },
    cancel: { state: 'canceled', status: STATUS.canceled },
  },
  scheduled: {
    start: { state: 'delivering', status: STATUS.delivering },
    cancel: { state: 'canceled', status: STATUS.canceled },
  },
  delivering: {
    delivered: { state: 'delivered', status: STATUS.delivered },
    partiallyDelivered: { state: 'partiallyDelivered', status: STATUS.partiallyDelivered },
    deliveryFailed: { state: 'deliveryFailed', status: STATUS.deliveryFailed },
  },
  partiallyDelivered: {
    reprocess: { state: 'delivering', status: STATUS.delivering },
    delivered: { state: 'delivered', status: STATUS.delivered },
    partiallyDelivered: { state: 'partiallyDelivered', status: STATUS.partiallyDelivered },
    deliveryFailed: { state: 'deliveryFailed', status: STATUS.deliveryFailed },
  },
  deliveryFailed: {
    reprocess: { state: 'delivering', status: STATUS.delivering },
    delivered: { state: 'delivered', status: STATUS.delivered },
    partiallyDelivered: { state: 'partiallyDelivered', status: STATUS.partiallyDelivered },
    deliveryFailed: { state: 'deliveryFailed', status: STATUS.deliveryFailed },
  },
};

const DESCRIBE: Record<RequestEvent, string> = {
  needsApproval: 'send it for approval',
  start: 'start delivering it',
  schedule: 'schedule it',
  escalate: 'escalate it',
  deny: 'deny it',
  timeOut: 'time it out',
  cancel: 'cancel it',
  delivered: 'mark it delivered',
  partiallyDelivered: 'mark it partially delivered',
  deliveryFailed: 'mark its delivery failed',
  reprocess: 'reprocess it',
};

export function canTransition(state: RequestState, event: RequestEvent): boolean {
  return !!TRANSITIONS[state]?.[event];
}

/** The next position of a request, or a 409 explaining why the event does not apply in this state. */
export function transitionRequest(state: RequestState, event: RequestEvent): RequestPosition {
  const next = TRANSITIONS[state]?.[event];
  if (!next) throw new ConflictError(`The request is ${state}; it is not possible to ${DESCRIBE[event]}.`, 'InvalidRequestState');
  return next;
}

/** Requests that still hold a place: a second request for the same package and target is refused while one is open. */
export const OPEN_REQUEST_STATES: readonly RequestState[] = ['submitted', 'pendingApproval', 'scheduled', 'delivering'];
export const isFinalRequestState = (s: RequestState) => s === 'delivered' || s === 'denied' || s === 'canceled';

// ---- assignments

export const ASSIGNMENT_STATES = ['delivering', 'partiallyDelivered', 'delivered', 'expired', 'deliveryFailed'] as const;
export type AssignmentState = (typeof ASSIGNMENT_STATES)[number];
/** Assignments that give (or are about to give) access. */
export const ACTIVE_ASSIGNMENT_STATES: readonly AssignmentState[] = ['delivering', 'partiallyDelivered', 'delivered', 'deliveryFailed'];

export const GRANT_STATES = ['pending', 'delivered', 'failed', 'revoking', 'revoked'] as const;
export type GrantState = (typeof GRANT_STATES)[number];

export type DeliveryOutcome = 'delivering' | 'delivered' | 'partiallyDelivered' | 'deliveryFailed';

/**
 * An assignment's delivery state follows from its grants: all delivered → delivered; some failed and
 * some delivered → partiallyDelivered; all failed → deliveryFailed; anything still pending → delivering.
 * A package without resource roles has nothing to deliver, so it is delivered at once.
 */
export function deliveryOutcome(grants: readonly { state: GrantState }[]): DeliveryOutcome {
  const live = grants.filter((g) => g.state !== 'revoked' && g.state !== 'revoking');
  if (live.some((g) => g.state === 'pending')) return 'delivering';
  const failed = live.filter((g) => g.state === 'failed').length;
  if (failed === 0) return 'delivered';
  return failed === live.length ? 'deliveryFailed' : 'partiallyDelivered';
}

const ASSIGNMENT_STATUS: Record<AssignmentState, string> = {
  delivering: 'Delivering',
  partiallyDelivered: 'PartiallyDelivered',
  delivered: 'Delivered',
  expired: 'Expired',
  deliveryFailed: 'DeliveryFailed',
};
export const assignmentStatus = (s: AssignmentState): string => ASSIGNMENT_STATUS[s];
