import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathParam, typed, validatedBody } from '../route-input.js';
import { canCatalog, catalogsWhere, type Principal } from '../../domain/authorization.js';
import { visibleToRequestor } from '../../domain/access-package.js';
import { ForbiddenError, ValidationError } from '../../domain/errors.js';
import { policyToGraph, requirementsOf } from '../../domain/policy/graph.js';
import { audienceKeys, selfServicePolicies } from '../../domain/policy/scope.js';
import { ALLOWED_TARGET_SCOPES, type Policy } from '../../domain/policy/types.js';
import { policyFromRow } from '../../store/policy-rows.js';
import type { AccessPackageRow } from '../../services/access-packages.js';
import type { CatalogRow } from '../../services/catalogs.js';
import type { Services } from '../../services/index.js';
import { callerFacts } from '../../services/subject-facts.js';
import type { Db } from '../../store/db.js';
import { packageRequestableBy } from '../../store/policy-audience.js';
import type { AssignmentPoliciesTable } from '../../store/schema.js';
import { checkIfMatch, setEtag } from '../etag.js';
import { pageIds as ids, assertReadable, attachMany, attachOne, listCollection, shapeOne, type EntitySet, type GraphObject } from '../odata/collection.js';
import { Body, CollectionOf, EnumString, GraphObjectSchema, IdParams, Nullable, Ref } from '../schemas.js';
import { callerOf } from '../security.js';
import { accessPackageSet } from './access-packages.js';
import { catalogSet, type GraphCtx } from './catalogs.js';
import { assignmentPolicyRule } from '../read/policies.js';
import { EM } from './paths.js';
import { whereCatalogIn } from './scope.js';

// Assignment policies (who may request a package, approval, questions, expiration), plus the two
// requestor-side functions that depend on them: getApplicablePolicyRequirements and
// accessPackages/filterByCurrentUser(on='allowedRequestor').
//
// Update verbs: PUT replaces the whole policy (Graph's documented verb) and PATCH replaces only the
// properties sent; both answer 200 with the policy as stored, so a client sees defaults and question ids.


const policyRowToGraph = (r: AssignmentPoliciesTable): GraphObject => policyToGraph(policyFromRow(r)) as GraphObject;

export const assignmentPolicySet: EntitySet<AssignmentPoliciesTable, GraphCtx> = {
  entity: 'accessPackageAssignmentPolicy',
  fields: {
    id: { column: 'assignmentPolicies.id', type: 'guid' },
    displayName: { column: 'assignmentPolicies.displayName', type: 'string' },
    description: { column: 'assignmentPolicies.description', type: 'string' },
    allowedTargetScope: { column: 'assignmentPolicies.allowedTargetScope', type: 'enum', values: ALLOWED_TARGET_SCOPES },
    'accessPackage/id': { column: 'assignmentPolicies.accessPackageId', type: 'guid' },
    createdDateTime: { column: 'assignmentPolicies.createdAt', type: 'datetime' },
    modifiedDateTime: { column: 'assignmentPolicies.modifiedAt', type: 'datetime' },
  },
  properties: [
    'id', 'displayName', 'description', 'allowedTargetScope', 'specificAllowedTargets', 'expiration', 'requestorSettings',
    'requestApprovalSettings', 'notificationSettings', 'reviewSettings', 'automaticRequestSettings', 'createdDateTime', 'modifiedDateTime',
  ],
  navigation: {
    accessPackage: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('assignmentPolicies').innerJoin('accessPackages', 'accessPackages.id', 'assignmentPolicies.accessPackageId')
        .selectAll('accessPackages').select('assignmentPolicies.id as ownerId').where('assignmentPolicies.id', 'in', ids(items));
      await attachOne<AccessPackageRow, GraphCtx>(items, item, ctx, accessPackageSet, rows);
    },
    catalog: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('assignmentPolicies').innerJoin('accessPackages', 'accessPackages.id', 'assignmentPolicies.accessPackageId')
        .innerJoin('catalogs', 'catalogs.id', 'accessPackages.catalogId')
        .selectAll('catalogs').select('assignmentPolicies.id as ownerId').where('assignmentPolicies.id', 'in', ids(items));
      await attachOne<CatalogRow, GraphCtx>(items, item, ctx, catalogSet, rows);
    },
    // every policy object already carries its questions (read from the same row): nothing to load
    questions: async () => {},
  },
  defaultOrder: 'displayName',
  idColumn: 'assignmentPolicies.id',
  toGraph: policyRowToGraph,
  readable: assignmentPolicyRule,
};

