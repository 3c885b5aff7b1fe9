import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathParam, typed, validatedBody } from '../route-input.js';
import { canCatalog, catalogsWhere, isAdministrator, type Principal } from '../../domain/authorization.js';
import { PACKAGE_DESCRIPTION_MAX, PACKAGE_DISPLAY_NAME_MAX, idFromODataRef } from '../../domain/access-package.js';
import { ForbiddenError, ValidationError } from '../../domain/errors.js';
import type { AccessPackageRow, ResourceRoleScopeRow } from '../../services/access-packages.js';
import type { CatalogRow } from '../../services/catalogs.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import type { AssignmentPoliciesTable } from '../../store/schema.js';
import { checkIfMatch, setEtag } from '../etag.js';
import { pageIds as ids, attachOne, attachMany, listCollection, shapeOne, type EntitySet, type GraphObject } from '../odata/collection.js';
import { Body, CollectionOf, GraphObjectSchema, IdParams, Nullable, Ref } from '../schemas.js';
import { callerOf } from '../security.js';
import { catalogSet, type GraphCtx } from './catalogs.js';
import { groupObjectSet, type GroupView } from '../read/groups.js';
import { EM, V1 } from './paths.js';
import { whereCatalogIn } from './scope.js';
import { resourceRoleSet, resourceScopeSet, resourceToGraph, roleToGraph, scopeToGraph } from './resources.js';
import { accessPackageRule, roleScopeRule } from '../read/access-packages.js';
import { assignmentPolicyRule } from '../read/policies.js';
import { directoryRule } from '../read/directory.js';

// Access packages, their resource role scopes and their incompatibility links.


export function accessPackageToGraph(r: AccessPackageRow): GraphObject {
  return {
    id: r.id,
    displayName: r.displayName,
    description: r.description,
    isHidden: !!r.isHidden,
    createdDateTime: r.createdAt,
    modifiedDateTime: r.modifiedAt,
  };
}

function roleScopeToGraph(r: ResourceRoleScopeRow): GraphObject {
  return { id: r.id, createdDateTime: r.createdAt };
}

/** Only what a policy summary needs here; the policy module owns the full object. */
function policySummaryToGraph(p: AssignmentPoliciesTable): GraphObject {
  return {
    id: p.id, displayName: p.displayName, description: p.description, allowedTargetScope: p.allowedTargetScope,
    createdDateTime: p.createdAt, modifiedDateTime: p.modifiedAt,
  };
}

export const roleScopeSet: EntitySet<ResourceRoleScopeRow, GraphCtx> = {
  entity: 'accessPackageResourceRoleScope',
  fields: {
    id: { column: 'resourceRoleScopes.id', type: 'string' },
    createdDateTime: { column: 'resourceRoleScopes.createdAt', type: 'datetime' },
    'role/id': { column: 'resourceRoleScopes.roleId', type: 'guid' },
    'scope/id': { column: 'resourceRoleScopes.scopeId', type: 'guid' },
  },
  properties: ['id', 'createdDateTime'],
  navigation: {
    // a role scope id is `${roleId}_${scopeId}`, the same role and scope in every package that has it
    role: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceRoleScopes').innerJoin('resourceRoles', 'resourceRoles.id', 'resourceRoleScopes.roleId')
        .selectAll('resourceRoles').select('resourceRoleScopes.id as ownerId').where('resourceRoleScopes.id', 'in', ids(items));
      await attachOne(items, item, ctx, resourceRoleSet, rows);
    },
    scope: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceRoleScopes').innerJoin('resourceScopes', 'resourceScopes.id', 'resourceRoleScopes.scopeId')
        .selectAll('resourceScopes').select('resourceRoleScopes.id as ownerId').where('resourceRoleScopes.id', 'in', ids(items));
      await attachOne(items, item, ctx, resourceScopeSet, rows);
    },
  },
  defaultOrder: 'createdDateTime',
  idColumn: 'resourceRoleScopes.id',
  toGraph: roleScopeToGraph,
  readable: roleScopeRule,
};

