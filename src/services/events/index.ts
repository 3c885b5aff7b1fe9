import type { Clock } from '../../domain/clock.js';
import type { Db } from '../../store/db.js';
import { auditSubscriber } from './audit.js';
import { createEventBus, type EventBus } from './bus.js';
import { mailSubscriber, type NotificationPort } from './mail.js';

export type { DomainEvent } from './types.js';
export type { EventBus, PublishOptions, Subscriber } from './bus.js';

/**
 * The services' event bus (lifecycle, configuration and directory) with its subscribers, in the order
 * they run. A new consumer of events (webhooks, custom extensions) is one more line here.
 */
export function createEvents(deps: { db: Db; clock: Clock; kick: () => void; notifications: NotificationPort }): EventBus {
  return createEventBus(deps, [
    auditSubscriber,
    mailSubscriber(deps),
  ]);
}
