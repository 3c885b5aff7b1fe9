import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import type { Db } from './db.js';

// Waking workers in other processes (PostgreSQL only). Jobs live in the `jobs` table, so a worker in
// another process would find new work at its next poll anyway; NOTIFY only makes it look at once.
// Losing a notification is therefore harmless (the poll is the safety net), which keeps both sides
// simple: the publisher fires and forgets, the listener reconnects and, once back, wakes its worker
// in case it missed something while it was away.
//
// SQLite has no such channel: there the worker of the serving process is kicked in-process, and
// workers in other processes rely on polling.

export const WORK_CHANNEL = 'latchkey_work';
/** shown in pg_stat_activity, so that an operator (and the reconnect test) can find the listening session */
export const LISTENER_APPLICATION_NAME = 'latchkey work listener';

/**
 * Returns a kick that sends NOTIFY on WORK_CHANNEL through the pool. Callers kick after their
 * transaction committed, so a worker that wakes finds the job. Kicks are coalesced: at most one
 * NOTIFY is in flight per process, and kicks meanwhile produce exactly one more after it, so a burst
 * of requests costs a couple of statements, not one each. `origin` (the payload) names the sending app, so
 * that its own worker, already kicked in-process, can ignore the echo (see WorkListenerOptions.ignoreOrigin).
 */
export function createWorkPublisher(db: Db, log: FastifyBaseLogger, onSent: () => void = () => {}, origin = ''): () => void {
  let inFlight = false;
  let again = false;
  const send = (): void => {
    inFlight = true;
    again = false;
    sql`select pg_notify(${WORK_CHANNEL}, ${origin})`.execute(db).then(
      () => onSent(),
      // e.g. the pool is closing at shutdown; the workers' poll picks the work up
      (e: unknown) => log.warn({ err: e }, 'could not notify workers of new work; they will find it at their next poll'),
    ).finally(() => {
      inFlight = false;
      if (again) send();
    });
  };
  return () => {
    if (inFlight) again = true;
    else send();
  };
}

export interface Listener {
  /** true while a LISTEN session is open */
  connected(): boolean;
  close(): Promise<void>;
}

export type WorkListener = Listener;

export interface WorkListenerOptions {
  connectionString: string;
  log: FastifyBaseLogger;
  /** 'notify': another process enqueued work; 'listening': (re)connected, so anything sent meanwhile may have been missed */
  onWake(reason: 'notify' | 'listening'): void;
  /**
   * notifications carrying this payload are ignored: they come from the app this worker runs in, which kicked
   * it in-process already; waking it again cost a second worker round (job claim and every timer scan) per request
   */
  ignoreOrigin?: string;
  /** first reconnect delay, ms (doubles up to maxRetryMs) */
  retryMs?: number;
  maxRetryMs?: number;
}

/** Keeps a connection subscribed to WORK_CHANNEL (see listenOn). */
export function listenForWork(opts: WorkListenerOptions): WorkListener {
  return listenOn({ ...opts, channel: WORK_CHANNEL, applicationName: LISTENER_APPLICATION_NAME, what: 'work listener' });
}

export interface ListenOptions extends WorkListenerOptions {
  channel: string;
  applicationName: string;
  /** the listener's name in the log */
  what: string;
}

/**
 * Keeps one dedicated connection (not from the pool: a pooled client would be handed to others and
 * lose its LISTEN) subscribed to a channel, reconnecting with backoff whenever it breaks.
 */
export function listenOn(opts: ListenOptions): Listener {
  const { log, channel } = opts;
  const retryMs = opts.retryMs ?? 250;
  const maxRetryMs = opts.maxRetryMs ?? 30_000;
  let closed = false;
  let client: pg.Client | null = null;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;
  let connecting: Promise<void> = Promise.resolve();

  const scheduleReconnect = (): void => {
    if (closed || timer) return;
    const delay = Math.min(maxRetryMs, retryMs * 2 ** failures);
    failures++;
    timer = setTimeout(() => {
      timer = null;
      connecting = connect();
    }, delay);
  };

  async function connect(): Promise<void> {
    if (closed) return;
    // keepAlive: a connection that died silently (a dropped network path) is noticed and replaced
    const c = new pg.Client({ connectionString: opts.connectionString, keepAlive: true, application_name: opts.applicationName });
    let dead = false;
    const drop = (why: unknown): void => {
      if (dead) return;
      dead = true;
      if (client === c) client = null;
      c.end().catch(() => undefined);
      if (!closed) {
        log.warn({ err: why }, `${opts.what} lost its database connection; reconnecting`);
        scheduleReconnect();
      }
    };
    c.on('error', drop);
    c.on('end', () => drop(new Error('connection ended')));
    c.on('notification', (msg) => {
      if (msg.channel !== channel) return;
      if (opts.ignoreOrigin && msg.payload === opts.ignoreOrigin) return;
      opts.onWake('notify');
    });
    try {
      await c.connect();
      await c.query(`listen ${channel}`);
    } catch (e) {
      drop(e);
      return;
    }
    if (dead) return;
    if (closed) {
      dead = true;
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    if (failures > 0) log.info({ channel }, `${opts.what} reconnected`);
    failures = 0;
    opts.onWake('listening');
  }

  connecting = connect();
  return {
    connected: () => client !== null,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await connecting;
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
