import { sql, type Kysely } from 'kysely';

// Performance (issue 5, found by `npm run bench`):
// - assignment_policy_audience: who may self-add under each policy, one row per broad scope ('*') or per
//   user, group or connected organization the policy names, so "what may I request" is an indexed
//   lookup instead of reading and evaluating every policy of the tenant on each call. Rows exist only for
//   policies that accept self-service add requests. Written with the policy (src/store/policy-audience.ts).
// - assignment_requests(assignment_id): delivery and removal settle the requests of an assignment.
// - assignments(access_package_id, start_at, id): an administrator's list of a package's assignments in
//   its default order (start date, then id) is read in index order instead of sorting the whole package.
// - assignments(access_package_id, id): the CSV export of a package reads keyset pages by id.

const BROAD = ['allMemberUsers', 'allDirectoryUsers', 'allConfiguredConnectedOrganizationUsers', 'allExternalUsers'];

/** The audience of a stored policy, read from its JSON columns (a frozen copy of the rule in src/domain/policy.ts at this version, now src/domain/policy/scope.ts). */
function audienceOf(row: { allowedTargetScope: string; requestorSettings: string; specificAllowedTargets: string }): { kind: string; subjectId: string }[] {
  const parse = (t: string): unknown => {
    try {
      return JSON.parse(t);
    } catch {
      return undefined;
    }
  };
  const rs = parse(row.requestorSettings) as Record<string, unknown> | undefined;
  const accepts = typeof rs?.acceptRequests === 'boolean' ? rs.acceptRequests : true;
  if (!accepts || rs?.enableTargetsToSelfAddAccess !== true) return [];
  if (BROAD.includes(row.allowedTargetScope)) return [{ kind: row.allowedTargetScope, subjectId: '*' }];
  const targets = parse(row.specificAllowedTargets);
  const out = new Map<string, { kind: string; subjectId: string }>();
  for (const t of Array.isArray(targets) ? (targets as Record<string, unknown>[]) : []) {
    const type = typeof t?.['@odata.type'] === 'string' ? (t['@odata.type'] as string) : '';
    let e: { kind: string; subjectId: unknown } | undefined;
    if (row.allowedTargetScope === 'specificDirectoryUsers' && type.endsWith('.singleUser')) e = { kind: 'user', subjectId: t.userId };
    if (row.allowedTargetScope === 'specificDirectoryUsers' && type.endsWith('.groupMembers')) e = { kind: 'group', subjectId: t.groupId };
    if (row.allowedTargetScope === 'specificConnectedOrganizationUsers' && type.endsWith('.connectedOrganizationMembers')) e = { kind: 'connectedOrganization', subjectId: t.connectedOrganizationId };
    if (e && typeof e.subjectId === 'string') out.set(`${e.kind}:${e.subjectId.toLowerCase()}`, { kind: e.kind, subjectId: e.subjectId.toLowerCase() });
  }
  return [...out.values()];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('assignment_policy_audience')
    .addColumn('policy_id', 'text', (c) => c.notNull())
    .addColumn('access_package_id', 'text', (c) => c.notNull())
    /** a broad allowedTargetScope (subject_id '*'), or 'user' | 'group' | 'connectedOrganization' */
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('assignment_policy_audience_pk', ['policy_id', 'subject_kind', 'subject_id'])
    .execute();
  await db.schema.createIndex('assignment_policy_audience_package_idx').on('assignment_policy_audience').columns(['access_package_id', 'subject_kind', 'subject_id']).execute();

  const policies = await sql<{ id: string; accessPackageId: string; allowedTargetScope: string; requestorSettings: string; specificAllowedTargets: string }>`
    select id, access_package_id as "accessPackageId", allowed_target_scope as "allowedTargetScope", requestor_settings as "requestorSettings",
      specific_allowed_targets as "specificAllowedTargets" from assignment_policies`.execute(db);
  const rows = policies.rows.flatMap((p) => audienceOf(p).map((a) => ({ policy_id: p.id, access_package_id: p.accessPackageId, subject_kind: a.kind, subject_id: a.subjectId })));
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('assignment_policy_audience').values(rows.slice(i, i + 500)).execute();

  await db.schema.createIndex('assignment_requests_assignment_idx').on('assignment_requests').column('assignment_id').execute();
  await db.schema.createIndex('assignments_package_start_idx').on('assignments').columns(['access_package_id', 'start_at', 'id']).execute();
  await db.schema.createIndex('assignments_package_id_idx').on('assignments').columns(['access_package_id', 'id']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('assignments_package_id_idx').ifExists().execute();
  await db.schema.dropIndex('assignments_package_start_idx').ifExists().execute();
  await db.schema.dropIndex('assignment_requests_assignment_idx').ifExists().execute();
  await db.schema.dropTable('assignment_policy_audience').ifExists().execute();
}
