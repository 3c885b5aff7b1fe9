import { openLdapDirectory, type LdapDirectory } from '../../../connectors/ldap/directory.js';
import type { LdapSecrets, LdapSettings } from '../../../connectors/ldap/settings.js';
import { ValidationError } from '../../../domain/errors.js';
import { findConnectionWithSecrets } from '../../../store/connections.js';
import { connectionSecretsContext } from '../../connections/targets.js';
import type { IdentitySyncDeps } from './deps.js';

// The directory a source reads: its LDAP connection's server, bind DN and password (opened with the
// secret box, never shown) and timeout. A run opens its own client and closes it at the end: it reads
// one page at a time, in order, so it takes one of the server's connections, not the connection's
// queue of grant and revoke calls.

export interface SourceDirectory {
  settings: LdapSettings;
  directory: LdapDirectory;
}

export async function openSourceDirectory(deps: Pick<IdentitySyncDeps, 'db' | 'secretBox'>, connectionId: string): Promise<SourceDirectory> {
  const row = await findConnectionWithSecrets(deps.db, connectionId);
  if (!row) throw new Error(`The source's connection ${connectionId} does not exist.`);
  if (row.kind !== 'ldap') throw new ValidationError(`connectionId: the connection '${row.displayName}' is a ${row.kind} connection, not an LDAP one.`, 'connectionId');
  const settings = JSON.parse(row.settings) as LdapSettings;
  const secrets = deps.secretBox.openSecrets(row.secrets, connectionSecretsContext(row.id)) as unknown as LdapSecrets;
  return { settings, directory: openLdapDirectory(settings, secrets, { timeoutMs: row.timeoutMs, concurrency: 1 }) };
}
