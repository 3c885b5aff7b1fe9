import { ValidationError } from '../../../domain/errors.js';
import { findConnectionById } from '../../../store/connections.js';
import type { Db, Tx } from '../../../store/db.js';
import type { IdentitySourceRow } from '../../../store/identity-sources.js';
import { readLdapSourceSettings } from '../ldap-sync/settings.js';

// The fields of an identity source, checked the same way on create and update.

export const SOURCE_KINDS = ['ldap', 'scim'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export function checkSourceKind(kind: string): SourceKind {
  if (!(SOURCE_KINDS as readonly string[]).includes(kind)) throw new ValidationError(`kind: '${kind}' is not a kind of identity source; kinds: ${SOURCE_KINDS.join(', ')}.`, 'kind');
  return kind as SourceKind;
}

export function checkSourceName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 256) throw new ValidationError('displayName: must be 1 to 256 characters.', 'displayName');
  return trimmed;
}

/** An LDAP source reads through an LDAP connection; a SCIM source has none (the identity provider pushes). */
export async function checkSourceConnection(db: Db | Tx, kind: SourceKind, connectionId: string | null | undefined): Promise<string | null> {
  if (kind === 'scim') {
    if (connectionId) throw new ValidationError('connectionId: a SCIM source has no connection (the identity provider sends its people to /scim/v2).', 'connectionId');
    return null;
  }
  if (!connectionId) throw new ValidationError('connectionId: an LDAP source needs the LDAP connection it reads the directory through.', 'connectionId');
  const connection = await findConnectionById(db, connectionId.toLowerCase());
  if (!connection) throw new ValidationError(`connectionId: there is no connection '${connectionId}'.`, 'connectionId');
  if (connection.kind !== 'ldap') throw new ValidationError(`connectionId: '${connection.displayName}' is a ${connection.kind} connection, not an LDAP one.`, 'connectionId');
  return connection.id;
}

/** The kind's settings as stored. */
export function readSourceSettings(kind: SourceKind, input: unknown): Record<string, unknown> {
  if (kind === 'ldap') return readLdapSourceSettings(input ?? {}) as Record<string, unknown>;
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) throw new ValidationError('settings: must be an object.', 'settings');
  return (input ?? {}) as Record<string, unknown>;
}

export const AUDITED = ['displayName', 'description', 'connectionId', 'settings'] as const;
export const auditedView = (r: Pick<IdentitySourceRow, 'displayName' | 'description' | 'connectionId' | 'settings'>) => ({
  displayName: r.displayName, description: r.description, connectionId: r.connectionId, settings: r.settings,
});
