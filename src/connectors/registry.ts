import type { Clock } from '../domain/clock.js';
import { ValidationError } from '../domain/errors.js';
import type { Db } from '../store/db.js';
import { createDirectoryGroupsConnector } from './directory-groups.js';
import type { ResourceConnector } from './types.js';

// Maps originSystem to the connector that serves it. Built per app from its dependencies, so tests
// and deployments can add connectors (LDAP, SCIM, webhooks) without any global state.

export interface ConnectorRegistry {
  /** The connector for an originSystem (any casing); 400 naming it and the supported ones when there is none. */
  get(originSystem: string, field?: string): ResourceConnector;
  find(originSystem: string): ResourceConnector | undefined;
  /** canonical originSystem names served, in registration order */
  supported(): string[];
}

export function createConnectorRegistry(connectors: readonly ResourceConnector[]): ConnectorRegistry {
  const byKey = new Map<string, ResourceConnector>();
  for (const c of connectors) {
    const key = c.originSystem.toLowerCase();
    if (byKey.has(key)) throw new Error(`Two connectors serve originSystem '${c.originSystem}'.`);
    byKey.set(key, c);
  }
  const find = (originSystem: string) => byKey.get(originSystem.toLowerCase());
  const supported = () => connectors.map((c) => c.originSystem);
  return {
    find,
    supported,
    get(originSystem, field = 'originSystem') {
      const c = find(originSystem);
      if (!c) {
        throw new ValidationError(
          `originSystem '${originSystem}' is not supported; supported: ${supported().join(', ')}.`,
          field,
          'UnsupportedOriginSystem',
        );
      }
      return c;
    },
  };
}

/** The connectors every Latchkey has. */
export function builtInConnectors(deps: { db: Db; clock: Clock }): ResourceConnector[] {
  return [createDirectoryGroupsConnector(deps)];
}
