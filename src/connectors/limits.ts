import type { Target, TargetLimits } from './kit.js';
import { ConnectorError } from './types.js';

// The limits of one connection, applied around its Target: at most `concurrency` calls in flight (the
// others wait their turn, in order) and each call given up after `timeoutMs` with a retryable
// ConnectorError, so that a slow or dead system slows only its own work. (Minimal version written
// beside the LDAP connector; the shared one of issue 12 keeps this signature.)

/** The Target with its limits applied to every async method except close. */
export function withLimits(target: Target, limits: TargetLimits): Target {
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  const acquire = async (): Promise<void> => {
    if (inFlight < limits.concurrency) {
      inFlight++;
      return;
    }
    // the slot is handed over by release(), so inFlight stays counted
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };

  const limited = <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new ConnectorError(`The target did not answer within ${limits.timeoutMs} ms (${name}).`, true)),
        limits.timeoutMs,
      );
    });
    const slot = acquire();
    let work: Promise<R> | undefined;
    try {
      // time spent waiting for a slot counts: the caller asked for an answer within timeoutMs
      await Promise.race([slot, deadline]);
      work = call(...args);
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
      // the slot stays taken until the call itself settles (after a timeout too), so that no more than
      // `concurrency` calls ever run against the target; a slot obtained after the deadline is passed on
      if (work) void work.then(release, release);
      else void slot.then(release);
    }
  };

  return {
    test: limited('test', () => target.test()),
    searchResources: limited('searchResources', (search: string, limit: number) => target.searchResources(search, limit)),
    lookupResource: limited('lookupResource', (resourceId: string) => target.lookupResource(resourceId)),
    rolesOf: (resource) => target.rolesOf(resource),
    findAccount: limited('findAccount', (subject) => target.findAccount(subject)),
    ...(target.describeAccount ? { describeAccount: (subject) => target.describeAccount!(subject) } : {}),
    ...(target.createAccount ? { createAccount: limited('createAccount', (subject) => target.createAccount!(subject)) } : {}),
    grant: limited('grant', (account, role) => target.grant(account, role)),
    revoke: limited('revoke', (account, role) => target.revoke(account, role)),
    listHolders: limited('listHolders', (role) => target.listHolders(role)),
    close: () => target.close(),
  };
}
