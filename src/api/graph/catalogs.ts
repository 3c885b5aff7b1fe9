import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CATALOG_STATES, CATALOG_TYPES, DESCRIPTION_MAX, DISPLAY_NAME_MAX } from '../../domain/catalog.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { listCollection, shapeOne } from '../odata/collection.js';
import { ODataQuery } from '../odata/query-options.js';
import { canonicalEnum } from '../odata/sql.js';
import { checkIfMatch, setEtag } from '../etag.js';
import { Body, CollectionOf, EnumString, GraphObjectSchema, IdParams, Nullable, Text } from '../schemas.js';
import { callerOf } from '../security.js';
import { pathParam, typed } from '../route-input.js';
import { catalogSet, catalogsReadBy, catalogToGraph } from '../read/catalogs.js';
import type { ReadCtx } from '../read/common.js';
import { EM } from './paths.js';

/** What the read side needs of a request: the database and who asks (the read modules' ReadCtx). */
export type GraphCtx = ReadCtx;


const CatalogSchema = GraphObjectSchema('accessPackageCatalog', {
  displayName: Type.String(),
  description: Nullable(Type.String()),
  catalogType: Type.String(),
  state: Type.String(),
  isExternallyVisible: Type.Boolean(),
  createdDateTime: Type.String(),
  modifiedDateTime: Type.String(),
});

const CatalogFields = {
  displayName: Text(DISPLAY_NAME_MAX),
  description: Type.Optional(Nullable(Text(DESCRIPTION_MAX))),
  state: Type.Optional(EnumString(CATALOG_STATES, 'published: its packages can be requested')),
  isExternallyVisible: Type.Optional(Type.Boolean()),
  catalogType: Type.Optional(EnumString(CATALOG_TYPES, 'read-only; only userManaged catalogs can be created')),
};
const CreateCatalog = Body({ ...CatalogFields, displayName: Type.String({ minLength: 1, maxLength: DISPLAY_NAME_MAX }) });
const UpdateCatalog = Body({ ...CatalogFields, displayName: Type.Optional(Type.String({ minLength: 1, maxLength: DISPLAY_NAME_MAX })) });

type CatalogBody = Static<typeof UpdateCatalog>;

function catalogInput(b: CatalogBody) {
  if (b.catalogType !== undefined && canonicalEnum(CATALOG_TYPES, b.catalogType, 'catalogType') !== 'userManaged') {
    canonicalEnum(['userManaged'], b.catalogType, 'catalogType');
  }
  return {
    displayName: b.displayName,
    description: b.description,
    state: b.state === undefined ? undefined : (canonicalEnum(CATALOG_STATES, b.state, 'state') as (typeof CATALOG_STATES)[number]),
    isExternallyVisible: b.isExternallyVisible,
  };
}

export function registerCatalogRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  const catalogOfParam = async (req: { params: unknown }) => (await services.catalogs.get(pathParam(req, 'id'))).id;

  app.get(`${EM}/catalogs`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['catalogs'], summary: 'List catalogs the caller may read', querystring: ODataQuery, response: { 200: CollectionOf(CatalogSchema) } },
  }, async (req) => {
    const p = req.principal!;
    return listCollection(catalogSet, catalogsReadBy(db, p), req, { db, principal: p });
  });

  app.post(`${EM}/catalogs`, {
    config: { auth: { tenant: 'catalog.create' } },
    schema: { tags: ['catalogs'], summary: 'Create a catalog', body: CreateCatalog, response: { 201: CatalogSchema } },
  }, async (req, reply) => {
    const row = await services.catalogs.create(callerOf(req), { ...catalogInput(req.body), displayName: req.body.displayName });
    const obj = catalogToGraph(row);
    setEtag(reply, obj);
    return reply.status(201).header('Location', `${EM}/catalogs/${row.id}`).send(obj);
  });

  app.get(`${EM}/catalogs/:id`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: { tags: ['catalogs'], summary: 'Get a catalog', params: IdParams, querystring: ODataQuery, response: { 200: CatalogSchema } },
  }, async (req, reply) => {
    const row = await services.catalogs.get(req.params.id);
    setEtag(reply, catalogToGraph(row));
    return shapeOne(catalogSet, row, req, { db, principal: req.principal! });
  });

  app.patch(`${EM}/catalogs/:id`, {
    config: { auth: { catalog: 'catalog.write', of: catalogOfParam } },
    schema: { tags: ['catalogs'], summary: 'Update a catalog (If-Match supported)', params: IdParams, body: UpdateCatalog, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const { id } = req.params;
    await services.catalogs.update(callerOf(req), id, catalogInput(req.body), (cur) => checkIfMatch(req, catalogToGraph(cur)));
    return reply.status(204).send(null);
  });

  app.delete(`${EM}/catalogs/:id`, {
    config: { auth: { catalog: 'catalog.write', of: catalogOfParam } },
    schema: { tags: ['catalogs'], summary: 'Delete a catalog that has no access packages', params: IdParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await services.catalogs.delete(callerOf(req), req.params.id, (cur) => checkIfMatch(req, catalogToGraph(cur)));
    return reply.status(204).send(null);
  });
}
