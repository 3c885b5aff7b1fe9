import type { Target, TargetLimits } from './kit.js';
import { ConnectorError } from './types.js';

// The limits of one connection (kit.ts TargetLimits), applied around any Target so that connectors do
// not each implement them: a slow or dead target holds at most `concurrency` of Latchkey's calls and
// each of them for at most `timeoutMs`, so it slows only its own work.
//
// A small queue rather than p-limit: p-limit is in node_modules only as a dependency of eslint's
// tooling, not one of ours, and the queue is a dozen lines.

/** What each wrapped method is called in the timeout message (close is not limited: it must always run). */
const CALLS = {
  test: 'a connection test',
  searchResources: 'a resource search',
  lookupResource: 'a resource lookup',
  findAccount: 'an account lookup',
  createAccount: 'an account creation',
  grant: 'a grant',
  revoke: 'a revoke',
  listHolders: 'a listing of holders',
} as const satisfies Partial<Record<keyof Target, string>>;

/**
 * The target with its limits: at most `limits.concurrency` calls in flight (the others wait in the order
 * they came), each rejected with a retryable ConnectorError after `limits.timeoutMs` of running (waiting
 * in the queue does not count: a queued call waits at most for the calls before it to end or time out).
 * A call that timed out gives its slot back at once; the target's own request may still be running, the
 * connector's client is expected to drop it (sockets have their own timeouts). Errors pass through.
 */
export function withLimits(target: Target, limits: TargetLimits): Target {
  const slots = createSlots(limits.concurrency);
  const timeoutMs = limits.timeoutMs;
  const limited = <A extends unknown[], R>(call: keyof typeof CALLS, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      slots.run(() => withTimeout(() => fn.apply(target, args), timeoutMs, CALLS[call]));
  const wrapped: Target = {
    test: limited('test', target.test),
    searchResources: limited('searchResources', target.searchResources),
    lookupResource: limited('lookupResource', target.lookupResource),
    rolesOf: (resource) => target.rolesOf(resource),
    findAccount: limited('findAccount', target.findAccount),
    grant: limited('grant', target.grant),
    revoke: limited('revoke', target.revoke),
    listHolders: limited('listHolders', target.listHolders),
    close: () => target.close(),
  };
  if (target.createAccount) wrapped.createAccount = limited('createAccount', target.createAccount);
  // synchronous, like rolesOf: nothing to queue or time
  if (target.describeAccount) wrapped.describeAccount = (subject) => target.describeAccount!(subject);
  return wrapped;
}

interface Slots {
  run<R>(fn: () => Promise<R>): Promise<R>;
}

/** A first-come first-served semaphore of `size` slots (at least one). */
function createSlots(size: number): Slots {
  const capacity = Number.isFinite(size) && size >= 1 ? Math.floor(size) : 1;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    // the slot passes straight to the next in line, so a newcomer cannot overtake it
    if (next) next();
    else inFlight--;
  };
  return {
    async run(fn) {
      if (inFlight < capacity) inFlight++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}

/** fn's result, or a retryable ConnectorError naming the call once `ms` have passed (no limit when ms <= 0). */
function withTimeout<R>(fn: () => Promise<R>, ms: number, what: string): Promise<R> {
  if (!(ms > 0) || !Number.isFinite(ms)) return fn();
  return new Promise<R>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new ConnectorError(`The target, asked for ${what}, did not answer within ${ms} ms; it may be down or overloaded.`, true));
    }, ms);
    // a late answer or failure after the timeout is dropped (rejecting twice is a no-op, nothing unhandled)
    Promise.resolve()
      .then(fn)
      .then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
  });
}
