import { sql, type Expression, type SqlBool } from 'kysely';
import { canTenant, catalogsWhere, type Principal } from '../../domain/authorization.js';
import { isInScope } from '../../domain/policy/scope.js';
import { policyFromRow } from '../../store/policy-rows.js';
import { callerFacts } from '../../services/subject-facts.js';
import type { Db } from '../../store/db.js';
import type { AssignmentPoliciesTable } from '../../store/schema.js';
import type { AnyExpressionBuilder, ReadRule } from '../odata/collection.js';

// Who may read what, one rule per entity of the entitlement management API. Each entity set's
// `readable` returns its rule; listCollection, shapeOne (get by id) and attachOne/attachMany ($expand)
// all apply it, so a navigation can never show an object that the object's own route refuses.
// A rule's `where` names the entity's table by its own name and reaches other tables only through
// subqueries, so it fits any query that selects the entity (with or without joins).

export interface ReadCtx {
  db: Db;
  principal: Principal;
}

type Where = (eb: AnyExpressionBuilder) => Expression<SqlBool>;

const FALSE: Where = () => sql<SqlBool>`1 = 0`;

/** A rule over the catalog column of the entity: catalogs where the principal holds `catalog.read`. */
function byCatalogs<Row>(allowed: 'all' | string[], where: (ids: string[]) => Where): ReadRule<Row> {
  if (allowed === 'all') return 'all';
  if (allowed.length === 0) return 'none';
  return { where: where(allowed) };
}

const readCatalogs = (p: Principal) => catalogsWhere(p, 'catalog.read');
const assignmentCatalogs = (p: Principal) => catalogsWhere(p, 'assignment.read');

/** The packages of catalogs in `ids` (a subquery). */
const packagesIn = (eb: AnyExpressionBuilder, ids: string[]) => eb.selectFrom('accessPackages').select('accessPackages.id').where('accessPackages.catalogId', 'in', ids);

/** Catalogs anyone signed in may browse as a requestor: published, and enabled for external users for a guest. */
function requestorCatalogs(eb: AnyExpressionBuilder, p: Principal) {
  let q = eb.selectFrom('catalogs').select('catalogs.id').where('catalogs.state', '=', 'published');
  if (p.userType.toLowerCase() === 'guest') q = q.where('catalogs.isExternallyVisible', '=', 1);
  return q;
}

/** Requests that concern the principal personally: as requestor, as target, or as an approver of one of its stages. */
const personalRequests = (eb: AnyExpressionBuilder, me: string) => eb.selectFrom('assignmentRequests').select('assignmentRequests.accessPackageId').where((e) => e.or([
  e('assignmentRequests.requestorId', '=', me),
  e('assignmentRequests.targetId', '=', me),
  e('assignmentRequests.id', 'in', e.selectFrom('approvalStageApprovers').select('approvalStageApprovers.requestId').where('approvalStageApprovers.approverId', '=', me)),
]));

export function catalogRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('catalogs.id', 'in', ids));
}

/**
 * Access packages: every package of a catalog the principal reads; any package (hidden or not) of a
 * catalog open to requestors, as My Access direct links need; and the package of any request or
 * assignment that concerns the principal (their history, their approvals).
 */
export function accessPackageRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  const p = ctx.principal;
  const readable = readCatalogs(p);
  if (readable === 'all') return 'all';
  return {
    where: (eb) => eb.or([
      ...(readable.length ? [eb('accessPackages.catalogId', 'in', readable)] : []),
      eb('accessPackages.catalogId', 'in', requestorCatalogs(eb, p)),
      eb('accessPackages.id', 'in', personalRequests(eb, p.userId)),
      eb('accessPackages.id', 'in', eb.selectFrom('assignments').select('assignments.accessPackageId').where('assignments.targetId', '=', p.userId)),
    ]),
  };
}

export function resourceRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('resources.catalogId', 'in', ids));
}

const resourcesIn = (eb: AnyExpressionBuilder, ids: string[]) => eb.selectFrom('resources').select('resources.id').where('resources.catalogId', 'in', ids);

export function resourceRoleRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('resourceRoles.resourceId', 'in', resourcesIn(eb, ids)));
}

export function resourceScopeRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('resourceScopes.resourceId', 'in', resourcesIn(eb, ids)));
}

/** A package's resource roles are read with the catalog (as GET accessPackages/{id}/resourceRoleScopes). */
export function roleScopeRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('resourceRoleScopes.accessPackageId', 'in', packagesIn(eb, ids)));
}

export function resourceRequestRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('resourceRequests.catalogId', 'in', ids));
}

/**
 * Assignment policies: every policy of a catalog the principal reads; a policy the principal could
 * request under (enabled, its scope holds them, its catalog open to requestors); and the policy of a
 * request or assignment of their own.
 */