const policySummarySet: EntitySet<AssignmentPoliciesTable, GraphCtx> = {
  entity: 'accessPackageAssignmentPolicy',
  fields: {},
  properties: ['id', 'displayName', 'description', 'allowedTargetScope', 'createdDateTime', 'modifiedDateTime'],
  navigation: {},
  defaultOrder: 'displayName',
  idColumn: 'assignmentPolicies.id',
  toGraph: policySummaryToGraph,
  readable: assignmentPolicyRule,
};

/** Incompatible groups are directory objects: shown to those who may read the directory. */
const incompatibleGroupSet: EntitySet<GroupView, GraphCtx> = { ...groupObjectSet, readable: directoryRule };

export const accessPackageSet: EntitySet<AccessPackageRow, GraphCtx> = {
  entity: 'accessPackage',
  fields: {
    id: { column: 'accessPackages.id', type: 'guid' },
    displayName: { column: 'accessPackages.displayName', type: 'string' },
    description: { column: 'accessPackages.description', type: 'string' },
    isHidden: { column: 'accessPackages.isHidden', type: 'boolean' },
    'catalog/id': { column: 'accessPackages.catalogId', type: 'guid' },
    createdDateTime: { column: 'accessPackages.createdAt', type: 'datetime' },
    modifiedDateTime: { column: 'accessPackages.modifiedAt', type: 'datetime' },
  },
  properties: ['id', 'displayName', 'description', 'isHidden', 'createdDateTime', 'modifiedDateTime'],
  navigation: {
    catalog: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('accessPackages').innerJoin('catalogs', 'catalogs.id', 'accessPackages.catalogId')
        .selectAll('catalogs').select('accessPackages.id as ownerId').where('accessPackages.id', 'in', ids(items));
      await attachOne<CatalogRow, GraphCtx>(items, item, ctx, catalogSet, rows);
    },
    resourceRoleScopes: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('resourceRoleScopes').selectAll('resourceRoleScopes').select('resourceRoleScopes.accessPackageId as ownerId')
        .where('resourceRoleScopes.accessPackageId', 'in', ids(items)).orderBy('resourceRoleScopes.createdAt').orderBy('resourceRoleScopes.id');
      await attachMany(items, item, ctx, roleScopeSet, rows);
    },
    incompatibleAccessPackages: async (items, item, ctx) => {
      const q = ctx.db.selectFrom('incompatibleAccessPackages')
        .innerJoin('accessPackages', 'accessPackages.id', 'incompatibleAccessPackages.incompatibleAccessPackageId')
        .selectAll('accessPackages').select('incompatibleAccessPackages.accessPackageId as ownerId')
        .where('incompatibleAccessPackages.accessPackageId', 'in', ids(items)).orderBy('accessPackages.displayName');
      // a link may point into a catalog the caller cannot read: as GET …/incompatibleAccessPackages, such
      // packages stay invisible even when the package rule would let the caller open them by their link
      const rows = whereCatalogIn(q, 'accessPackages.catalogId', catalogsWhere(ctx.principal, 'catalog.read'));
      await attachMany(items, item, ctx, accessPackageSet, rows);
    },
    accessPackagesIncompatibleWith: async (items, item, ctx) => {
      const q = ctx.db.selectFrom('incompatibleAccessPackages')
        .innerJoin('accessPackages', 'accessPackages.id', 'incompatibleAccessPackages.accessPackageId')
        .selectAll('accessPackages').select('incompatibleAccessPackages.incompatibleAccessPackageId as ownerId')
        .where('incompatibleAccessPackages.incompatibleAccessPackageId', 'in', ids(items)).orderBy('accessPackages.displayName');
      const rows = whereCatalogIn(q, 'accessPackages.catalogId', catalogsWhere(ctx.principal, 'catalog.read'));
      await attachMany(items, item, ctx, accessPackageSet, rows);
    },
    incompatibleGroups: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('incompatibleGroups').innerJoin('groups', 'groups.id', 'incompatibleGroups.groupId')
        .selectAll('groups').select('incompatibleGroups.accessPackageId as ownerId')
        .where('incompatibleGroups.accessPackageId', 'in', ids(items)).orderBy('groups.displayName');
      await attachMany(items, item, ctx, incompatibleGroupSet, rows);
    },
    assignmentPolicies: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('assignmentPolicies').selectAll('assignmentPolicies').select('assignmentPolicies.accessPackageId as ownerId')
        .where('assignmentPolicies.accessPackageId', 'in', ids(items)).orderBy('assignmentPolicies.displayName');
      await attachMany(items, item, ctx, policySummarySet, rows);
    },
  },
  defaultOrder: 'displayName',
  idColumn: 'accessPackages.id',
  toGraph: accessPackageToGraph,
  readable: accessPackageRule,
};

