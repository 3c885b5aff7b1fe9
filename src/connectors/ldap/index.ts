import type { ConnectorKind } from '../kit.js';
import { withLimits } from '../limits.js';
import { normalizeDn } from './dn.js';
import { ldapSecretsSchema, ldapSettingsSchema, type LdapSecrets, type LdapSettings } from './settings.js';
import { createLdapTarget } from './target.js';

// LDAP directories (OpenLDAP; Active Directory by configuration, see settings.ts): groups as resources,
// membership by groupOfNames/member, groupOfUniqueNames/uniqueMember, posixGroup/memberUid or AD's
// group/member, detected from each group's object classes.

export const ldapConnector: ConnectorKind<LdapSettings, LdapSecrets> = {
  kind: 'ldap',
  originSystem: 'LdapGroup',
  resourceNoun: 'LDAP group',
  settingsSchema: ldapSettingsSchema,
  secretsSchema: ldapSecretsSchema,
  accountKey: normalizeDn,
  createTarget: (settings, secrets, limits) => withLimits(createLdapTarget(settings, secrets, limits), limits),
};

export { ldapSecretsSchema, ldapSettingsSchema, type LdapSecrets, type LdapSettings } from './settings.js';
