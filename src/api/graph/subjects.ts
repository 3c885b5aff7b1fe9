import type { Db } from '../../store/db.js';
import type { GraphObject } from '../odata/collection.js';

// accessPackageSubject: the person a request or assignment is about. Someone not yet in the directory
// (an external email) has no objectId until their request is approved.

export function userSubject(u: { id: string; displayName: string; mail: string | null; userPrincipalName: string; connectedOrganizationId?: string | null }): GraphObject {
  return {
    id: u.id, objectId: u.id, displayName: u.displayName, email: u.mail ?? u.userPrincipalName, principalName: u.userPrincipalName,
    onPremisesSecurityIdentifier: null, subjectType: 'user',
  };
}

export function emailSubject(email: string): GraphObject {
  return { id: email, objectId: null, displayName: email, email, principalName: null, onPremisesSecurityIdentifier: null, subjectType: 'notSpecified' };
}

/** Subjects for a page of owners: one query for all of them. */
export async function subjectsFor(db: Db, owners: { ownerId: string; userId: string | null; email?: string | null }[]): Promise<Map<string, GraphObject | null>> {
  const ids = [...new Set(owners.map((o) => o.userId).filter((x): x is string => !!x))];
  const users = ids.length ? await db.selectFrom('users').select(['id', 'displayName', 'mail', 'userPrincipalName']).where('id', 'in', ids).execute() : [];
  const byId = new Map(users.map((u) => [u.id, userSubject(u)]));
  const out = new Map<string, GraphObject | null>();
  for (const o of owners) out.set(o.ownerId, (o.userId ? byId.get(o.userId) : undefined) ?? (o.email ? emailSubject(o.email) : null));
  return out;
}
