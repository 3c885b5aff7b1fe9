import type { Clock } from '../../domain/clock.js';
import type { Db } from '../../store/db.js';
import { auditSubscriber } from './audit.js';
import { createEventBus, type EventBus } from './bus.js';
import { mailSubscriber, type NotificationPort } from './mail.js';

export type { DomainEvent } from './types.js';
export type { EventBus, Subscriber } from './bus.js';

/**
 * The lifecycle's event bus with its subscribers, in the order they run. A new consumer of lifecycle
 * events (webhooks, custom extensions) is one more line here.
 */
export function createLifecycleEvents(deps: { db: Db; clock: Clock; kick: () => void; notifications: NotificationPort }): EventBus {
  return createEventBus(deps, [
    auditSubscriber,
    mailSubscriber(deps),
  ]);
}