const PolicySchema = GraphObjectSchema('accessPackageAssignmentPolicy', {
  displayName: Type.String(),
  description: Nullable(Type.String()),
  allowedTargetScope: Type.String(),
  createdDateTime: Type.String(),
  modifiedDateTime: Type.String(),
});
const RequirementsSchema = Type.Object({}, { additionalProperties: true, description: 'accessPackageAssignmentRequestRequirements' });
const PackageSchema = GraphObjectSchema('accessPackage');

// Nested settings are validated in src/domain/policy.ts, which names the exact field of any error.
const Settings = (description: string) => Type.Optional(Type.Unknown({ description }));
const PolicyBody = Body({
  displayName: Type.Optional(Type.String({ maxLength: 256 })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
  allowedTargetScope: Type.Optional(EnumString(ALLOWED_TARGET_SCOPES, 'who can request')),
  specificAllowedTargets: Settings('subjectSet[]: singleUser, groupMembers or connectedOrganizationMembers'),
  expiration: Settings('expirationPattern {type, endDateTime, duration}'),
  requestorSettings: Settings('accessPackageAssignmentRequestorSettings (plus acceptRequests: false disables the policy)'),
  requestApprovalSettings: Settings('accessPackageAssignmentApprovalSettings; stages may carry approvalsRequired (default 1)'),
  questions: Settings('accessPackageQuestion[]'),
  notificationSettings: Settings('{ isAssignmentNotificationDisabled }'),
  reviewSettings: Settings('accessPackageAssignmentReviewSettings (stored)'),
  automaticRequestSettings: Settings('auto-assignment is not supported'),
  customExtensionStageSettings: Settings('custom extensions are not supported: empty array only'),
  accessPackage: Type.Optional(Ref),
  /** the beta API named the package this way; still sent by older scripts */
  accessPackageId: Type.Optional(Type.String({ maxLength: 200 })),
  catalog: Type.Optional(Type.Unknown({ description: 'read-only; ignored' })),
});

const policyLink = (id: string) => `${EM}/assignmentPolicies/${id}`;

/**
 * Whether a signed-in person may see a package as a requestor: catalog published (and, for a guest,
 * enabled for external users); hidden packages count only through a direct link.
 */
async function requestorCanSee(db: Db, p: Principal, pkg: AccessPackageRow, direct: boolean): Promise<boolean> {
  const catalog = await db.selectFrom('catalogs').selectAll().where('id', '=', pkg.catalogId).executeTakeFirst();
  if (!catalog) return false;
  return visibleToRequestor({ isHidden: !!pkg.isHidden, catalogState: catalog.state, catalogIsExternallyVisible: !!catalog.isExternallyVisible }, p.userType, direct);
}

export function registerAssignmentPolicyRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  // the full policy objects for accessPackages?$expand=assignmentPolicies
  accessPackageSet.navigation.assignmentPolicies = async (items, item, ctx) => {
    const rows = ctx.db.selectFrom('assignmentPolicies').selectAll('assignmentPolicies').select('assignmentPolicies.accessPackageId as ownerId')
      .where('assignmentPolicies.accessPackageId', 'in', ids(items)).orderBy('assignmentPolicies.displayName').orderBy('assignmentPolicies.id');
    await attachMany(items, item, ctx, assignmentPolicySet, rows);
  };

  const ctxOf = (req: FastifyRequest): GraphCtx => ({ db, principal: req.principal! });
  const idOf = (req: FastifyRequest) => pathParam(req, 'id');
  const catalogOfPackage = async (packageId: string) => (await services.accessPackages.get(packageId)).catalogId;
  const policyCatalog = async (req: FastifyRequest) => catalogOfPackage((await services.policies.get(idOf(req))).accessPackageId);
  const catalogOfCreateBody = async (req: FastifyRequest) => {
    const id = services.policies.packageIdOf(validatedBody(req, PolicyBody));
    if (!id) throw new ValidationError("'accessPackage' is required: { \"accessPackage\": { \"id\": \"…\" } } names the package the policy belongs to.", 'accessPackage.id');
    return catalogOfPackage(id);
  };
  const graphOf = (p: Policy) => policyToGraph(p) as GraphObject;

  app.get(`${EM}/assignmentPolicies`, {
    config: { auth: { authenticated: true } },
    schema: {
      tags: ['assignmentPolicies'],
      summary: 'List assignment policies of the catalogs the caller may read ($filter on accessPackage/id; $expand=accessPackage,catalog,questions)',
      response: { 200: CollectionOf(PolicySchema) },
    },
  }, async (req) => {
    const q = db.selectFrom('assignmentPolicies').innerJoin('accessPackages', 'accessPackages.id', 'assignmentPolicies.accessPackageId').selectAll('assignmentPolicies');
    return listCollection(assignmentPolicySet, whereCatalogIn(q, 'accessPackages.catalogId', catalogsWhere(req.principal!, 'catalog.read')), req, ctxOf(req));
  });

  app.post(`${EM}/assignmentPolicies`, {
    config: { auth: { catalog: 'package.write', of: catalogOfCreateBody } },
    schema: { tags: ['assignmentPolicies'], summary: 'Create an assignment policy for an access package', body: PolicyBody, response: { 201: PolicySchema } },
  }, async (req, reply) => {
    const policy = await services.policies.create(callerOf(req), req.body);
    const obj = graphOf(policy);
    setEtag(reply, obj);
    return reply.status(201).header('Location', policyLink(policy.id)).send(obj);
  });

  // Catalog readers see every policy of their catalogs; anyone signed in may also open a policy they
  // could request under (My Access shows the requirements of the policy a request uses), and the policy
  // of their own requests and assignments: the policy read rule (applied by shapeOne) decides.
  app.get(`${EM}/assignmentPolicies/:id`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['assignmentPolicies'], summary: 'Get an assignment policy (questions included)', params: IdParams, response: { 200: PolicySchema } },
  }, async (req, reply) => {
    const policy = await services.policies.get(idOf(req));
    const row = await db.selectFrom('assignmentPolicies').selectAll().where('id', '=', policy.id).executeTakeFirstOrThrow();
    setEtag(reply, graphOf(policy));
    return shapeOne(assignmentPolicySet, row, req, ctxOf(req));
  });

  app.get(`${EM}/assignmentPolicies/:id/questions`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['assignmentPolicies'], summary: "The questions of a policy (readable by whoever may read the policy)", params: IdParams, response: { 200: Type.Object({ value: Type.Array(Type.Unknown()) }, { additionalProperties: true }) } },
  }, async (req) => {
    const policy = await services.policies.get(idOf(req));
    const row = await db.selectFrom('assignmentPolicies').selectAll().where('id', '=', policy.id).executeTakeFirstOrThrow();
    await assertReadable(assignmentPolicySet, row, ctxOf(req));
    return { value: (graphOf(policy).questions as unknown[] | undefined) ?? [] };
  });

  app.put(`${EM}/assignmentPolicies/:id`, {
    config: { auth: { catalog: 'package.write', of: policyCatalog } },
    schema: { tags: ['assignmentPolicies'], summary: 'Replace an assignment policy (the whole object; If-Match supported)', params: IdParams, body: PolicyBody, response: { 200: PolicySchema } },
  }, async (req, reply) => {
    const policy = await services.policies.replace(callerOf(req), idOf(req), req.body, (cur) => checkIfMatch(req, graphOf(cur)));
    const obj = graphOf(policy);
    setEtag(reply, obj);
    return reply.status(200).send(obj);
  });

  app.patch(`${EM}/assignmentPolicies/:id`, {
    config: { auth: { catalog: 'package.write', of: policyCatalog } },
    schema: { tags: ['assignmentPolicies'], summary: 'Update the properties sent of an assignment policy (If-Match supported); returns the policy', params: IdParams, body: PolicyBody, response: { 200: PolicySchema } },
  }, async (req, reply) => {
    const policy = await services.policies.update(callerOf(req), idOf(req), req.body, (cur) => checkIfMatch(req, graphOf(cur)));
    const obj = graphOf(policy);
    setEtag(reply, obj);
    return reply.status(200).send(obj);
  });

  app.delete(`${EM}/assignmentPolicies/:id`, {
    config: { auth: { catalog: 'package.write', of: policyCatalog } },
    schema: { tags: ['assignmentPolicies'], summary: 'Delete an assignment policy with no live assignments or open requests', params: IdParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await services.policies.delete(callerOf(req), idOf(req), (cur) => checkIfMatch(req, graphOf(cur)));
    return reply.status(204).send(null);
  });

  // the policies of one package: catalog.read in its catalog, as GET assignmentPolicies lists them
  app.get(`${EM}/accessPackages/:id/assignmentPolicies`, {
    config: { auth: { catalog: 'catalog.read', of: async (req) => catalogOfPackage(idOf(req)) } },
    schema: { tags: ['accessPackages'], summary: 'List the assignment policies of an access package', params: IdParams, response: { 200: CollectionOf(PolicySchema) } },
  }, async (req) => {
    const pkg = await services.accessPackages.get(idOf(req));
    return listCollection(assignmentPolicySet, db.selectFrom('assignmentPolicies').selectAll('assignmentPolicies').where('assignmentPolicies.accessPackageId', '=', pkg.id), req, ctxOf(req));
  });

  // ---- requestor functions

  app.post(`${EM}/accessPackages/:id/getApplicablePolicyRequirements`, {
    config: { auth: { authenticated: true } },
    schema: {
      tags: ['accessPackages'],
      summary: 'The requirements of each policy under which the caller may request this package (empty when none)',
      params: IdParams, response: { 200: Type.Object({ value: Type.Array(RequirementsSchema) }, { additionalProperties: true }) },
    },
  }, async (req) => {
    const p = req.principal!;
    const pkg = await services.accessPackages.get(idOf(req));
    // a package the caller cannot see as a requestor has nothing they can request (direct links included)
    if (!(await requestorCanSee(db, p, pkg, true))) {
      if (!canCatalog(p, 'catalog.read', pkg.catalogId)) throw new ForbiddenError(`This needs the 'catalog.read' permission in catalog '${pkg.catalogId}'.`);
      return { value: [] };
    }
    const facts = await callerFacts(db, p);
    const policies = selfServicePolicies(await services.policies.listForPackage(pkg.id), facts, 'add');
    return { value: policies.map(requirementsOf) };
  });

  // Fastify matches this literal path exactly (parentheses and quotes are not pattern syntax outside a
  // parameter); static routes take precedence over accessPackages/:id.
  app.get(`${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')`, {
    config: { auth: { authenticated: true } },
    schema: {
      tags: ['accessPackages'],
      summary: 'Access packages the caller may request: published catalog (external-enabled for guests), not hidden, and an enabled policy whose scope includes the caller',
      response: { 200: CollectionOf(PackageSchema) },
    },
  }, async (req) => {
    const p = req.principal!;
    const guest = p.userType.toLowerCase() === 'guest';
    // one indexed query: packages of published catalogs (external-enabled for guests), not hidden, with a
    // policy whose self-add audience holds the caller, the caller's groups or organization (migration 0005)
    const keys = audienceKeys(await callerFacts(db, p));
    let catalogs = db.selectFrom('catalogs').select('catalogs.id').where('catalogs.state', '=', 'published');
    if (guest) catalogs = catalogs.where('catalogs.isExternallyVisible', '=', 1);
    const base = db.selectFrom('accessPackages').selectAll('accessPackages')
      .where('accessPackages.isHidden', '=', 0)
      .where('accessPackages.catalogId', 'in', catalogs)
      .where(packageRequestableBy('access_packages.id', keys));
    return listCollection(accessPackageSet, base, req, ctxOf(req));
  });
}
