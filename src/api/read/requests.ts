// Who may read assignment requests.
import type { ReadRule } from '../odata/collection.js';
import { assignmentCatalogs, packagesIn, type ReadCtx } from './common.js';

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

