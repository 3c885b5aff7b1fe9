import type { ResourceConnector } from './types.js';

// Counting what connectors do (grants delivered or failed, revocations), for metrics, without the
// lifecycle engine knowing: the registry is handed connectors wrapped by observeConnector.

export interface ConnectorCall {
  system: string;
  operation: 'grant' | 'revoke';
  ok: boolean;
  seconds: number;
}

export type ConnectorCallObserver = (call: ConnectorCall) => void;

/** The same connector, reporting each grant and revoke (and how long it took) to `observe`. */
export function observeConnector(connector: ResourceConnector, observe: ConnectorCallObserver): ResourceConnector {
  const timed = (operation: ConnectorCall['operation']) => async (...args: Parameters<ResourceConnector['grant']>) => {
    const t0 = performance.now();
    let ok = false;
    try {
      const r = await connector[operation](...args);
      ok = true;
      return r;
    } finally {
      observe({ system: connector.originSystem, operation, ok, seconds: (performance.now() - t0) / 1000 });
    }
  };
  const wrapped = { grant: timed('grant'), revoke: timed('revoke') };
  // a Proxy rather than a copy: connectors may be class instances with state that tests change from outside
  return new Proxy(connector, {
    get(target, prop) {
      if (prop === 'grant' || prop === 'revoke') return wrapped[prop];
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
