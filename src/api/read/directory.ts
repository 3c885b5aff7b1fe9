// Who may read directory objects: incompatible groups, and the subjects of requests and assignments.
import { canTenant } from '../../domain/authorization.js';
import type { ReadRule } from '../odata/collection.js';
import { FALSE, TRUE, type ReadCtx, type Where } from './common.js';
import { assignmentRule } from './assignments.js';
import { requestRule } from './requests.js';

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
  const narrow = (rule: ReadRule<unknown>): Where => (rule === 'all' ? TRUE : rule === 'none' || !rule.where ? FALSE : rule.where);
  return {
    where: (eb) => eb.or([
      eb('users.id', '=', p.userId),
      eb('users.id', 'in', eb.selectFrom('assignmentRequests').select('assignmentRequests.requestorId').where(narrow(requests))),
      eb('users.id', 'in', eb.selectFrom('assignmentRequests').select('assignmentRequests.targetId').where(narrow(requests))),
      eb('users.id', 'in', eb.selectFrom('assignments').select('assignments.targetId').where(narrow(assignments))),
    ]),
  };
}

