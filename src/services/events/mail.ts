import type { Clock } from '../../domain/clock.js';
import { extensionOffer } from '../../domain/extension.js';
import { parseJsonOr } from '../../domain/json.js';
import type { Policy } from '../../domain/policy/types.js';
import type { RequestType } from '../../domain/request-lifecycle.js';
import type { TemplateName } from '../../notifications/templates.js';
import type { AssignmentRow } from '../../store/assignments.js';
import type { Db, Tx } from '../../store/db.js';
import { packageNameOf, packageNamesById } from '../../store/packages.js';
import { policiesById } from '../../store/policies.js';
import { findRequestType, requestTypesById, type RequestRow } from '../../store/requests.js';
import { findMailContact, mailContactsById } from '../../store/users.js';
import { findPolicy } from '../policies.js';
import type { Subscriber } from './bus.js';
import type { DomainEvent } from './types.js';

// The lifecycle's mail: each event becomes the emails it has always sent, queued in the outbox in the
// event's transaction (services/notifications.ts renders them; the worker's mailer sends them later).

export interface QueuedMail {
  to: string;
  template: TemplateName;
  data: Record<string, unknown>;
}

/** The outbox, as the mail subscriber uses it (services/notifications.ts). */
export interface NotificationPort {
  queue(tx: Tx | Db, email: QueuedMail): Promise<unknown>;
  queueMany(tx: Tx | Db, emails: readonly QueuedMail[]): Promise<unknown>;
}

/** Emails about an assignment's life (delivered, near expiry, ended) are off for admin assignments and when the policy says so. */
export function assignmentMailWanted(requestType: RequestType | string | null, policy: Policy | undefined): boolean {
  if (requestType === 'adminAdd' || requestType === 'adminUpdate') return false;
  return !policy?.notificationSettings.isAssignmentNotificationDisabled;
}

type Deps = { notifications: NotificationPort; clock: Clock };

/** Queues the events' emails. Removals come in batches (a wave of expiries): their lookups are one query each. */
export function mailSubscriber(deps: Deps): Subscriber {
  return async (tx, events) => {
    const removed: AssignmentRow[] = [];
    for (const e of events) {
      if (e.type === 'assignmentRemoved') removed.push(e.assignment);
      else await mailOne(tx, deps, e);
    }
    if (removed.length > 0) await mailAccessEnded(tx, deps, removed);
  };
}

async function mailOne(tx: Tx, deps: Deps, e: DomainEvent): Promise<void> {
  switch (e.type) {
    case 'approvalStageOpened':
    case 'approverReplaced':
      return mailApprovers(tx, deps, e.request, e.approvers, 'approvalRequired', e.dueAt);
    case 'approvalEscalated':
      return mailApprovers(tx, deps, e.request, e.approvers, 'approvalEscalated', e.dueAt);
    case 'assignmentRemovalScheduled':
      return mailRemovalScheduled(tx, deps, e.assignment, e.dueAt, e.reason);
    case 'requestDenied':
    case 'requestApproved': {
      const requestor = await findMailContact(tx, e.request.requestorId);
      const name = await packageNameOf(tx, e.request.accessPackageId);
      if (requestor) {
        await deps.notifications.queue(tx, {
          to: requestor.email, template: e.type,
          data: { packageName: name, requestorName: requestor.name, approverJustification: e.justification, requestId: e.request.id },
        });
      }
      return;
    }
    case 'approvalTimedOut': {
      const requestor = await findMailContact(tx, e.request.requestorId);
      if (requestor) {
        await deps.notifications.queue(tx, { to: requestor.email, template: 'requestTimedOut', data: { packageName: await packageNameOf(tx, e.request.accessPackageId), requestorName: requestor.name, requestId: e.request.id } });
      }
      return;
    }
    case 'requestFulfilled':
      return mailDelivered(tx, deps, e.request);
    case 'assignmentExpiring':
      return mailExpiring(tx, deps, e.assignment, e.days);
    default:
      return;
  }
}

async function mailApprovers(tx: Tx, deps: Deps, request: RequestRow, approvers: string[], template: 'approvalRequired' | 'approvalEscalated', deadline: string | null): Promise<void> {
  // requestor, target and approvers in one lookup (the requestor is usually the target)
  const contacts = await mailContactsById(tx, [request.requestorId, request.targetId, ...approvers]);
  const requestor = request.requestorId ? contacts.get(request.requestorId) : undefined;
  const target = request.targetId ? contacts.get(request.targetId) : undefined;
  const answers = parseJsonOr<{ answeredQuestion?: { text?: string }; displayValue?: string; value?: string }[]>(request.answers, [])
    .map((a) => ({ question: a.answeredQuestion?.text ?? '', answer: a.displayValue ?? a.value ?? '' }));
  const name = await packageNameOf(tx, request.accessPackageId);
  const mail: QueuedMail[] = [];
  for (const id of approvers) {
    const to = contacts.get(id);
    if (!to) continue;
    mail.push({
      to: to.email, template,
      data: {
        packageName: name, requestorName: requestor?.name ?? request.targetEmail ?? '', targetName: target?.name ?? request.targetEmail ?? '',
        justification: request.justification, answers, deadline, startDateTime: request.startAt, endDateTime: request.endAt, requestId: request.id,
        extension: request.requestType === 'userUpdate' || request.requestType === 'adminUpdate',
      },
    });
  }
  await deps.notifications.queueMany(tx, mail);
}

