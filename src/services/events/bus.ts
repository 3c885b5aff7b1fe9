import { isoNow, type Clock } from '../../domain/clock.js';
import type { AuditContext } from '../../store/audit.js';
import type { Db, Tx } from '../../store/db.js';
import { enqueue, type EnqueueOptions } from '../../store/jobs.js';
import { auditContext, type Caller } from '../deps.js';
import type { DomainEvent } from './types.js';

// The services' events, and the lifecycle's transactions and jobs, in one place. publish runs every
// subscriber inside the caller's transaction, so an audit record or a mail exists exactly when the change
// it tells of does (a rolled-back approval leaves neither). enqueue stores a job in the transaction and notes that the
// worker has something to do now; transaction kicks the worker once after the commit when it did, so
// that work starts at once instead of at the next poll (the kick also sends the PostgreSQL NOTIFY that
// wakes the workers of other processes, see services/index.ts and store/notify.ts).

/** Who published and when: the actor and time of the events' audit records. */
export interface EventContext {
  caller: Caller | null;
  at: string;
  audit: AuditContext;
  /**
   * Runs `fn` once at the end of the transaction, just before its commit, when the bus runs the
   * transaction (transaction()); returns false, running nothing, when the caller opened it itself. A
   * subscriber gathers its writes this way (the audit rows of every publish in one insert).
   */
  beforeCommit(fn: () => Promise<void>): boolean;
}

/** Handles the events of one publish call, inside its transaction. */
export type Subscriber = (tx: Tx, events: readonly DomainEvent[], ctx: EventContext) => Promise<void>;

/** How a publish call differs from the default (now, by the caller or the system). */
export interface PublishOptions {
  /** the moment of the change, when the use case stamped its rows with it */
  at?: string;
  /** the tool acting when no caller does (the CLI, the bootstrap): the audit records' actor instead of the system */
  by?: string;
}

export interface EventBus {
  /** Runs the subscribers on the events, in the caller's transaction; `caller` null means the system (worker, timers) or `opts.by`. */
  publish(tx: Tx, caller: Caller | null, events: DomainEvent | readonly DomainEvent[], opts?: PublishOptions): Promise<void>;
  /** Enqueues a job in the caller's transaction; a job due now makes the transaction kick the worker after its commit. */
  enqueue(tx: Tx, kind: string, payload: unknown, opts?: EnqueueOptions): Promise<string>;
  /** One transaction of a use case; kicks the worker once after the commit if the transaction enqueued work due now. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

export function createEventBus(deps: { db: Db; clock: Clock; kick: () => void }, subscribers: readonly Subscriber[]): EventBus {
  /** transactions in progress that enqueued work due now */
  const working = new WeakSet<Tx>();
  /** the bus's transactions in progress, with what their subscribers left to do before the commit */
  const ending = new WeakMap<Tx, (() => Promise<void>)[]>();
  return {
    async publish(tx, caller, events, opts = {}) {
      const list: readonly DomainEvent[] = Array.isArray(events) ? events : [events as DomainEvent];
      if (list.length === 0) return;
      const at = opts.at ?? isoNow(deps.clock);
      const audit = auditContext(caller, at);
      if (!caller && opts.by) audit.actor = { id: null, displayName: opts.by };
      const hooks = ending.get(tx);
      const beforeCommit = (fn: () => Promise<void>): boolean => {
        hooks?.push(fn);
        return hooks !== undefined;
      };
      const ctx: EventContext = { caller, at, audit, beforeCommit };
      for (const s of subscribers) await s(tx, list, ctx);
    },
    async enqueue(tx, kind, payload, opts = {}) {
      const id = await enqueue(tx, deps.clock, kind, payload, opts);
      if (!opts.runAt || opts.runAt <= isoNow(deps.clock)) working.add(tx);
      return id;
    },
    async transaction(fn) {
      let worked = false;
      const result = await deps.db.transaction().execute(async (tx) => {
        const hooks: (() => Promise<void>)[] = [];
        ending.set(tx, hooks);
        const r = await fn(tx);
        for (const h of hooks) await h();
        worked = working.has(tx);
        return r;
      });
      if (worked) deps.kick();
      return result;
    },
  };
}
