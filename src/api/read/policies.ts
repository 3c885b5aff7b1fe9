// Assignment policies as the API reads them: who may read which, the entity set with its expansions,
// and the queries of the routes that read policies.
import { catalogsWhere, type Principal } from '../../domain/authorization.js';
import { policyToGraph } from '../../domain/policy/graph.js';
import { isInScope } from '../../domain/policy/scope.js';
import { ALLOWED_TARGET_SCOPES } from '../../domain/policy/types.js';
import type { AccessPackageRow } from '../../services/access-packages.js';
import type { CatalogRow } from '../../services/catalogs.js';
import { callerFacts } from '../../services/subject-facts.js';
import type { Db } from '../../store/db.js';
import { findPolicyRow } from '../../store/policies.js';
import { policyFromRow } from '../../store/policy-rows.js';
import type { AssignmentPoliciesTable } from '../../store/schema.js';
import { attachOne, pageIds as ids, type AnyExpressionBuilder, type EntitySet, type GraphObject, type ReadRule } from '../odata/collection.js';
import { accessPackageSet } from './access-packages.js';
import { catalogSet } from './catalogs.js';
import { packagesIn, readCatalogs, requestorCatalogs, whereCatalogIn, type ReadCtx } from './common.js';

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


const policyRowToGraph = (r: AssignmentPoliciesTable): GraphObject => policyToGraph(policyFromRow(r)) as GraphObject;

export const assignmentPolicySet: EntitySet<AssignmentPoliciesTable, ReadCtx> = {
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
      await attachOne<AccessPackageRow, ReadCtx>(items, item, ctx, accessPackageSet, rows);
    },
    catalog: async (items, item, ctx) => {
      const rows = ctx.db.selectFrom('assignmentPolicies').innerJoin('accessPackages', 'accessPackages.id', 'assignmentPolicies.accessPackageId')
        .innerJoin('catalogs', 'catalogs.id', 'accessPackages.catalogId')
        .selectAll('catalogs').select('assignmentPolicies.id as ownerId').where('assignmentPolicies.id', 'in', ids(items));
      await attachOne<CatalogRow, ReadCtx>(items, item, ctx, catalogSet, rows);
    },
    // every policy object already carries its questions (read from the same row): nothing to load
    questions: async () => {},
  },
  defaultOrder: 'displayName',
  idColumn: 'assignmentPolicies.id',
  toGraph: policyRowToGraph,
  readable: assignmentPolicyRule,
};

// ---- the queries of the routes

/** GET assignmentPolicies: the policies of the packages of the catalogs the principal reads. */
export function policiesReadBy(db: Db, p: Principal) {
  const q = db.selectFrom('assignmentPolicies').innerJoin('accessPackages', 'accessPackages.id', 'assignmentPolicies.accessPackageId').selectAll('assignmentPolicies');
  return whereCatalogIn(q, 'accessPackages.catalogId', catalogsWhere(p, 'catalog.read'));
}

export const policiesOfPackage = (db: Db, packageId: string) =>
  db.selectFrom('assignmentPolicies').selectAll('assignmentPolicies').where('assignmentPolicies.accessPackageId', '=', packageId);

/** The stored row of a policy the caller has already loaded (shapeOne and the read rule work on rows). */
export async function policyRow(db: Db, id: string): Promise<AssignmentPoliciesTable> {
  const row = await findPolicyRow(db, id);
  if (!row) throw new Error(`assignment policy ${id} vanished while it was read`);
  return row;
}