const PackageSchema = GraphObjectSchema('accessPackage', {
  displayName: Type.String(),
  description: Nullable(Type.String()),
  isHidden: Type.Boolean(),
  createdDateTime: Type.String(),
  modifiedDateTime: Type.String(),
});
const RoleScopeSchema = GraphObjectSchema('accessPackageResourceRoleScope', { createdDateTime: Type.String() });
const GroupSchema = GraphObjectSchema('group');

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

const ODataRefBody = Type.Object(
  { '@odata.id': Type.String({ minLength: 1, maxLength: 2048, description: 'URL of the object to link, e.g. https://graph.microsoft.com/v1.0/…/accessPackages/{id}' }) },
  { additionalProperties: false, patternProperties: { '^@odata\\.': {} } },
);

const PackageParams = Type.Object({ id: Type.String({ maxLength: 200 }), otherId: Type.String({ maxLength: 200 }) });
const RoleScopeParams = Type.Object({ id: Type.String({ maxLength: 200 }), rrsId: Type.String({ maxLength: 420 }) });

/**
 * The list filter for a person: packages of catalogs where they hold a role, plus what any signed-in
 * person may browse (the SQL form of visibleToRequestor with direct=false).
 */
function visiblePackages(db: Db, p: Principal) {
  const base = db.selectFrom('accessPackages').innerJoin('catalogs', 'catalogs.id', 'accessPackages.catalogId').selectAll('accessPackages');
  const readable = catalogsWhere(p, 'catalog.read');
  if (readable === 'all') return base;
  const guest = p.userType.toLowerCase() === 'guest';
  return base.where((eb) => {
    const browse = [eb('accessPackages.isHidden', '=', 0), eb('catalogs.state', '=', 'published')];
    if (guest) browse.push(eb('catalogs.isExternallyVisible', '=', 1));
    const any = [eb.and(browse)];
    if (readable.length > 0) any.push(eb('accessPackages.catalogId', 'in', readable));
    return eb.or(any);
  });
}

