import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathParam, typed, validatedBody } from '../route-input.js';
import { canCatalog } from '../../domain/authorization.js';
import { ForbiddenError, ValidationError } from '../../domain/errors.js';
import { policyToGraph, requirementsOf } from '../../domain/policy/graph.js';
import { audienceKeys, selfServicePolicies } from '../../domain/policy/scope.js';
import { ALLOWED_TARGET_SCOPES, type Policy } from '../../domain/policy/types.js';
import type { Services } from '../../services/index.js';
import { callerFacts } from '../../services/subject-facts.js';
import type { Db } from '../../store/db.js';
import { checkIfMatch, setEtag } from '../etag.js';
import { assertReadable, listCollection, shapeOne, type GraphObject } from '../odata/collection.js';
import { ODataQuery } from '../odata/query-options.js';
import { accessPackageSet, packagesRequestableBy, requestorCanSee } from '../read/access-packages.js';
import { assignmentPolicySet, policiesOfPackage, policiesReadBy, policyRow } from '../read/policies.js';
import { Body, CollectionOf, EnumString, GraphObjectSchema, IdParams, Nullable, Ref } from '../schemas.js';
import { callerOf } from '../security.js';
import type { GraphCtx } from './catalogs.js';
import { EM } from './paths.js';

// Assignment policies (who may request a package, approval, questions, expiration), plus the two
// requestor-side functions that depend on them: getApplicablePolicyRequirements and
// accessPackages/filterByCurrentUser(on='allowedRequestor').
//
// Update verbs: PUT replaces the whole policy (Graph's documented verb) and PATCH replaces only the
// properties sent; both answer 200 with the policy as stored, so a client sees defaults and question ids.


const PolicySchema = GraphObjectSchema('accessPackageAssignmentPolicy', {
  displayName: Type.String(),
  description: Nullable(Type.String()),
  allowedTargetScope: Type.String(),
  createdDateTime: Type.String(),
  modifiedDateTime: Type.String(),
});
const RequirementsSchema = Type.Object({}, { additionalProperties: true, description: 'accessPackageAssignmentRequestRequirements' });
const PackageSchema = GraphObjectSchema('accessPackage');

// Nested settings are validated in src/domain/policy/validate.ts, which names the exact field of any error.
const Settings = (description: string) => Type.Optional(Type.Unknown({ description }));
const PolicyBody = Body({
  displayName: Type.Optional(Type.String({ maxLength: 256 })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
  allowedTargetScope: Type.Optional(EnumString(ALLOWED_TARGET_SCOPES, 'who can request')),
  specificAllowedTargets: Settings('subjectSet[]: singleUser, groupMembers or connectedOrganizationMembers; an auto-assignment policy has one attributeRuleMembers { membershipRule }'),
  expiration: Settings('expirationPattern {type, endDateTime, duration}'),
  requestorSettings: Settings('accessPackageAssignmentRequestorSettings (plus acceptRequests: false disables the policy)'),
  requestApprovalSettings: Settings('accessPackageAssignmentApprovalSettings; stages may carry approvalsRequired (default 1)'),
  questions: Settings('accessPackageQuestion[]'),
  notificationSettings: Settings('{ isAssignmentNotificationDisabled }'),
  reviewSettings: Settings('accessPackageAssignmentReviewSettings (stored)'),
  automaticRequestSettings: Settings('auto-assignment: { requestAccessForAllowedTargets, removeAccessWhenTargetLeavesAllowedTargets (default true), gracePeriodBeforeAccessRemoval (ISO-8601, default none) }'),
  scopeLossSettings: Settings('Latchkey: when a holder leaves the policy\'s scope, { removeAccess (default true), gracePeriodBeforeAccessRemoval (default P7D) }; removeAccess false keeps the access'),
  customExtensionStageSettings: Settings('custom extensions are not supported: empty array only'),
  accessPackage: Type.Optional(Ref),
  /** the beta API named the package this way; still sent by older scripts */
  accessPackageId: Type.Optional(Type.String({ maxLength: 200 })),
  catalog: Type.Optional(Type.Unknown({ description: 'read-only; ignored' })),
});

const policyLink = (id: string) => `${EM}/assignmentPolicies/${id}`;

export function registerAssignmentPolicyRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
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
      querystring: ODataQuery,
      response: { 200: CollectionOf(PolicySchema) },
    },
  }, async (req) => listCollection(assignmentPolicySet, policiesReadBy(db, req.principal!), req, ctxOf(req)));

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
    schema: { tags: ['assignmentPolicies'], summary: 'Get an assignment policy (questions included)', params: IdParams, querystring: ODataQuery, response: { 200: PolicySchema } },
  }, async (req, reply) => {
    const policy = await services.policies.get(idOf(req));
    const row = await policyRow(db, policy.id);
    setEtag(reply, graphOf(policy));
    return shapeOne(assignmentPolicySet, row, req, ctxOf(req));
  });

  app.get(`${EM}/assignmentPolicies/:id/questions`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['assignmentPolicies'], summary: "The questions of a policy (readable by whoever may read the policy)", params: IdParams, response: { 200: Type.Object({ value: Type.Array(Type.Unknown()) }, { additionalProperties: true }) } },
  }, async (req) => {
    const policy = await services.policies.get(idOf(req));
    const row = await policyRow(db, policy.id);
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
    schema: { tags: ['accessPackages'], summary: 'List the assignment policies of an access package', params: IdParams, querystring: ODataQuery, response: { 200: CollectionOf(PolicySchema) } },
  }, async (req) => {
    const pkg = await services.accessPackages.get(idOf(req));
    return listCollection(assignmentPolicySet, policiesOfPackage(db, pkg.id), req, ctxOf(req));
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
      querystring: ODataQuery,
      response: { 200: CollectionOf(PackageSchema) },
    },
  }, async (req) => {
    const p = req.principal!;
    const keys = audienceKeys(await callerFacts(db, p));
    return listCollection(accessPackageSet, packagesRequestableBy(db, p, keys), req, ctxOf(req));
  });
}
