import type { Clock } from '../../domain/clock.js';
import type { Db } from '../../store/db.js';
import { auditSubscriber } from './audit.js';
import { createEventBus, type EventBus } from './bus.js';
import { mailSubscriber, type NotificationPort } from './mail.js';
import { identitySubscriber } from '../identity/subscriber.js';

export type { DomainEvent } from './types.js';
export type { EventBus, PublishOptions, Subscriber } from './bus.js';

/**
 * The services' event bus (lifecycle, configuration and directory) with its subscribers, in the order
 * they run. A new consumer of events (webhooks, custom extensions) is one more line here.
 */
export function createEvents(deps: { db: Db; clock: Clock; kick: () => void; notifications: NotificationPort }): EventBus {
  const bus: EventBus = createEventBus(deps, [
    auditSubscriber(),
    mailSubscriber(deps),
    // joiner, mover and leaver: directory changes become jobs (through the bus, so the commit wakes the worker)
    identitySubscriber((tx, kind, payload, opts) => bus.enqueue(tx, kind, payload, opts)),
  ]);
  return bus;
}
