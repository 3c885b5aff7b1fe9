import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathParam, typed } from '../route-input.js';
import { NotFoundError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import type { Services } from '../../services/index.js';
import { SUBJECT_LIFECYCLES, subjectLifecycleOf, type SubjectLifecycle } from '../../services/subjects.js';
import type { Db } from '../../store/db.js';
import type { UserRow } from '../../store/users.js';
import { shapeOne, type EntitySet, type GraphObject } from '../odata/collection.js';
import { canonicalEnum } from '../odata/sql.js';
import { subjectRule } from '../read/directory.js';
import { Body, EnumString, GraphObjectSchema } from '../schemas.js';
import { callerOf } from '../security.js';
import type { GraphCtx } from './catalogs.js';
import { EM } from './paths.js';

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

export const subjectSet: EntitySet<UserRow, GraphCtx> = {
  entity: 'accessPackageSubject',
  fields: {},
  properties: ['id', 'objectId', 'displayName', 'email', 'principalName', 'onPremisesSecurityIdentifier', 'subjectType', 'subjectLifecycle'],
  navigation: {},
  defaultOrder: 'id',
  idColumn: 'users.id',
  toGraph: subjectToGraph,
  readable: subjectRule,
};

const SubjectSchema = GraphObjectSchema('accessPackageSubject', { subjectType: Type.String(), subjectLifecycle: Type.String() });
const UpdateSubject = Body({
  subjectLifecycle: EnumString(SUBJECT_LIFECYCLES, 'governed: blocked and later deleted when the last assignment ends (tenant settings)'),
}, { readOnly: ['id', 'objectId', 'displayName', 'email', 'principalName', 'onPremisesSecurityIdentifier', 'subjectType'] });

/** The objectId in `'…')`, what follows `subjects(objectId=` (the router has decoded it); undefined when it is not that. */
function objectIdOf(rest: string): string | undefined {
  return /^\s*'([^']*)'\s*\)$/.exec(rest)?.[1];
}

export function registerSubjectRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  const ctxOf = (req: FastifyRequest): GraphCtx => ({ db, principal: req.principal! });
  const load = async (req: FastifyRequest): Promise<UserRow> => {
    const rest = pathParam(req, 'key');
    const id = objectIdOf(rest);
    if (id === undefined) throw new NotFoundError('Subject', `subjects(objectId=${rest}`);
    const row = isGuid(id) ? await db.selectFrom('users').selectAll().where('id', '=', id.toLowerCase()).executeTakeFirst() : undefined;
    if (!row) throw new NotFoundError('Subject', id);
    return row;
  };

  // the key is inside the segment: the parameter takes `'…')`, the rest of subjects(objectId='…')
  const KeyParams = Type.Object({ key: Type.String({ maxLength: 200, description: "the objectId in quotes and the closing parenthesis: '…')" }) });
  app.get(`${EM}/subjects(objectId=:key`, {
    config: { auth: { authenticated: true } },
    schema: {
      tags: ['subjects'],
      summary: "subjects(objectId='…'): a person as an access package subject. Readable by directory readers, oneself, and whoever may read a request or assignment about them",
      params: KeyParams, response: { 200: SubjectSchema },
    },
  }, async (req) => shapeOne(subjectSet, await load(req), req, ctxOf(req)));

  app.patch(`${EM}/subjects(objectId=:key`, {
    // the marker is a property of the directory user: writing it is a directory write (the administrator's)
    config: { auth: { tenant: 'directory.write' } },
    schema: {
      tags: ['subjects'],
      summary: "subjects(objectId='…'): set an external user's subjectLifecycle (governed or not); administrators only",
      params: KeyParams, body: UpdateSubject, response: { 204: Type.Null() },
    },
  }, async (req, reply) => {
    const row = await load(req);
    const lifecycle = canonicalEnum(SUBJECT_LIFECYCLES, req.body.subjectLifecycle, 'subjectLifecycle') as SubjectLifecycle;
    await services.subjects.setLifecycle(callerOf(req), row.id, lifecycle);
    return reply.status(204).send(null);
  });
}
