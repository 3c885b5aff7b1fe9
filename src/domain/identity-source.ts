import { ValidationError } from './errors.js';

// What an identity source owns of the objects it brings: those attributes change only at the source
// (its next push or sync would overwrite them), so Graph refuses to change them. One list per kind, here,
// for SCIM provisioning and LDAP sync alike.

export const IDENTITY_SOURCE_KINDS = ['scim', 'ldap'] as const;
export type IdentitySourceKind = (typeof IDENTITY_SOURCE_KINDS)[number];

export interface OwnedAttributes {
  /** Graph user properties, plus 'manager' */
  user: readonly string[];
  /** Graph group properties, plus 'members' */
  group: readonly string[];
}

const DIRECTORY_USER = ['displayName', 'userPrincipalName', 'mail', 'givenName', 'surname', 'department', 'jobTitle', 'accountEnabled', 'manager'] as const;

/** The attributes a source of this kind owns on its users and groups. */
export function ownedAttributes(kind: string): OwnedAttributes {
  switch (kind) {
    case 'scim':
    case 'ldap':
      // both bring a person's identity, status and place, and a group's name and members; mailNickname,
      // userType, a group's description and its mail settings stay Latchkey's
      return { user: DIRECTORY_USER, group: ['displayName', 'members'] };
    default:
      return { user: [], group: [] };
  }
}

/** 400 naming the source and the first owned attribute a Graph write would change; nothing when it changes none. */
export function checkNotOwned(
  source: { displayName: string; kind: string } | undefined,
  what: 'user' | 'group',
  attributes: readonly string[],
): void {
  if (!source) return;
  const owned = ownedAttributes(source.kind)[what];
  const hit = attributes.find((a) => owned.includes(a));
  if (hit) {
    throw new ValidationError(
      `Property '${hit}' of this ${what} is owned by the identity source '${source.displayName}' (${source.kind}); change it there.`,
      hit,
      'Request_BadRequest',
    );
  }
}
