import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { typed } from '../route-input.js';
import { canCatalog, isAdministrator } from '../../domain/authorization.js';
import { idFromODataRef } from '../../domain/access-package.js';
import { ForbiddenError, ValidationError } from '../../domain/errors.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { listCollection } from '../odata/collection.js';
import { ODataQuery } from '../odata/query-options.js';
import { accessPackageSet, incompatibleGroupsOf, incompatiblePackagesOf } from '../read/access-packages.js';
import { CollectionOf, GraphObjectSchema, IdParams } from '../schemas.js';
import { callerOf } from '../security.js';
import { PackageSchema } from './access-packages.js';
import type { GraphCtx } from './catalogs.js';
import { groupObjectSet } from '../read/groups.js';
import { EM, V1 } from './paths.js';

// The incompatibility links of access packages (separation of duties): packages whose holders cannot
// get a package, and groups whose members cannot.

const GroupSchema = GraphObjectSchema('group');

const ODataRefBody = Type.Object(
  { '@odata.id': Type.String({ minLength: 1, maxLength: 2048, description: 'URL of the object to link, e.g. https://graph.microsoft.com/v1.0/…/accessPackages/{id}' }) },
  { additionalProperties: false, patternProperties: { '^@odata\\.': {} } },
);

const PackageParams = Type.Object({ id: Type.String({ maxLength: 200 }), otherId: Type.String({ maxLength: 200 }) });

/** What the package routes share with these: the read context, the package id of the path, and its catalog. */
export interface PackageRouteHelpers {
  ctxOf(req: FastifyRequest): GraphCtx;
  idOf(req: FastifyRequest): string;
  packageCatalog(req: FastifyRequest): Promise<string>;
}

export function registerIncompatibilityRoutes(parent: FastifyInstance, services: Services, db: Db, { ctxOf, idOf, packageCatalog }: PackageRouteHelpers): void {
  const app = typed(parent);

  app.get(`${EM}/accessPackages/:id/incompatibleAccessPackages`, {
    config: { auth: { catalog: 'catalog.read', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Packages whose holders cannot get this one', params: IdParams, querystring: ODataQuery, response: { 200: CollectionOf(PackageSchema) } },
  }, async (req) => {
    const pkg = await services.accessPackages.get(idOf(req));
    return listCollection(accessPackageSet, incompatiblePackagesOf(db, req.principal!, pkg.id, true), req, ctxOf(req));
  });

  app.get(`${EM}/accessPackages/:id/accessPackagesIncompatibleWith`, {
    config: { auth: { catalog: 'catalog.read', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Packages that list this one as incompatible (reverse links)', params: IdParams, querystring: ODataQuery, response: { 200: CollectionOf(PackageSchema) } },
  }, async (req) => {
    const pkg = await services.accessPackages.get(idOf(req));
    return listCollection(accessPackageSet, incompatiblePackagesOf(db, req.principal!, pkg.id, false), req, ctxOf(req));
  });

  app.post(`${EM}/accessPackages/:id/incompatibleAccessPackages/$ref`, {
    config: { auth: { catalog: 'package.write', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Mark another package incompatible with this one', params: IdParams, body: ODataRefBody, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const ref = req.body['@odata.id'];
    const otherId = idFromODataRef(ref, 'accessPackages');
    if (!otherId) throw new ValidationError(`'@odata.id' must be the URL of an access package (…/identityGovernance/entitlementManagement/accessPackages/{id}); got '${ref}'.`, '@odata.id');
    const p = req.principal!;
    await services.accessPackages.addIncompatiblePackage(callerOf(req), idOf(req), otherId, (other) => {
      // linking names the other package, so the caller must at least be able to read it
      if (!isAdministrator(p) && !canCatalog(p, 'catalog.read', other.catalogId)) {
        throw new ForbiddenError(`Linking access package '${other.id}' needs the 'catalog.read' permission in its catalog '${other.catalogId}'.`);
      }
    });
    return reply.status(204).send(null);
  });

  app.delete(`${EM}/accessPackages/:id/incompatibleAccessPackages/:otherId/$ref`, {
    config: { auth: { catalog: 'package.write', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Remove an incompatible package link', params: PackageParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await services.accessPackages.removeIncompatiblePackage(callerOf(req), idOf(req), req.params.otherId);
    return reply.status(204).send(null);
  });

  app.get(`${EM}/accessPackages/:id/incompatibleGroups`, {
    config: { auth: { catalog: 'catalog.read', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Groups whose members cannot get this package', params: IdParams, querystring: ODataQuery, response: { 200: CollectionOf(GroupSchema) } },
  }, async (req) => {
    const pkg = await services.accessPackages.get(idOf(req));
    return listCollection(groupObjectSet, incompatibleGroupsOf(db, pkg.id), req, ctxOf(req));
  });

  app.post(`${EM}/accessPackages/:id/incompatibleGroups/$ref`, {
    config: { auth: { catalog: 'package.write', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Mark a group incompatible with this package', params: IdParams, body: ODataRefBody, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const ref = req.body['@odata.id'];
    const groupId = idFromODataRef(ref, 'groups');
    if (!groupId) throw new ValidationError(`'@odata.id' must be the URL of a group (…${V1}/groups/{id}); got '${ref}'.`, '@odata.id');
    await services.accessPackages.addIncompatibleGroup(callerOf(req), idOf(req), groupId);
    return reply.status(204).send(null);
  });

  app.delete(`${EM}/accessPackages/:id/incompatibleGroups/:otherId/$ref`, {
    config: { auth: { catalog: 'package.write', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Remove an incompatible group link', params: PackageParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await services.accessPackages.removeIncompatibleGroup(callerOf(req), idOf(req), req.params.otherId);
    return reply.status(204).send(null);
  });
}
