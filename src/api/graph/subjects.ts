import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathParam, typed } from '../route-input.js';
import { NotFoundError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import type { Services } from '../../services/index.js';
import { SUBJECT_LIFECYCLES, type SubjectLifecycle } from '../../services/subjects.js';
import type { Db } from '../../store/db.js';
import { findUserById, type UserRow } from '../../store/users.js';
import { shapeOne } from '../odata/collection.js';
import { ODataQuery } from '../odata/query-options.js';
import { canonicalEnum } from '../odata/sql.js';
import { subjectSet } from '../read/subjects.js';
import { Body, EnumString, GraphObjectSchema } from '../schemas.js';
import { callerOf } from '../security.js';
import type { GraphCtx } from './catalogs.js';
import { EM } from './paths.js';

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
    const row = isGuid(id) ? await findUserById(db, id.toLowerCase()) : undefined;
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
      params: KeyParams, querystring: ODataQuery, response: { 200: SubjectSchema },
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
