// Who may read assignments.
import type { ReadRule } from '../odata/collection.js';
import { assignmentCatalogs, packagesIn, type ReadCtx } from './common.js';

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

