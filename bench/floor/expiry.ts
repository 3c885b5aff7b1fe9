import { randomUUID } from 'node:crypto';
import { ACTIVE_ASSIGNMENT_STATES, assignmentStatus, transitionRequest } from '../../src/domain/request-lifecycle.js';
import { parseGroupRoleOriginId } from '../../src/domain/resources.js';
import { marks, rowMarks, unindexed, type FloorDb } from './db.js';
import { audit, insertJobs, jobsDone, mail } from './records.js';
import type { FloorRoutes } from './route.js';

// Floor of the expiry scenario (the worker's expireDue and revocation jobs, src/services/lifecycle/expire-due.ts
// and src/services/fulfilment/revoke.ts): POST /floor/expiry {dueAt} expires one batch of up to 500 due
// assignments and revokes them in jobs of 50, with the same set-based statements. The expiry transaction: the
// batch (FOR UPDATE SKIP LOCKED on PostgreSQL), their systemRemove requests (one multi-row insert), the
// assignments expired, their grants revoking, the revocation jobs and the audit events. Each job: its grants
// with the roles, targets and packages (one read), the shared-access check (one read: another active
// assignment giving the same person the same role keeps it), then one transaction that ends the memberships,
// marks the grants revoked, completes the requests, writes the audit events and the targets' mail, and marks
// the job done. The floor's batch is the assignments due at exactly `dueAt` (Latchkey's worker takes any due
// one: the bench marks the floor's own batch so that nothing else is taken). Left out: the no-op second
// update of the end date (every selected end is already past), the guest lifecycle (the bench has no
// governed guests), per-policy mail opt-outs (the bench's policies send), and the connector calls outside
// the transaction (the built-in directory is the same database: its membership deletes go into the job's
// transaction, where Latchkey commits each on its own).

const BATCH = 500;
const JOB_SIZE = 50;
const REMOVING = transitionRequest('submitted', 'start');
const REMOVED = transitionRequest('delivering', 'delivered');

interface GrantWork {
  id: string;
  assignment_id: string;
  target_id: string;
  role_origin_id: string;
  mail: string | null;
  display_name: string;
  package_name: string;
}

async function revokeJob(db: FloorDb, jobId: string, assignmentIds: string[]): Promise<void> {
  const work = await db.all<GrantWork>(
    `select g.id, g.assignment_id, g.target_id, rr.origin_id as role_origin_id, u.mail, u.display_name, p.display_name as package_name
     from grants g join resource_roles rr on rr.id = g.resource_role_id join users u on u.id = g.target_id
       join assignments a on a.id = g.assignment_id join access_packages p on p.id = a.access_package_id
     where g.assignment_id in (${marks(assignmentIds.length)}) and ${unindexed('g.state')} = 'revoking'`, assignmentIds);
  const targets = [...new Set(work.map((g) => g.target_id))];
  // Every live grant of these people (a few each), the role's identity compared here: it is its origin (a group
  // added to two catalogs has a role row in each), and resource_roles has no index on it. Read from the grants'
  // (target_id, …) index; CROSS JOIN and unindexed() keep SQLite (no statistics) from starting at every active
  // assignment or every delivered grant, which it does for larger IN lists (1.4 s a job).
  const holders = work.length === 0 ? [] : await db.all<{ assignment_id: string; target_id: string; role_origin_id: string }>(
    `select g.assignment_id, g.target_id, rr.origin_id as role_origin_id from grants g cross join assignments a join resource_roles rr on rr.id = g.resource_role_id
     where a.id = g.assignment_id and g.target_id in (${marks(targets.length)}) and ${unindexed('g.state')} in ('pending', 'delivered')
       and a.state in (${marks(ACTIVE_ASSIGNMENT_STATES.length)})`, [...targets, ...ACTIVE_ASSIGNMENT_STATES]);
  const held = new Set(holders.map((h) => `${h.target_id} ${h.role_origin_id}`));
  const ends = work.filter((g) => !held.has(`${g.target_id} ${g.role_origin_id}`)).map((g) => {
    const parsed = parseGroupRoleOriginId(g.role_origin_id);
    if (parsed?.role !== 'Member') throw new Error(`the floor revokes Member roles of directory groups only, not '${g.role_origin_id}'`);
    return [parsed.groupId, g.target_id];
  });
  await db.tx(async (q) => {
    const at = new Date().toISOString();
    // OR of pairs, not (group_id, member_id) IN (VALUES …): SQLite scans the table for the latter
    if (ends.length > 0) await q.run(`delete from group_members where ${ends.map(() => '(group_id = ? and member_id = ?)').join(' or ')}`, ends.flat());
    if (work.length > 0) await q.run(`update grants set state = 'revoked', revoked_at = ?, last_error = null, modified_at = ? where id in (${marks(work.length)}) and ${unindexed('state')} = 'revoking'`, [at, at, ...work.map((g) => g.id)]);
    await q.run(`update assignment_requests set state = ?, status = ?, completed_at = ?, modified_at = ? where assignment_id in (${marks(assignmentIds.length)}) and request_type = 'systemRemove' and ${unindexed('state')} = 'delivering'`,
      [REMOVED.state, REMOVED.status, at, at, ...assignmentIds]);
    await audit(q, at, assignmentIds.map((id) => ({ activity: 'Remove access package assignment', targetType: 'accessPackageAssignment' as const, targetId: id,
      modifiedProperties: [{ displayName: 'state', oldValue: 'delivered', newValue: 'expired' }] })));
    const told = new Map(work.filter((g) => g.mail).map((g) => [g.assignment_id, { to: g.mail!, template: 'accessEnded', packageName: g.package_name, name: g.display_name }]));
    await mail(q, at, [...told.values()]);
    await jobsDone(q, at, [jobId]);
  });
}

