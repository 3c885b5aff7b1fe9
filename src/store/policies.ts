import type { Policy } from '../domain/policy/types.js';
import type { Db, Tx } from './db.js';
import { policyFromRow } from './policy-rows.js';

// Assignment policies: lifecycle reads.

/** Policies by id, in one query; ids of deleted policies are simply absent. */
export async function policiesById(db: Db | Tx, policyIds: readonly (string | null)[]): Promise<Map<string, Policy>> {
  const ids = [...new Set(policyIds.filter((id): id is string => !!id))];
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('assignmentPolicies').selectAll().where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, policyFromRow(r)]));
}

/** A package's policies, oldest first. */
export async function listPoliciesOfPackage(db: Db | Tx, accessPackageId: string): Promise<Policy[]> {
  const rows = await db.selectFrom('assignmentPolicies').selectAll().where('accessPackageId', '=', accessPackageId).orderBy('createdAt').execute();
  return rows.map(policyFromRow);
}
