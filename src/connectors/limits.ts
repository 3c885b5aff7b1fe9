import type { Target, TargetLimits } from './kit.js';
import { ConnectorError } from './types.js';

// The limits of one connection: at most `concurrency` calls in flight (the others queue) and each call
// given up after `timeoutMs` with a retryable ConnectorError, so a slow or dead target slows only its
// own work. (Minimal version; another branch writes the shared one with the same signature.)

export function withLimits(target: Target, limits: TargetLimits): Target {
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  const acquire = async (): Promise<void> => {
    if (inFlight < limits.concurrency) {
      inFlight++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };
  const limited = <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await acquire();
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ConnectorError(`The target did not answer ${name} within ${limits.timeoutMs} ms.`, true)), limits.timeoutMs);
        });
        return await Promise.race([fn(...args), timeout]);
      } finally {
        clearTimeout(timer);
        release();
      }
    };
  const t = target;
  return {
    test: limited('test', () => t.test()),
    searchResources: limited('searchResources', (s: string, n: number) => t.searchResources(s, n)),
    lookupResource: limited('lookupResource', (id: string) => t.lookupResource(id)),
    rolesOf: (r) => t.rolesOf(r),
    findAccount: limited('findAccount', (s: Parameters<Target['findAccount']>[0]) => t.findAccount(s)),
    ...(t.createAccount ? { createAccount: limited('createAccount', (s: Parameters<Target['findAccount']>[0]) => t.createAccount!(s)) } : {}),
    grant: limited('grant', (a: Parameters<Target['grant']>[0], r: Parameters<Target['grant']>[1]) => t.grant(a, r)),
    revoke: limited('revoke', (a: Parameters<Target['revoke']>[0], r: Parameters<Target['revoke']>[1]) => t.revoke(a, r)),
    listHolders: limited('listHolders', (r: Parameters<Target['listHolders']>[0]) => t.listHolders(r)),
    close: () => t.close(),
  };
}
