import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathParam, typed, validatedBody } from '../route-input.js';
import { PACKAGE_DESCRIPTION_MAX, PACKAGE_DISPLAY_NAME_MAX } from '../../domain/access-package.js';
import { ValidationError } from '../../domain/errors.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { checkIfMatch, setEtag } from '../etag.js';
import { listCollection, shapeOne } from '../odata/collection.js';
import { ODataQuery } from '../odata/query-options.js';
import {
  accessPackageSet, accessPackageToGraph, allRoleScopes, packagesOfCatalog, packagesVisibleTo, roleScopeSet, roleScopesOfPackage, roleScopeToGraph,
} from '../read/access-packages.js';
import { resourceToGraph, roleToGraph, scopeToGraph } from '../read/resources.js';
import { Body, CollectionOf, GraphObjectSchema, IdParams, Nullable, Ref } from '../schemas.js';
import { callerOf } from '../security.js';
import type { GraphCtx } from './catalogs.js';
import { registerIncompatibilityRoutes } from './incompatible-packages.js';
import { EM } from './paths.js';

// Access packages and their resource role scopes; the incompatibility links are in incompatible-packages.ts.


export const PackageSchema = GraphObjectSchema('accessPackage', {
  displayName: Type.String(),
  description: Nullable(Type.String()),
  isHidden: Type.Boolean(),
  createdDateTime: Type.String(),
  modifiedDateTime: Type.String(),
});
const RoleScopeSchema = GraphObjectSchema('accessPackageResourceRoleScope', { createdDateTime: Type.String() });

const PackageFields = {
  description: Type.Optional(Nullable(Type.String({ maxLength: PACKAGE_DESCRIPTION_MAX }))),
  isHidden: Type.Optional(Type.Boolean()),
  catalog: Type.Optional(Ref),
  /** the beta API named the catalog this way; still sent by older scripts */
  catalogId: Type.Optional(Type.String({ maxLength: 200 })),
};
const CreatePackage = Body({ ...PackageFields, displayName: Type.String({ minLength: 1, maxLength: PACKAGE_DISPLAY_NAME_MAX }) });
const UpdatePackage = Body({ ...PackageFields, displayName: Type.Optional(Type.String({ minLength: 1, maxLength: PACKAGE_DISPLAY_NAME_MAX })) });

type PackageBody = Static<typeof UpdatePackage>;

/** The catalog a package body names, from `catalog.id` or the beta `catalogId`. */
function catalogIdOfBody(b: PackageBody): string | undefined {
  if (b.catalog?.id && b.catalogId && b.catalog.id.toLowerCase() !== b.catalogId.toLowerCase()) {
    throw new ValidationError("'catalog.id' and 'catalogId' name different catalogs.", 'catalog.id');
  }
  return (b.catalog?.id ?? b.catalogId)?.toLowerCase();
}

const RefObject = (extra: Record<string, ReturnType<typeof Type.Optional>> = {}) =>
  Type.Object(
    {
      id: Type.Optional(Type.String({ maxLength: 200 })),
      displayName: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
      description: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
      originId: Type.Optional(Type.String({ maxLength: 400 })),
      originSystem: Type.Optional(Type.String({ maxLength: 64 })),
      // read back from a GET and sent again: only id/originId/originSystem are used
      resource: Type.Optional(Type.Object({
        id: Type.Optional(Type.String({ maxLength: 200 })),
        originId: Type.Optional(Type.String({ maxLength: 400 })),
        originSystem: Type.Optional(Type.String({ maxLength: 64 })),
      }, { additionalProperties: true })),
      ...extra,
    },
    { additionalProperties: false, patternProperties: { '^@odata\\.': {} } },
  );
const CreateRoleScope = Body({
  role: RefObject(),
  scope: Type.Optional(RefObject({ isRootScope: Type.Optional(Type.Boolean()) })),
});

const RoleScopeParams = Type.Object({ id: Type.String({ maxLength: 200 }), rrsId: Type.String({ maxLength: 420 }) });