/** The holder of a delivered add (their own or a system's request) is told, unless the policy turns it off. */
async function mailDelivered(tx: Tx, deps: Deps, r: RequestRow): Promise<void> {
  if (r.requestType !== 'userAdd' && r.requestType !== 'systemAdd') return;
  const policy = r.policyId ? await findPolicy(tx, r.policyId).catch(() => undefined) : undefined;
  const target = await findMailContact(tx, r.targetId);
  if (target && assignmentMailWanted(r.requestType, policy)) {
    await deps.notifications.queue(tx, { to: target.email, template: 'accessDelivered', data: { packageName: await packageNameOf(tx, r.accessPackageId), targetName: target.name, requestId: r.id, endDateTime: r.endAt } });
  }
}

/** The reminder 14 days or 1 day before the end, inviting an extension where the policy allows one. */
async function mailExpiring(tx: Tx, deps: Deps, a: AssignmentRow, days: 14 | 1): Promise<void> {
  const policy = a.policyId ? await findPolicy(tx, a.policyId).catch(() => undefined) : undefined;
  const originType = a.requestId ? await findRequestType(tx, a.requestId) : undefined;
  if (policy?.notificationSettings.isAssignmentNotificationDisabled) return;
  // no mail about admin direct assignments (reference), except the invitation to extend
  // when the policy lets such an assignee extend themselves (Latchkey's improvement)
  if (originType === 'adminAdd' && !policy?.requestorSettings.enableTargetsToSelfUpdateAccess) return;
  const target = await findMailContact(tx, a.targetId);
  if (!target) return;
  await deps.notifications.queue(tx, {
    to: target.email, template: days === 14 ? 'expiresIn14Days' : 'expiresIn1Day',
    data: {
      packageName: await packageNameOf(tx, a.accessPackageId), targetName: target.name, endDateTime: a.endAt, assignmentId: a.id,
      canExtend: !!policy?.requestorSettings.enableTargetsToSelfUpdateAccess, adminAssigned: originType === 'adminAdd', extendFrom: extendFrom(deps, policy, a),
    },
  });
}

/** When the holder's extension window opens, if a reminder comes before it (access of 14 to 28 days gets its 14-day reminder early). */
function extendFrom(deps: Pick<Deps, 'clock'>, policy: Policy | undefined, a: AssignmentRow): string | undefined {
  if (!policy || !a.endAt) return undefined;
  const offer = extensionOffer(policy.expiration, { startAt: a.startAt ?? a.createdAt, endAt: a.endAt }, deps.clock.now());
  return !offer.canExtend && offer.why === 'notYet' ? offer.opensAt ?? undefined : undefined;
}

/** The holder who left a policy's scope is told when their access goes, unless the policy turns mail off or it goes at once. */
async function mailRemovalScheduled(tx: Tx, deps: Deps, a: AssignmentRow, dueAt: string, reason: string): Promise<void> {
  if (dueAt <= deps.clock.now().toISOString()) return;
  const policy = a.policyId ? await findPolicy(tx, a.policyId).catch(() => undefined) : undefined;
  if (policy?.notificationSettings.isAssignmentNotificationDisabled) return;
  const target = await findMailContact(tx, a.targetId);
  if (!target) return;
  await deps.notifications.queue(tx, {
    to: target.email, template: 'accessRemovalScheduled',
    data: { packageName: await packageNameOf(tx, a.accessPackageId), targetName: target.name, endDateTime: dueAt, reason, assignmentId: a.id },
  });
}

/** Each holder of a completed removal is told their access ended (set-based: one query per lookup for the batch). */
async function mailAccessEnded(tx: Tx, deps: Deps, completed: readonly AssignmentRow[]): Promise<void> {
  const origins = await requestTypesById(tx, completed.map((a) => a.requestId ?? ''));
  const policies = await policiesById(tx, completed.map((a) => a.policyId));
  const targets = await mailContactsById(tx, completed.map((a) => a.targetId));
  const names = await packageNamesById(tx, completed.map((a) => a.accessPackageId));
  const mail: QueuedMail[] = [];
  for (const a of completed) {
    const target = targets.get(a.targetId);
    if (!target || !assignmentMailWanted(origins.get(a.requestId ?? '') ?? null, a.policyId ? policies.get(a.policyId) : undefined)) continue;
    mail.push({ to: target.email, template: 'accessEnded', data: { packageName: names.get(a.accessPackageId) ?? a.accessPackageId, targetName: target.name } });
  }
  await deps.notifications.queueMany(tx, mail);
}
