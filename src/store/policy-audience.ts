import { sql, type Expression, type SqlBool } from 'kysely';
import { selfAddAudience, type AudienceEntry } from '../domain/policy/scope.js';
import type { Policy } from '../domain/policy/types.js';
import type { Db, Tx } from './db.js';

// The self-add audience of each policy (migration 0005): rewritten whenever a policy is written, so that
// "which packages may this person request" is an indexed lookup (see selfAddAudience in domain/policy).

export interface AudienceTable {
  policyId: string;
  accessPackageId: string;
  subjectKind: string;
  subjectId: string;
}
export type AudienceTables = { assignmentPolicyAudience: AudienceTable };

/** Replaces the audience rows of a policy, inside the transaction that writes the policy. */
export async function writePolicyAudience(tx: Tx | Db, policy: Policy): Promise<void> {
  const db = tx.withTables<AudienceTables>();
  await db.deleteFrom('assignmentPolicyAudience').where('policyId', '=', policy.id).execute();
  const rows = selfAddAudience(policy).map((a) => ({ policyId: policy.id, accessPackageId: policy.accessPackageId, subjectKind: a.kind, subjectId: a.subjectId }));
  if (rows.length > 0) await db.insertInto('assignmentPolicyAudience').values(rows).execute();
}

export async function deletePolicyAudience(tx: Tx | Db, by: { policyId: string } | { accessPackageId: string }): Promise<void> {
  const db = tx.withTables<AudienceTables>();
  if ('policyId' in by) await db.deleteFrom('assignmentPolicyAudience').where('policyId', '=', by.policyId).execute();
  else await db.deleteFrom('assignmentPolicyAudience').where('accessPackageId', '=', by.accessPackageId).execute();
}

/** `exists` a policy of the package (column `packageIdColumn`) whose audience holds one of `keys`. */
export function packageRequestableBy(packageIdColumn: string, keys: AudienceEntry[]): Expression<SqlBool> {
  if (keys.length === 0) return sql<SqlBool>`1 = 0`;
  const byKind = new Map<string, string[]>();
  for (const k of keys) byKind.set(k.kind, [...(byKind.get(k.kind) ?? []), k.subjectId]);
  const match = [...byKind.entries()].map(([kind, ids]) => sql`(a.subject_kind = ${kind} and a.subject_id in (${sql.join(ids)}))`);
  return sql<SqlBool>`exists (select 1 from assignment_policy_audience a where a.access_package_id = ${sql.ref(packageIdColumn)} and (${sql.join(match, sql` or `)}))`;
}