export const expiry: FloorRoutes = (app, db) => {
  app.post<{ Body: { dueAt: string } }>('/floor/expiry', async (req) => {
    const jobs = await db.tx(async (q) => {
      const at = new Date().toISOString();
      const batch = await q.all<{ id: string; access_package_id: string; policy_id: string; target_id: string }>(
        `select id, access_package_id, policy_id, target_id from assignments where state in (${marks(ACTIVE_ASSIGNMENT_STATES.length)}) and end_at = ? limit ?${db.pg ? ' for update skip locked' : ''}`,
        [...ACTIVE_ASSIGNMENT_STATES, req.body.dueAt, BATCH]);
      if (batch.length === 0) return [];
      const ids = batch.map((a) => a.id);
      await q.run(`insert into assignment_requests (id, policy_id, assignment_id, state, status, requestor_id, target_id, target_email, justification, answers, schedule,
          idempotency_key, created_at, completed_at, start_at, end_at, modified_at, reason, access_package_id, request_type) values ${rowMarks(batch.length, 20)}`,
        batch.flatMap((a) => [randomUUID(), a.policy_id, a.id, REMOVING.state, REMOVING.status, null, a.target_id, null, null, '[]', '{}', null, at, null, null, null, at, null, a.access_package_id, 'systemRemove']));
      await q.run(`update assignments set state = 'expired', status = ?, expired_at = ?, modified_at = ? where id in (${marks(ids.length)})`, [assignmentStatus('expired'), at, at, ...ids]);
      await q.run(`update grants set state = 'revoking', next_attempt_at = null, confirmation_due_at = null, modified_at = ? where assignment_id in (${marks(ids.length)}) and ${unindexed('state')} in ('pending', 'delivered', 'failed')`, [at, ...ids]);
      const parts: string[][] = [];
      for (let i = 0; i < ids.length; i += JOB_SIZE) parts.push(ids.slice(i, i + JOB_SIZE));
      const jobIds = await insertJobs(q, at, 'revoke', parts.map((assignmentIds) => ({ assignmentIds })));
      await audit(q, at, ids.map((id) => ({ activity: 'Access package assignment expired', targetType: 'accessPackageAssignment' as const, targetId: id,
        modifiedProperties: [{ displayName: 'requestType', oldValue: null, newValue: 'systemRemove' }] })));
      return parts.map((p, i) => ({ id: jobIds[i], assignmentIds: p }));
    });
    for (const j of jobs) await revokeJob(db, j.id, j.assignmentIds);
    return { expired: jobs.reduce((n, j) => n + j.assignmentIds.length, 0) };
  });
};
