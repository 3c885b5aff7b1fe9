import { randomUUID } from 'node:crypto';
import { addDuration, parseDuration } from '../../src/domain/duration.js';
import { assignmentStatus, transitionRequest } from '../../src/domain/request-lifecycle.js';
import { parseGroupRoleOriginId } from '../../src/domain/resources.js';
import { marks, rowMarks, type FloorDb, type Sql } from './db.js';
import { audit, insertJobs, jobsDone, mail } from './records.js';

// What submit (no approval) and an approving decision share: the assignment starts (assignment, one pending
// grant per resource role, the fulfil job), and after that commit the delivery transaction records it (the
// group membership, the grants delivered, assignment and request delivered, audit, mail, job done). Two
// commits, as Latchkey needs: a grant may go to a remote system, called between them. The delivery reads its
// grants back as a worker must (the job, not the submitting process, may deliver). Only the built-in
// directory's Member roles are delivered (every bench package has one); Latchkey's connector registry,
// account matching and retry bookkeeping are left out because no grant here fails or goes elsewhere.

/** the resource roles of a package (read with the package by the caller) */
export interface RoleScope {
  role_id: string;
  scope_id: string;
}

export interface Started {
  requestId: string;
  assignmentId: string;
  jobId: string;
  targetId: string;
  packageName: string;
  /** the holder, told by mail when the access is there */
  mailTo: { mail: string | null; name: string };
}

export const DELIVERING = transitionRequest('submitted', 'start');
const DELIVERED = transitionRequest('delivering', 'delivered');

/** The end of an assignment starting `now` under a policy's `expiration` JSON (initialSchedule's rule for requests without a schedule of their own). */
export function endOf(expiration: string, now: Date): string | null {
  const e = JSON.parse(expiration) as { type: string; endDateTime: string | null; duration: string | null };
  if (e.type === 'afterDateTime') return e.endDateTime;
  if (e.type === 'afterDuration' && e.duration) return addDuration(now, parseDuration(e.duration)).toISOString();
  return null;
}

/** Inside the caller's transaction: the assignment, its pending grants and its fulfil job (whose id it returns). */
export async function startAssignment(q: Sql, at: string, r: { assignmentId: string; requestId: string; packageId: string; policyId: string; targetId: string; endAt: string | null; justification: string | null; answers: string }, roles: RoleScope[]): Promise<string> {
  const assignmentId = r.assignmentId;
  await q.run(`insert into assignments (id, access_package_id, policy_id, target_id, state, status, start_at, end_at, expired_at, created_at, modified_at, request_id,
      justification, answers, removal_due_at, removal_reason, reminded14_at, reminded1_at) values (${marks(18)})`,
    [assignmentId, r.packageId, r.policyId, r.targetId, 'delivering', assignmentStatus('delivering'), at, r.endAt, null, at, at, r.requestId, r.justification, r.answers, null, null, null, null]);
  await q.run(`insert into grants (id, assignment_id, resource_role_id, resource_scope_id, target_id, state, attempts, last_error, next_attempt_at, delivered_at, revoked_at,
      created_at, modified_at, request_id, delivery_id, confirmation_due_at) values ${rowMarks(roles.length, 16)}`,
    roles.flatMap((rs) => [randomUUID(), assignmentId, rs.role_id, rs.scope_id, r.targetId, 'pending', 0, null, null, null, null, at, at, r.requestId, null, null]));
  const [jobId] = await insertJobs(q, at, 'fulfil', [{ assignmentId }]);
  return jobId;
}

export const assignmentStartedAudit = (assignmentId: string, at: string, endAt: string | null) => ({
  activity: 'Ready to fulfill access package assignment request', targetType: 'accessPackageAssignment' as const, targetId: assignmentId,
  modifiedProperties: [{ displayName: 'schedule', oldValue: null, newValue: { startDateTime: at, endDateTime: endAt } }],
});

/** The delivery transaction (the worker's half): grants into the directory, then every state settled, in one commit. */
export async function deliver(db: FloorDb, s: Started): Promise<void> {
  await db.tx(async (q) => {
    const at = new Date().toISOString();
    const grants = await q.all<{ id: string; role_origin_id: string }>(
      `select g.id, rr.origin_id as role_origin_id from grants g join resource_roles rr on rr.id = g.resource_role_id where g.assignment_id = ? and g.state = 'pending'`, [s.assignmentId]);
    const groups = grants.map((g) => {
      const parsed = parseGroupRoleOriginId(g.role_origin_id);
      if (parsed?.role !== 'Member') throw new Error(`the floor delivers Member roles of directory groups only, not '${g.role_origin_id}'`);
      return parsed.groupId;
    });
    if (groups.length > 0) {
      await q.run(`insert into group_members (group_id, member_id, member_type, created_at) values ${rowMarks(groups.length, 4)} on conflict (group_id, member_id) do nothing`,
        groups.flatMap((g) => [g, s.targetId, 'user', at]));
    }
    await q.run(`update grants set state = 'delivered', attempts = attempts + 1, delivered_at = ?, modified_at = ? where assignment_id = ? and state = 'pending'`, [at, at, s.assignmentId]);
    await q.run('update assignments set state = ?, status = ?, modified_at = ? where id = ?', ['delivered', assignmentStatus('delivered'), at, s.assignmentId]);
    await q.run('update assignment_requests set state = ?, status = ?, modified_at = ?, completed_at = ? where id = ?', [DELIVERED.state, DELIVERED.status, at, at, s.requestId]);
    await audit(q, at, [{ activity: 'Fulfill access package assignment', targetType: 'accessPackageAssignmentRequest', targetId: s.requestId,
      modifiedProperties: [{ displayName: 'state', oldValue: 'delivering', newValue: 'delivered' }] }]);
    if (s.mailTo.mail) await mail(q, at, [{ to: s.mailTo.mail, template: 'accessDelivered', packageName: s.packageName, name: s.mailTo.name }]);
    await jobsDone(q, at, [s.jobId]);
  });
}

