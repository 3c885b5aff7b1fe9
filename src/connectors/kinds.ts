import { ValidationError } from '../domain/errors.js';
import type { ConnectorKind } from './kit.js';
import { ldapConnector } from './ldap/index.js';
import { postgresqlConnector } from './postgresql/index.js';
import { scimConnector } from './scim/index.js';
import { webhookConnector } from './webhook/index.js';
import { readSettings } from './settings-schema.js';

// The kinds of target system a connection may be: one line per connector folder.

export const CONNECTOR_KINDS: readonly ConnectorKind[] = [
  ldapConnector as ConnectorKind,
  scimConnector as ConnectorKind,
  postgresqlConnector as ConnectorKind,
  webhookConnector as ConnectorKind,
];

export function findConnectorKind(kind: string): ConnectorKind | undefined {
  return CONNECTOR_KINDS.find((k) => k.kind === kind);
}

/** The kind, or a 400 naming the field and the kinds there are. */
export function connectorKind(kind: string, field = 'kind'): ConnectorKind {
  const found = findConnectorKind(kind);
  if (!found) throw new ValidationError(`${field}: '${kind}' is not a kind of connection; kinds: ${CONNECTOR_KINDS.map((k) => k.kind).join(', ')}.`, field);
  return found;
}

/** The kind whose resources have this originSystem (LdapGroup, ScimGroup, PostgresRole, Webhook), any casing. */
export function connectorKindOfOrigin(originSystem: string): ConnectorKind | undefined {
  return CONNECTOR_KINDS.find((k) => k.originSystem.toLowerCase() === originSystem.toLowerCase());
}

/** A connection's settings as the kind reads them (defaults filled in, checked), or a 400 naming the field. */
export function readConnectionSettings(kind: ConnectorKind, input: unknown): Record<string, unknown> {
  const value = kind.readSettings ? kind.readSettings(input) : readSettings(kind.settingsSchema, input, 'settings');
  return value as Record<string, unknown>;
}

/** A connection's secrets as the kind's schema reads them, or a 400 naming the field (never its value). */
export function readConnectionSecrets(kind: ConnectorKind, input: unknown): Record<string, string> {
  return readSettings(kind.secretsSchema, input, 'secrets') as Record<string, string>;
}
