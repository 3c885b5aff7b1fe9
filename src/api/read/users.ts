// The user entity set of the directory routes (/users, /me, manager, direct reports, owners) and its read queries.
import { USER_TYPES } from '../../domain/directory.js';
import type { Db } from '../../store/db.js';
import type { UserRow } from '../../store/users.js';
import { listIdentitySourcesByIds } from '../../store/identity-sources.js';
import { applySelect, expandAll, type EntitySet, type GraphObject } from '../odata/collection.js';
import type { ExpandItem } from '../odata/query-options.js';
import type { FieldMap } from '../odata/sql.js';
import { odataType } from '../graph/paths.js';

export interface DirectoryCtx {
  db: Db;
}

/** The columns a user's Graph representation needs (also produced by the users-and-groups union in groups.ts). */
export type UserView = Pick<
  UserRow,
  'id' | 'displayName' | 'userPrincipalName' | 'mail' | 'mailNickname' | 'givenName' | 'surname' | 'department' | 'jobTitle' | 'userType' | 'accountEnabled' | 'createdAt'
> & Partial<Pick<UserRow, 'sourceId'>>;

export const USER_PROPERTIES = [
  'id', 'displayName', 'userPrincipalName', 'mail', 'mailNickname', 'givenName', 'surname', 'department', 'jobTitle', 'userType', 'accountEnabled', 'createdDateTime',
  'identitySource',
] as const;

/**
 * The identity source that owns an object (SCIM provisioning, LDAP sync), read-only: `{ id }` from the
 * row, its name and kind filled in for the page by fillIdentitySources; null for objects made in Latchkey.
 */
export const identitySourceOf = (sourceId: string | null | undefined) => (sourceId ? { id: sourceId, displayName: null as string | null, kind: null as string | null } : null);

/** Names the identity sources of a page of users or groups, in one query. */
export async function fillIdentitySources(items: GraphObject[], ctx: DirectoryCtx): Promise<void> {
  const owned = items.filter((i) => i.identitySource);
  if (owned.length === 0) return;
  const sources = new Map((await listIdentitySourcesByIds(ctx.db, owned.map((i) => (i.identitySource as { id: string }).id))).map((s) => [s.id, s]));
  for (const i of owned) {
    const ref = i.identitySource as { id: string; displayName: string | null; kind: string | null };
    const s = sources.get(ref.id);
    if (s) i.identitySource = { id: s.id, displayName: s.displayName, kind: s.kind };
  }
}

export function userToGraph(r: UserView): GraphObject {
  return {
    id: r.id,
    displayName: r.displayName,
    userPrincipalName: r.userPrincipalName,
    mail: r.mail,
    mailNickname: r.mailNickname,
    givenName: r.givenName,
    surname: r.surname,
    department: r.department,
    jobTitle: r.jobTitle,
    userType: r.userType,
    accountEnabled: !!r.accountEnabled,
    createdDateTime: r.createdAt,
    identitySource: identitySourceOf(r.sourceId),
  };
}

/** A user where Graph returns directoryObjects (manager, directReports, members, owners): typed with @odata.type. */
export function userObjectToGraph(r: UserView): GraphObject {
  return { '@odata.type': odataType('user'), ...userToGraph(r) };
}

const userFields: FieldMap = {
  id: { column: 'users.id', type: 'guid' },
  displayName: { column: 'users.displayName', type: 'string' },
  // sign-in names compare case-insensitively, as in Graph
  userPrincipalName: { column: 'users.upnKey', type: 'string', lowercased: true },
  mail: { column: 'users.mail', type: 'string' },
  mailNickname: { column: 'users.mailNickname', type: 'string' },
  givenName: { column: 'users.givenName', type: 'string' },
  surname: { column: 'users.surname', type: 'string' },
  department: { column: 'users.department', type: 'string' },
  jobTitle: { column: 'users.jobTitle', type: 'string' },
  userType: { column: 'users.userType', type: 'enum', values: USER_TYPES },
  accountEnabled: { column: 'users.accountEnabled', type: 'boolean' },
  createdDateTime: { column: 'users.createdAt', type: 'datetime' },
};

/** $expand=manager: the managers of a whole page in one query. */
async function expandManager(items: GraphObject[], item: ExpandItem, ctx: DirectoryCtx): Promise<void> {
  const rows = await ctx.db
    .selectFrom('users as u')
    .innerJoin('users as m', 'm.id', 'u.managerId')
    .selectAll('m')
    .select('u.id as subjectId')
    .where('u.id', 'in', items.map((i) => i.id))
    .execute();
  const managers = rows.map((r) => ({ subjectId: r.subjectId, obj: userObjectToGraph(r) }));
  await expandAll(userObjectSet, managers.map((m) => m.obj), item.expand, ctx);
  const bySubject = new Map(managers.map((m) => [m.subjectId, applySelect(userObjectSet, m.obj, item.select, item.expand)]));
  // Graph leaves the property out for a user without a manager
  for (const it of items) {
    const m = bySubject.get(it.id);
    if (m) it.manager = m;
  }
}

export const userSet: EntitySet<UserView, DirectoryCtx> = {
  entity: 'user',
  fields: userFields,
  properties: USER_PROPERTIES,
  navigation: { manager: expandManager },
  defaultOrder: 'displayName',
  idColumn: 'users.id',
  toGraph: userToGraph,
  decorate: fillIdentitySources,
  // directory routes are gated by directory.read, or by the user being the caller
  readable: () => 'all',
};

export const userObjectSet: EntitySet<UserView, DirectoryCtx> = { ...userSet, toGraph: userObjectToGraph };

// ---- the base queries of the routes that list users

/** Every user. */
export const allUsers = (db: Db) => db.selectFrom('users').selectAll('users');

/** The users whose manager is `managerId`. */
export const directReportsOf = (db: Db, managerId: string) => allUsers(db).where('users.managerId', '=', managerId);

/** The owners of a group. */
export const ownersOf = (db: Db, groupId: string) =>
  allUsers(db).where('users.id', 'in', db.selectFrom('groupOwners').select('groupOwners.userId').where('groupOwners.groupId', '=', groupId));
