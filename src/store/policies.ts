import type { Policy } from '../domain/policy/types.js';
import type { Db, Tx } from './db.js';
import { policyFromRow, policyToRow } from './policy-rows.js';
import type { AssignmentPoliciesTable } from './schema.js';

// Assignment policies: their rows (mapped in policy-rows.ts; the self-add audience in policy-audience.ts)
// and the questions other aggregates ask about them before a change.

/** A policy row by id (lower-case), or undefined. */
export async function findPolicyRow(db: Db | Tx, id: string): Promise<AssignmentPoliciesTable | undefined> {
  return db.selectFrom('assignmentPolicies').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The policy rows of a package, oldest first. */
export async function listPolicyRowsOfPackage(db: Db | Tx, accessPackageId: string): Promise<AssignmentPoliciesTable[]> {
  return db.selectFrom('assignmentPolicies').selectAll().where('accessPackageId', '=', accessPackageId).orderBy('createdAt').orderBy('id').execute();
}

export async function insertPolicy(db: Db | Tx, policy: Policy): Promise<void> {
  await db.insertInto('assignmentPolicies').values(policyToRow(policy)).execute();
}

/** Writes every column of the policy `policy.id`. */
export async function updatePolicy(db: Db | Tx, policy: Policy): Promise<void> {
  await db.updateTable('assignmentPolicies').set(policyToRow(policy)).where('id', '=', policy.id).execute();
}

export async function deletePolicy(db: Db | Tx, id: string): Promise<void> {
  await db.deleteFrom('assignmentPolicies').where('id', '=', id).execute();
}

/** Whether the policy has an assignment that has not expired. */
export async function policyHasLiveAssignment(db: Db | Tx, policyId: string): Promise<boolean> {
  return !!(await db.selectFrom('assignments').select('id').where('policyId', '=', policyId).where('state', '!=', 'expired').limit(1).executeTakeFirst());
}

/** Whether the policy has a request in one of `states`. */
export async function policyHasRequestIn(db: Db | Tx, policyId: string, states: readonly string[]): Promise<boolean> {
  return !!(await db.selectFrom('assignmentRequests').select('id').where('policyId', '=', policyId).where('state', 'in', [...states]).limit(1).executeTakeFirst());
}

/** Policies of the catalog's packages whose target scope is one of `scopes`, by package name (at most `limit`). */
export async function listPoliciesForExternalUsers(db: Db | Tx, catalogId: string, scopes: readonly string[], limit: number) {
  return db.selectFrom('assignmentPolicies').innerJoin('accessPackages', 'accessPackages.id', 'assignmentPolicies.accessPackageId')
    .select(['assignmentPolicies.id', 'assignmentPolicies.displayName', 'assignmentPolicies.allowedTargetScope', 'accessPackages.displayName as packageName'])
    .where('accessPackages.catalogId', '=', catalogId).where('assignmentPolicies.allowedTargetScope', 'in', [...scopes])
    .orderBy('accessPackages.displayName').orderBy('assignmentPolicies.id').limit(limit).execute();
}

/**
 * A policy that names `id` anywhere in its subject sets (allowed targets, on-behalf requestors,
 * approvers), or undefined. Subject sets are JSON text, so this is a case-insensitive substring match.
 */
export async function findPolicyNaming(db: Db | Tx, id: string): Promise<{ id: string; displayName: string } | undefined> {
  const pattern = `%${id.toLowerCase()}%`;
  return db
    .selectFrom('assignmentPolicies')
    .select(['id', 'displayName'])
    .where((eb) => eb.or([
      eb(eb.fn('lower', ['specificAllowedTargets']), 'like', pattern),
      eb(eb.fn('lower', ['requestorSettings']), 'like', pattern),
      eb(eb.fn('lower', ['requestApprovalSettings']), 'like', pattern),
    ]))
    .limit(1)
    .executeTakeFirst();
}

// ---- lifecycle reads

/** Policies by id, in one query; ids of deleted policies are simply absent. */
export async function policiesById(db: Db | Tx, policyIds: readonly (string | null)[]): Promise<Map<string, Policy>> {
  const ids = [...new Set(policyIds.filter((id): id is string => !!id))];
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('assignmentPolicies').selectAll().where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, policyFromRow(r)]));
}

/** A package's policies, oldest first. */
export async function listPoliciesOfPackage(db: Db | Tx, accessPackageId: string): Promise<Policy[]> {
  return (await listPolicyRowsOfPackage(db, accessPackageId)).map(policyFromRow);
}