export function registerAccessPackageRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  const ctxOf = (req: FastifyRequest): GraphCtx => ({ db, principal: req.principal! });
  const idOf = (req: FastifyRequest) => pathParam(req, 'id');
  const packageCatalog = async (req: FastifyRequest) => (await services.accessPackages.get(idOf(req))).catalogId;
  const catalogOfParam = async (req: FastifyRequest) => (await services.catalogs.get(idOf(req))).id;
  const catalogOfCreateBody = async (req: FastifyRequest) => {
    const id = catalogIdOfBody(validatedBody(req, CreatePackage));
    if (!id) throw new ValidationError("'catalog' is required: { \"catalog\": { \"id\": \"…\" } } names the catalog the access package belongs to.", 'catalog.id');
    return (await services.catalogs.get(id)).id;
  };
  const packagesLink = (id: string) => `${EM}/accessPackages/${id}`;

  app.get(`${EM}/accessPackages`, {
    config: { auth: { authenticated: true } },
    schema: {
      tags: ['accessPackages'],
      summary: 'List access packages: all of the catalogs the caller has a role in, plus the visible packages of published catalogs',
      querystring: ODataQuery,
      response: { 200: CollectionOf(PackageSchema) },
    },
  }, async (req) => listCollection(accessPackageSet, packagesVisibleTo(db, req.principal!), req, ctxOf(req)));

  app.get(`${EM}/catalogs/:id/accessPackages`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: { tags: ['accessPackages'], summary: 'List the access packages of a catalog', params: IdParams, querystring: ODataQuery, response: { 200: CollectionOf(PackageSchema) } },
  }, async (req) => {
    const catalogId = await catalogOfParam(req);
    return listCollection(accessPackageSet, packagesOfCatalog(db, catalogId), req, ctxOf(req));
  });

  app.post(`${EM}/accessPackages`, {
    config: { auth: { catalog: 'package.write', of: catalogOfCreateBody } },
    schema: { tags: ['accessPackages'], summary: 'Create an access package in a catalog', body: CreatePackage, response: { 201: PackageSchema } },
  }, async (req, reply) => {
    const b = req.body;
    const catalogId = await catalogOfCreateBody(req);
    const row = await services.accessPackages.create(callerOf(req), { displayName: b.displayName, description: b.description, isHidden: b.isHidden, catalogId });
    const obj = accessPackageToGraph(row);
    setEtag(reply, obj);
    return reply.status(201).header('Location', packagesLink(row.id)).send(obj);
  });

  // Signed-in people without a catalog role may open a package of a published catalog by its link,
  // hidden or not (My Access direct links), and the package of their own requests and assignments: the
  // package read rule (read/access-packages.ts, applied by shapeOne) decides, as it does for every $expand.
  app.get(`${EM}/accessPackages/:id`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['accessPackages'], summary: 'Get an access package', params: IdParams, querystring: ODataQuery, response: { 200: PackageSchema } },
  }, async (req, reply) => {
    const row = await services.accessPackages.get(idOf(req));
    setEtag(reply, accessPackageToGraph(row));
    return shapeOne(accessPackageSet, row, req, ctxOf(req));
  });

  app.patch(`${EM}/accessPackages/:id`, {
    config: { auth: { catalog: 'package.write', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Update an access package (If-Match supported)', params: IdParams, body: UpdatePackage, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const b = req.body;
    await services.accessPackages.update(
      callerOf(req), idOf(req),
      { displayName: b.displayName, description: b.description, isHidden: b.isHidden, catalogId: catalogIdOfBody(b) },
      (cur) => checkIfMatch(req, accessPackageToGraph(cur)),
    );
    return reply.status(204).send(null);
  });

  app.delete(`${EM}/accessPackages/:id`, {
    config: { auth: { catalog: 'package.write', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Delete an access package that has no assignments', params: IdParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await services.accessPackages.delete(callerOf(req), idOf(req), (cur) => checkIfMatch(req, accessPackageToGraph(cur)));
    return reply.status(204).send(null);
  });

  // ---- resource role scopes

  app.get(`${EM}/accessPackages/:id/resourceRoleScopes`, {
    config: { auth: { catalog: 'catalog.read', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: "List a package's resource roles ($expand=role,scope)", params: IdParams, querystring: ODataQuery, response: { 200: CollectionOf(RoleScopeSchema) } },
  }, async (req) => {
    const pkg = await services.accessPackages.get(idOf(req));
    return listCollection(roleScopeSet, roleScopesOfPackage(db, pkg.id), req, ctxOf(req));
  });

  // tenant-wide: the resource roles of every package the caller may read them of (catalog.read; the rule narrows the list)
  app.get(`${EM}/resourceRoleScopes`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['accessPackages'], summary: 'List the resource role scopes of the packages of the catalogs the caller may read ($expand=role,scope)', querystring: ODataQuery, response: { 200: CollectionOf(RoleScopeSchema) } },
  }, async (req) => listCollection(roleScopeSet, allRoleScopes(db), req, ctxOf(req)));

  app.get(`${EM}/accessPackages/:id/resourceRoleScopes/:rrsId`, {
    config: { auth: { catalog: 'catalog.read', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Get a resource role scope of a package', params: RoleScopeParams, querystring: ODataQuery, response: { 200: RoleScopeSchema } },
  }, async (req) => {
    const pkg = await services.accessPackages.get(idOf(req));
    const row = await services.accessPackages.getRoleScope(pkg.id, req.params.rrsId);
    return shapeOne(roleScopeSet, row, req, ctxOf(req));
  });

  app.post(`${EM}/accessPackages/:id/resourceRoleScopes`, {
    config: { auth: { catalog: 'package.write', of: packageCatalog } },
    schema: {
      tags: ['accessPackages'],
      summary: 'Add a resource role (in a scope) to a package',
      description: 'The role is named by id, or by originId and originSystem with its resource; the scope by id, originId, or isRootScope. Both must belong to a resource of the package\'s catalog.',
      params: IdParams, body: CreateRoleScope, response: { 201: RoleScopeSchema },
    },
  }, async (req, reply) => {
    const b = req.body;
    const r = await services.accessPackages.addRoleScope(callerOf(req), idOf(req), b.role, b.scope ?? { isRootScope: true });
    const resource = resourceToGraph(r.resource);
    const body = {
      ...roleScopeToGraph(r.roleScope),
      role: { ...roleToGraph(r.role), resource },
      scope: { ...scopeToGraph(r.scope), resource },
    };
    return reply.status(201).header('Location', `${packagesLink(r.roleScope.accessPackageId)}/resourceRoleScopes/${r.roleScope.id}`).send(body);
  });

  app.delete(`${EM}/accessPackages/:id/resourceRoleScopes/:rrsId`, {
    config: { auth: { catalog: 'package.write', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Remove a resource role from a package', params: RoleScopeParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await services.accessPackages.removeRoleScope(callerOf(req), idOf(req), req.params.rrsId);
    return reply.status(204).send(null);
  });

  registerIncompatibilityRoutes(app, services, db, { ctxOf, idOf, packageCatalog });
}
