// Who may read assignment policies.
import { isInScope } from '../../domain/policy/scope.js';
import { policyFromRow } from '../../store/policy-rows.js';
import { callerFacts } from '../../services/subject-facts.js';
import type { AssignmentPoliciesTable } from '../../store/schema.js';
import type { AnyExpressionBuilder, ReadRule } from '../odata/collection.js';
import { packagesIn, readCatalogs, requestorCatalogs, type ReadCtx } from './common.js';

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

