import type { Entry } from 'ldapts';

// How a group lists its members, from its object classes. A group with DN membership (groupOfNames,
// groupOfUniqueNames, Active Directory's group) may have groups among its members (nested groups); a
// posixGroup lists user names (memberUid), not DNs. groupOfNames and groupOfUniqueNames require at
// least one member: removing the last one is refused by the server (objectClassViolation).

export interface Membership {
  /** the object class it was detected from, as named in messages */
  objectClass: 'groupOfNames' | 'groupOfUniqueNames' | 'group' | 'posixGroup';
  /** the attribute holding the members */
  attribute: 'member' | 'uniqueMember' | 'memberUid';
  /** members are DNs (else user names: memberUid) */
  byDn: boolean;
  /** the schema requires at least one member */
  requiresMember: boolean;
}

// in order of preference: an rfc2307bis group that is both groupOfNames and posixGroup is governed by member
const KINDS: readonly Membership[] = [
  { objectClass: 'groupOfNames', attribute: 'member', byDn: true, requiresMember: true },
  { objectClass: 'groupOfUniqueNames', attribute: 'uniqueMember', byDn: true, requiresMember: true },
  { objectClass: 'group', attribute: 'member', byDn: true, requiresMember: false },
  { objectClass: 'posixGroup', attribute: 'memberUid', byDn: false, requiresMember: false },
];

/** The membership of a group with these object classes; undefined when it is none Latchkey can change. */
export function membershipOf(objectClasses: readonly string[]): Membership | undefined {
  const have = new Set(objectClasses.map((c) => c.toLowerCase()));
  return KINDS.find((k) => have.has(k.objectClass.toLowerCase()));
}

/** The object classes Latchkey can govern, for messages. */
export const GOVERNABLE_CLASSES = KINDS.map((k) => k.objectClass).join(', ');

/** An attribute's values in a search entry, whatever the case the server spelt its name in. */
export function values(entry: Entry, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!key || key === 'dn') return [];
  const v = entry[key];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

/** An attribute's first value, or undefined. */
export function first(entry: Entry, name: string): string | undefined {
  return values(entry, name)[0];
}
