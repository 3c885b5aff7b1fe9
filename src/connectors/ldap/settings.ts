import { Type, type Static } from '@sinclair/typebox';
import { ACCOUNT_SUBJECT_PROPERTIES, type TargetLimits } from '../kit.js';

// The settings of an LDAP connection (OpenLDAP, and Active Directory by configuration) and its secret.
// Every field has a description: they feed the OpenAPI document and the admin portal's form.
//
// Active Directory (not tested here: there is no AD on the test machine; the protocol paths are the
// same as OpenLDAP's): url ldaps://dc.example.com (AD refuses simple binds in clear text when LDAP
// signing is required), bindDn the service account's DN or its userPrincipalName, groupFilter
// '(objectClass=group)' (membership by `member`, like groupOfNames, but without its at-least-one-member
// rule), userFilter '(&(objectCategory=person)(objectClass=user))', accountAttribute 'userPrincipalName'
// with userProperty 'userPrincipalName', or 'sAMAccountName' with userProperty 'mail' and
// accountValueTransform 'localPart'. Groups of more than 1,500 members are returned by AD in ranges
// (member;range=0-1499), which listHolders does not read yet.

/** Object classes of the groups a connection governs unless it says otherwise. */
export const DEFAULT_GROUP_FILTER = '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))';
/** The entries that may be accounts unless the connection says otherwise. */
export const DEFAULT_USER_FILTER = '(|(objectClass=person)(objectClass=posixAccount))';

const dn = (description: string) => Type.String({ minLength: 1, maxLength: 1024, description });
const attributeName = (description: string, defaultValue: string) =>
  Type.Optional(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9-]*$', maxLength: 128, description, default: defaultValue }));

export const ldapSettingsSchema = Type.Object({
  url: Type.String({
    pattern: '^ldaps?://[^\\s/?#]+/?$',
    description: 'The server: ldap://host[:port] or ldaps://host[:port] (TLS from the first byte). StartTLS is not offered: use ldaps:// for encryption.',
    examples: ['ldaps://ldap.example.com', 'ldap://127.0.0.1:389'],
  }),
  bindDn: dn('The DN Latchkey binds as (a service account allowed to read users and groups and to change group membership).'),
  baseDn: dn('Where the directory starts, e.g. dc=example,dc=com: users and groups are looked for under it unless userBaseDn or groupBaseDn say otherwise.'),
  groupBaseDn: Type.Optional(dn('Where the groups Latchkey may govern live, e.g. ou=groups,dc=example,dc=com (default: baseDn). Groups outside it are never changed.')),
  userBaseDn: Type.Optional(dn('Where the accounts live, e.g. ou=people,dc=example,dc=com (default: baseDn).')),
  groupFilter: Type.Optional(Type.String({
    minLength: 3,
    maxLength: 2048,
    default: DEFAULT_GROUP_FILTER,
    description: 'LDAP filter selecting the groups Latchkey may govern. The default covers groupOfNames (member), groupOfUniqueNames (uniqueMember) and posixGroup (memberUid); Active Directory: (objectClass=group). Also decides which members of a group are nested groups.',
  })),
  groupNameAttribute: attributeName('Attribute holding a group\'s name, shown and searched (substring match).', 'cn'),
  userFilter: Type.Optional(Type.String({
    minLength: 3,
    maxLength: 2048,
    default: DEFAULT_USER_FILTER,
    description: 'LDAP filter selecting the entries that are accounts (combined with the account rule).',
  })),
  accountAttribute: attributeName(
    'The account rule: the attribute of an account entry matched against the user property, e.g. mail, uid, userPrincipalName or sAMAccountName.',
    'mail',
  ),
  userProperty: Type.Optional(Type.Union(ACCOUNT_SUBJECT_PROPERTIES.map((p) => Type.Literal(p)), {
    default: 'mail',
    description: 'The account rule: the Latchkey user property whose value the accountAttribute must equal.',
  })),
  accountValueTransform: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('localPart')], {
    default: 'none',
    description: 'How the user property becomes the value looked for: none (as it is) or localPart (the part before the @, e.g. uid alice from alice@example.com).',
  })),
  memberUidAttribute: attributeName('Attribute of an account entry whose value a posixGroup lists in memberUid.', 'uid'),
  emptyGroupMember: Type.Optional(Type.String({
    maxLength: 1024,
    description: 'groupOfNames and groupOfUniqueNames must have at least one member. When the last member is revoked, this DN is put in its place (it is never reported as a holder, and is taken out again when someone is granted). Default: the bindDn. An empty string refuses instead: revoking the last member then fails, saying why, until the group has another member.',
  })),
  tls: Type.Optional(Type.Object({
    rejectUnauthorized: Type.Optional(Type.Boolean({ default: true, description: 'Refuse a server certificate that does not verify (keep true outside tests).' })),
    ca: Type.Optional(Type.String({ maxLength: 65536, description: 'PEM certificate(s) of the authority that signed the server\'s certificate, when it is not a public one.' })),
    servername: Type.Optional(Type.String({ maxLength: 255, description: 'The name the server certificate must carry, when it is not the url\'s host.' })),
  }, { description: 'TLS for ldaps:// URLs.' })),
  timeoutMs: Type.Optional(Type.Integer({
    minimum: 100,
    maximum: 300_000,
    description: 'How long one LDAP operation (and opening the connection) may take before it is abandoned (default: four fifths of the connection\'s timeout, which bounds each call as a whole).',
  })),
}, { additionalProperties: false });

