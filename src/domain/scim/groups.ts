import { CORE_GROUP } from './schemas.js';
import { invalidValue } from './errors.js';
import { isObject, list, text } from './values.js';

// The mapping between a SCIM Group and a Latchkey group with its direct members (users and groups).

export interface ScimGroupFields {
  displayName: string;
  externalId: string | null;
  /** undefined when the body has no members attribute */
  memberIds: string[] | undefined;
}

export function readScimGroup(body: unknown): ScimGroupFields {
  if (!isObject(body)) throw invalidValue('The body must be a SCIM Group object.');
  const displayName = text(body, 'displayName');
  if (!displayName) throw invalidValue("Attribute 'displayName' is required.", 'displayName');
  const hasMembers = Object.keys(body).some((k) => k.toLowerCase() === 'members');
  const memberIds = hasMembers
    ? list(body, 'members').map((m, i) => {
      const v = text(m, 'value', `members[${i}].value`);
      if (!v) throw invalidValue(`Attribute 'members[${i}].value' is required.`, 'members');
      return v;
    })
    : undefined;
  return { displayName, externalId: text(body, 'externalId'), memberIds };
}

export interface ScimGroupSource {
  id: string;
  displayName: string;
  externalId: string | null;
  createdAt: string;
  modifiedAt: string;
}

export interface ScimMember {
  id: string;
  type: 'user' | 'group';
  display: string;
}

/** A Latchkey group as a SCIM Group; `members` undefined leaves the attribute out (excludedAttributes=members). */
export function scimGroup(g: ScimGroupSource, base: string, members?: ScimMember[]) {
  return {
    schemas: [CORE_GROUP],
    id: g.id,
    ...(g.externalId ? { externalId: g.externalId } : {}),
    displayName: g.displayName,
    ...(members ? {
      members: members.map((m) => ({
        value: m.id, $ref: `${base}/${m.type === 'user' ? 'Users' : 'Groups'}/${m.id}`, type: m.type === 'user' ? 'User' : 'Group', display: m.display,
      })),
    } : {}),
    meta: { resourceType: 'Group', created: g.createdAt, lastModified: g.modifiedAt, location: `${base}/Groups/${g.id}`, version: `W/"${g.modifiedAt}"` },
  };
}