export function registerAccessPackageRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  catalogSet.navigation.accessPackages = async (items, item, ctx) => {
    const rows = ctx.db.selectFrom('accessPackages').selectAll('accessPackages').select('accessPackages.catalogId as ownerId')
      .where('accessPackages.catalogId', 'in', ids(items)).orderBy('accessPackages.displayName').orderBy('accessPackages.id');
    await attachMany(items, item, ctx, accessPackageSet, rows);
  };

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
      response: { 200: CollectionOf(PackageSchema) },
    },
  }, async (req) => listCollection(accessPackageSet, visiblePackages(db, req.principal!), req, ctxOf(req)));

  app.get(`${EM}/catalogs/:id/accessPackages`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfParam } },
    schema: { tags: ['accessPackages'], summary: 'List the access packages of a catalog', params: IdParams, response: { 200: CollectionOf(PackageSchema) } },
  }, async (req) => {
    const catalogId = await catalogOfParam(req);
    return listCollection(accessPackageSet, db.selectFrom('accessPackages').selectAll('accessPackages').where('accessPackages.catalogId', '=', catalogId), req, ctxOf(req));
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
    schema: { tags: ['accessPackages'], summary: 'Get an access package', params: IdParams, response: { 200: PackageSchema } },
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
    schema: { tags: ['accessPackages'], summary: "List a package's resource roles ($expand=role,scope)", params: IdParams, response: { 200: CollectionOf(RoleScopeSchema) } },
  }, async (req) => {
    const pkg = await services.accessPackages.get(idOf(req));
    return listCollection(roleScopeSet, db.selectFrom('resourceRoleScopes').selectAll('resourceRoleScopes').where('resourceRoleScopes.accessPackageId', '=', pkg.id), req, ctxOf(req));
  });

  // tenant-wide: the resource roles of every package the caller may read them of (catalog.read; the rule narrows the list)
  app.get(`${EM}/resourceRoleScopes`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['accessPackages'], summary: 'List the resource role scopes of the packages of the catalogs the caller may read ($expand=role,scope)', response: { 200: CollectionOf(RoleScopeSchema) } },
  }, async (req) => listCollection(roleScopeSet, db.selectFrom('resourceRoleScopes').selectAll('resourceRoleScopes'), req, ctxOf(req)));

  app.get(`${EM}/accessPackages/:id/resourceRoleScopes/:rrsId`, {
    config: { auth: { catalog: 'catalog.read', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Get a resource role scope of a package', params: RoleScopeParams, response: { 200: RoleScopeSchema } },
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

  // ---- incompatibility (separation of duties)

  const listPackages = (req: FastifyRequest, column: 'incompatibleAccessPackageId' | 'accessPackageId', by: 'accessPackageId' | 'incompatibleAccessPackageId', id: string) =>
    listCollection(
      accessPackageSet,
      // only packages in catalogs the caller may read: a link may cross into another catalog
      whereCatalogIn(
        db.selectFrom('accessPackages').selectAll('accessPackages')
          .where('accessPackages.id', 'in', db.selectFrom('incompatibleAccessPackages').select(column).where(by, '=', id)),
        'accessPackages.catalogId',
        catalogsWhere(req.principal!, 'catalog.read'),
      ),
      req, ctxOf(req),
    );

  app.get(`${EM}/accessPackages/:id/incompatibleAccessPackages`, {
    config: { auth: { catalog: 'catalog.read', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Packages whose holders cannot get this one', params: IdParams, response: { 200: CollectionOf(PackageSchema) } },
  }, async (req) => listPackages(req, 'incompatibleAccessPackageId', 'accessPackageId', (await services.accessPackages.get(idOf(req))).id));

  app.get(`${EM}/accessPackages/:id/accessPackagesIncompatibleWith`, {
    config: { auth: { catalog: 'catalog.read', of: packageCatalog } },
    schema: { tags: ['accessPackages'], summary: 'Packages that list this one as incompatible (reverse links)', params: IdParams, response: { 200: CollectionOf(PackageSchema) } },
  }, async (req) => listPackages(req, 'accessPackageId', 'incompatibleAccessPackageId', (await services.accessPackages.get(idOf(req))).id));

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
    schema: { tags: ['accessPackages'], summary: 'Groups whose members cannot get this package', params: IdParams, response: { 200: CollectionOf(GroupSchema) } },
  }, async (req) => {
    const pkg = await services.accessPackages.get(idOf(req));
    const q = db.selectFrom('groups').selectAll('groups')
      .where('groups.id', 'in', db.selectFrom('incompatibleGroups').select('groupId').where('accessPackageId', '=', pkg.id));
    return listCollection(groupObjectSet, q, req, ctxOf(req));
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