export type LdapSettings = Static<typeof ldapSettingsSchema>;

export const ldapSecretsSchema = Type.Object({
  bindPassword: Type.String({ minLength: 1, maxLength: 1024, description: 'The bindDn\'s password. Stored encrypted, never shown.' }),
}, { additionalProperties: false });

export type LdapSecrets = Static<typeof ldapSecretsSchema>;

/** The settings with every default applied, as the target uses them. */
export interface ResolvedLdapSettings {
  url: string;
  bindDn: string;
  baseDn: string;
  groupBaseDn: string;
  userBaseDn: string;
  groupFilter: string;
  groupNameAttribute: string;
  userFilter: string;
  accountAttribute: string;
  userProperty: NonNullable<LdapSettings['userProperty']>;
  accountValueTransform: NonNullable<LdapSettings['accountValueTransform']>;
  memberUidAttribute: string;
  /** undefined: the last member of a groupOfNames/groupOfUniqueNames cannot be revoked */
  emptyGroupMember: string | undefined;
  tls: { rejectUnauthorized: boolean; ca?: string; servername?: string };
  timeoutMs: number;
}

/** Applies the defaults (the schema's, and those that depend on other fields). */
export function resolveLdapSettings(s: LdapSettings, limits: TargetLimits): ResolvedLdapSettings {
  return {
    url: s.url,
    bindDn: s.bindDn,
    baseDn: s.baseDn,
    groupBaseDn: s.groupBaseDn ?? s.baseDn,
    userBaseDn: s.userBaseDn ?? s.baseDn,
    groupFilter: s.groupFilter ?? DEFAULT_GROUP_FILTER,
    groupNameAttribute: s.groupNameAttribute ?? 'cn',
    userFilter: s.userFilter ?? DEFAULT_USER_FILTER,
    accountAttribute: s.accountAttribute ?? 'mail',
    userProperty: s.userProperty ?? 'mail',
    accountValueTransform: s.accountValueTransform ?? 'none',
    memberUidAttribute: s.memberUidAttribute ?? 'uid',
    emptyGroupMember: s.emptyGroupMember === undefined ? s.bindDn : s.emptyGroupMember || undefined,
    tls: { rejectUnauthorized: s.tls?.rejectUnauthorized ?? true, ca: s.tls?.ca, servername: s.tls?.servername },
    // a little under the call's limit: an operation that hangs has closed its connection (ldapts drops
    // the connection of an operation it gives up on) before the caller gives up and perhaps calls again
    timeoutMs: s.timeoutMs ?? Math.max(100, Math.floor(limits.timeoutMs * 0.8)),
  };
}
