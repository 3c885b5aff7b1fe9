import { canTenant } from '../../domain/authorization.js';
import { subjectLifecycleOf } from '../../services/subjects.js';
import type { Db } from '../../store/db.js';
import type { UserRow } from '../../store/users.js';
import type { EntitySet, GraphObject, ReadRule } from '../odata/collection.js';
import { assignmentRule } from './assignments.js';
import { FALSE, TRUE, type ReadCtx, type Where } from './common.js';
import { requestRule } from './requests.js';

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

/** accessPackageSubject by objectId (GET subjects(objectId='…')), with its lifecycle marker. */
export function subjectToGraph(u: UserRow): GraphObject {
  return { ...userSubject(u), subjectLifecycle: subjectLifecycleOf(u) };
}

export const subjectSet: EntitySet<UserRow, ReadCtx> = {
  entity: 'accessPackageSubject',
  fields: {},
  properties: ['id', 'objectId', 'displayName', 'email', 'principalName', 'onPremisesSecurityIdentifier', 'subjectType', 'subjectLifecycle'],
  navigation: {},
  defaultOrder: 'id',
  idColumn: 'users.id',
  toGraph: subjectToGraph,
  readable: subjectRule,
};

/**
 * Subjects (the people requests and assignments are about): anyone with directory.read; oneself; and
 * the requestor and target of any request, and the target of any assignment, the principal may read.
 * Narrows a query over the users table.
 */
export function subjectRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  const p = ctx.principal;
  if (canTenant(p, 'directory.read')) return 'all';
  const requests = requestRule(ctx);
  const assignments = assignmentRule(ctx);
  const narrow = (rule: ReadRule<unknown>): Where => (rule === 'all' ? TRUE : rule === 'none' || !rule.where ? FALSE : rule.where);
  return {
    where: (eb) => eb.or([
      eb('users.id', '=', p.userId),
      eb('users.id', 'in', eb.selectFrom('assignmentRequests').select('assignmentRequests.requestorId').where(narrow(requests))),
      eb('users.id', 'in', eb.selectFrom('assignmentRequests').select('assignmentRequests.targetId').where(narrow(requests))),
      eb('users.id', 'in', eb.selectFrom('assignments').select('assignments.targetId').where(narrow(assignments))),
    ]),
  };
}