export function assignmentPolicyRule(ctx: ReadCtx): ReadRule<AssignmentPoliciesTable> {
  const p = ctx.principal;
  const readable = readCatalogs(p);
  if (readable === 'all') return 'all';
  const mine = (eb: AnyExpressionBuilder) => eb.or([
    eb('assignmentPolicies.id', 'in', eb.selectFrom('assignmentRequests').select('assignmentRequests.policyId')
      .where((e) => e.or([e('assignmentRequests.requestorId', '=', p.userId), e('assignmentRequests.targetId', '=', p.userId)]))),
    eb('assignmentPolicies.id', 'in', eb.selectFrom('assignments').select('assignments.policyId').where('assignments.targetId', '=', p.userId)),
  ]);
  return {
    where: (eb) => eb.or([
      ...(readable.length ? [eb('assignmentPolicies.accessPackageId', 'in', packagesIn(eb, readable))] : []),
      eb('assignmentPolicies.accessPackageId', 'in', eb.selectFrom('accessPackages').select('accessPackages.id').where('accessPackages.catalogId', 'in', requestorCatalogs(eb, p))),
      mine(eb),
    ]),
    // the audience of a policy is judged by the domain's isInScope, which SQL does not repeat
    keep: async (rows) => {
      if (rows.length === 0) return rows;
      const ids = rows.map((r) => r.id);
      const [inReadCatalog, own] = await Promise.all([
        readable.length
          ? ctx.db.selectFrom('assignmentPolicies').select('assignmentPolicies.id')
            .where('assignmentPolicies.id', 'in', ids).where((eb) => eb('assignmentPolicies.accessPackageId', 'in', packagesIn(eb, readable))).execute()
          : Promise.resolve([]),
        ctx.db.selectFrom('assignmentPolicies').select('assignmentPolicies.id').where('assignmentPolicies.id', 'in', ids).where(mine).execute(),
      ]);
      const sure = new Set([...inReadCatalog, ...own].map((r) => r.id));
      const open = rows.filter((r) => !sure.has(r.id));
      const facts = open.length ? await callerFacts(ctx.db, p) : undefined;
      return rows.filter((r) => {
        if (sure.has(r.id)) return true;
        const policy = policyFromRow(r);
        return policy.requestorSettings.acceptRequests && isInScope(policy, facts!);
      });
    },
  };
}

/** Requests: all in catalogs where the principal reads assignments, and those that concern them personally. */
export function requestRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  const p = ctx.principal;
  const catalogs = assignmentCatalogs(p);
  if (catalogs === 'all') return 'all';
  return {
    where: (eb) => eb.or([
      eb('assignmentRequests.requestorId', '=', p.userId),
      eb('assignmentRequests.targetId', '=', p.userId),
      eb('assignmentRequests.id', 'in', eb.selectFrom('approvalStageApprovers').select('approvalStageApprovers.requestId').where('approvalStageApprovers.approverId', '=', p.userId)),
      ...(catalogs.length ? [eb('assignmentRequests.accessPackageId', 'in', packagesIn(eb, catalogs))] : []),
    ]),
  };
}

/** Assignments: all in catalogs where the principal reads assignments, their own, and those they requested for someone. */
export function assignmentRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  const p = ctx.principal;
  const catalogs = assignmentCatalogs(p);
  if (catalogs === 'all') return 'all';
  return {
    where: (eb) => eb.or([
      eb('assignments.targetId', '=', p.userId),
      eb('assignments.id', 'in', eb.selectFrom('assignmentRequests').select('assignmentRequests.assignmentId')
        .where('assignmentRequests.requestorId', '=', p.userId).where('assignmentRequests.assignmentId', 'is not', null)),
      ...(catalogs.length ? [eb('assignments.accessPackageId', 'in', packagesIn(eb, catalogs))] : []),
    ]),
  };
}

/** Directory objects reached from entitlement management (incompatible groups): the directory's own rule. */
export function directoryRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return canTenant(ctx.principal, 'directory.read') ? 'all' : 'none';
}

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
  const narrow = (rule: ReadRule<unknown>): Where => (rule === 'all' ? () => sql<SqlBool>`1 = 1` : rule === 'none' || !rule.where ? FALSE : rule.where);
  return {
    where: (eb) => eb.or([
      eb('users.id', '=', p.userId),
      eb('users.id', 'in', eb.selectFrom('assignmentRequests').select('assignmentRequests.requestorId').where(narrow(requests))),
      eb('users.id', 'in', eb.selectFrom('assignmentRequests').select('assignmentRequests.targetId').where(narrow(requests))),
      eb('users.id', 'in', eb.selectFrom('assignments').select('assignments.targetId').where(narrow(assignments))),
    ]),
  };
}
