import BetterSqlite3 from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { RoleDefinitionIds } from '../src/domain/authorization.js';
import { selfAddAudience } from '../src/domain/policy/scope.js';
import { DEFAULT_SCOPE_LOSS, type Policy, type SubjectSet } from '../src/domain/policy/types.js';
import { policyToRow } from '../src/store/policy-rows.js';
import { groupRoleOriginId, roleScopeId } from '../src/domain/resources.js';
import { openStore, parseDatabaseUrl, type Store } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { hashToken } from '../src/services/tokens.js';
import { createBulkLoader, type BulkLoader, type Cell } from './lib/bulk.js';
import { log, elapsed } from './lib/log.js';

// Bulk seeding straight into the store, shaped like the rows the application writes (see
// src/services/lifecycle/*): users; groups nested four deep with users in the leaves; catalogs; packages,
// each with one group resource (Member and Owner roles, root scope), one resource role in the package and
// one policy; a set of packages whose policy needs one approval stage; and delivered assignments, each with
// the userAdd request that created it, its delivered grant, the group membership the grant gave, and the
// finished fulfil job. Audit events and outbox mail of seeded history are not written (nothing reads them
// in the scenarios). Packages in the "lifecycle" set get no seeded assignments, so any user may request them.

export interface ScaleSpec {
  users: number;
  groups: number;
  packages: number;
  assignments: number;
}

export const SCALES: Record<'small' | 'large', ScaleSpec> = {
  small: { users: 10_000, groups: 2_000, packages: 1_000, assignments: 100_000 },
  large: { users: 100_000, groups: 20_000, packages: 20_000, assignments: 3_000_000 },
};

export interface Manifest {
  url: string;
  scale: string;
  spec: ScaleSpec;
  seededAt: string;
  adminToken: string;
  /** users with API tokens, for load; none of them holds a lifecycle or approval package */
  loadUsers: { id: string; token: string }[];
  approvers: { id: string; token: string }[];
  /**
   * users with API tokens for the floor's write scenarios (bench/floor), after the load users: the floor's
   * requests must not give the load users packages that later scenarios request for them
   */
  floorUsers: { id: string; token: string }[];
  /** the package every user holds (CSV export) */
  bigPackageId: string;
  lifecyclePackageIds: string[];
  /** approval package id → its approver's index in `approvers` */
  approvalPackages: { id: string; approver: number }[];
  seedSeconds: number;
}

const LOAD_USERS = 4_000;
/** lifecycle, approval and expiry floors: one slice of USER_SLICE (bench/scenarios/lifecycle.ts) each */
const FLOOR_USERS = 3_000;
const APPROVERS = 20;
const PACKAGES_PER_CATALOG = 50;

const token = () => `lk_${randomBytes(32).toString('base64url')}`;

function noApprovalPolicy(id: string, accessPackageId: string, at: string, scope: { kind: 'all' } | { kind: 'group'; groupId: string }): Policy {
  const targets: SubjectSet[] = scope.kind === 'group' ? [{ '@odata.type': '#microsoft.graph.groupMembers', groupId: scope.groupId, description: null }] : [];
  return {
    id, accessPackageId, displayName: 'Self-service', description: null,
    allowedTargetScope: scope.kind === 'group' ? 'specificDirectoryUsers' : 'allMemberUsers',
    specificAllowedTargets: targets,
    expiration: { type: 'noExpiration', endDateTime: null, duration: null },
    requestorSettings: {
      enableTargetsToSelfAddAccess: true, enableTargetsToSelfUpdateAccess: false, enableTargetsToSelfRemoveAccess: true, allowCustomAssignmentSchedule: false,
      enableOnBehalfRequestorsToAddAccess: false, enableOnBehalfRequestorsToUpdateAccess: false, enableOnBehalfRequestorsToRemoveAccess: false,
      onBehalfRequestors: [], acceptRequests: true,
    },
    requestApprovalSettings: { isApprovalRequiredForAdd: false, isApprovalRequiredForUpdate: false, isRequestorJustificationRequired: false, stages: [] },
    questions: [], notificationSettings: { isAssignmentNotificationDisabled: false }, reviewSettings: null, createdAt: at, modifiedAt: at,
    automaticRequestSettings: null, scopeLossSettings: { ...DEFAULT_SCOPE_LOSS },
  };
}

function approvalPolicy(id: string, accessPackageId: string, at: string, approverId: string): Policy {
  const p = noApprovalPolicy(id, accessPackageId, at, { kind: 'all' });
  return {
    ...p, displayName: 'With approval',
    requestApprovalSettings: {
      isApprovalRequiredForAdd: true, isApprovalRequiredForUpdate: false, isRequestorJustificationRequired: false,
      stages: [{
        durationBeforeAutomaticDenial: 'P14D', durationBeforeEscalation: 'PT0S', isApproverJustificationRequired: false, isEscalationEnabled: false,
        primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: approverId, description: null }],
        fallbackPrimaryApprovers: [], escalationApprovers: [], fallbackEscalationApprovers: [], approvalsRequired: 1,
      }],
    },
  };
}

const POLICY_COLUMNS = ['id', 'access_package_id', 'display_name', 'description', 'allowed_target_scope', 'specific_allowed_targets', 'expiration',
  'requestor_settings', 'request_approval_settings', 'review_settings', 'notification_settings', 'automatic_request_settings', 'questions', 'created_at', 'modified_at'];
const policyCells = (p: Policy): Cell[] => {
  const r = policyToRow(p);
  return [r.id, r.accessPackageId, r.displayName, r.description, r.allowedTargetScope, r.specificAllowedTargets, r.expiration, r.requestorSettings,
    r.requestApprovalSettings, r.reviewSettings, r.notificationSettings, r.automaticRequestSettings, r.questions, r.createdAt, r.modifiedAt];
};

/**
 * Empties (PostgreSQL: recreates) the bench database; with `template`, makes it a copy of that one (SQLite: a
 * copy of the file, which must be checkpointed and closed; PostgreSQL: CREATE DATABASE … TEMPLATE, which needs
 * no one connected to the template). With `drop`, only removes it.
 */
export async function resetDatabase(url: string, opts: { template?: string; drop?: boolean } = {}): Promise<void> {
  const loc = parseDatabaseUrl(url);
  if (loc.kind === 'sqlite') {
    const { copyFileSync, rmSync } = await import('node:fs');
    for (const suffix of ['', '-wal', '-shm']) rmSync(loc.target + suffix, { force: true });
    if (opts.template && !opts.drop) copyFileSync(parseDatabaseUrl(opts.template).target, loc.target);
    return;
  }
  const dbName = (target: string) => new URL(target).pathname.slice(1);
  const name = dbName(loc.target);
  const u = new URL(loc.target);
  u.pathname = '/postgres';
  const admin = openStore(u.toString(), { poolSize: 1 });
  const { sql } = await import('kysely');
  await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`.execute(admin.db);
  await sql.raw(`drop database if exists "${name}"`).execute(admin.db);
  if (!opts.drop) {
    const template = opts.template ? ` template "${dbName(parseDatabaseUrl(opts.template).target)}"` : '';
    await sql.raw(`create database "${name}"${template}`).execute(admin.db);
  }
  await admin.close();
}

/**
 * What the seeder made, kept so that a later step can add rows of the same shapes to a copy of the database
 * (bench/scenarios/growth.ts): the ids by index, and the package sets.
 */
export interface World {
  spec: ScaleSpec;
  at: string;
  /** the seeding instant, ms (created times count back from it) */
  now: number;
  adminId: string;
  userIds: string[];
  approverIds: string[];
  groupIds: string[];
  /** groups per level, roots first */
  levels: number[];
  levelStart: number[];
  catalogIds: string[];
  packageIds: string[];
  /** the Member role of each package's group resource, and its root scope */
  memberRole: string[];
  rootScope: string[];
  /** each package's (first) policy */
  policyIds: string[];
  lifecycleIdx: number[];
  approvalIdx: number[];
  regularIdx: number[];
}

/** A bulk loader on the database at `url` (SQLite: a raw handle on the file), and how to finish it as the seeder does. */
export async function openBulk(url: string): Promise<{ bulk: BulkLoader; store: Store | null; finish(): Promise<void> }> {
  const loc = parseDatabaseUrl(url);
  if (loc.kind === 'sqlite') {
    const raw = new BetterSqlite3(loc.target);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = OFF');
    // the index pages of a million random ids do not fit SQLite's default 2 MB cache: each insert would read
    // its pages back from the kernel (the growth scenario's 900k assignments slowed to ~1k rows/s without it)
    raw.pragma('cache_size = -524288');
    return {
      bulk: createBulkLoader({ raw }), store: null,
      async finish() {
        // no ANALYZE here: the server's worker runs PRAGMA optimize when it starts, as in a deployment (store/statistics.ts)
        raw.pragma('wal_checkpoint(TRUNCATE)');
        raw.close();
      },
    };
  }
  const store = openStore(url, { poolSize: 4 });
  return {
    bulk: createBulkLoader({ store }), store,
    async finish() {
      // what autovacuum would do shortly after a bulk load
      const { sql } = await import('kysely');
      await sql`analyze`.execute(store.db);
      await store.close();
    },
  };
}

const USER_COLUMNS = ['id', 'display_name', 'user_principal_name', 'upn_key', 'mail', 'mail_nickname', 'given_name', 'surname', 'department', 'job_title',
  'manager_id', 'user_type', 'account_enabled', 'connected_organization_id', 'created_at', 'modified_at', 'blocked_at', 'delete_after', 'governed'];
const USER_INTS = ['account_enabled', 'governed'];
const userRow = (at: string, id: string, name: string, upn: string, managerId: string | null): Cell[] =>
  [id, name, upn, upn.toLowerCase(), upn, name.replace(/\s/g, ''), name.split(' ')[0], name.split(' ')[1] ?? null, 'Bench', 'Engineer', managerId, 'Member', 1, null, at, at, null, null, 0];

/** `count` member users named `${prefix} ${i}` (no tokens, no manager); their ids. */
export async function insertUsers(bulk: BulkLoader, at: string, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const slug = prefix.toLowerCase().replace(/\s/g, '');
  for (let i = 0; i < count; i += 50_000) {
    await bulk.insert({ table: 'users', columns: USER_COLUMNS, ints: USER_INTS },
      ids.slice(i, i + 50_000).map((id, k) => userRow(at, id, `${prefix} ${i + k}`, `${slug}${i + k}@bench.example`, null)));
  }
  return ids;
}

export const MEMBER = { table: 'group_members', columns: ['group_id', 'member_id', 'member_type', 'created_at'], ignoreConflicts: true };

/** Rows of policies and of their self-add audience (migration 0005, as src/store/policy-audience.ts writes it). */
export async function insertPolicies(bulk: BulkLoader, policies: Policy[]): Promise<void> {
  await bulk.insert({ table: 'assignment_policies', columns: POLICY_COLUMNS }, policies.map(policyCells));
  await bulk.insert({ table: 'assignment_policy_audience', columns: ['policy_id', 'access_package_id', 'subject_kind', 'subject_id'] },
    policies.flatMap((p) => selfAddAudience(p).map((e) => [p.id, p.accessPackageId, e.kind, e.subjectId])));
}

/**
 * The policy of package `p`: one approval stage for the approval set; otherwise none, and one regular package
 * in four limits who may request it to the members of a top-level group (evaluated through nesting).
 */
export function packagePolicy(w: World, p: number, id: string): Policy {
  const k = w.approvalIdx.indexOf(p);
  if (k >= 0) return approvalPolicy(id, w.packageIds[p], w.at, w.approverIds[k % APPROVERS]);
  const firstRegular = w.regularIdx[0] ?? Infinity;
  const limited = p > firstRegular && p % 4 === 0;
  return noApprovalPolicy(id, w.packageIds[p], w.at, limited ? { kind: 'group', groupId: w.groupIds[p % w.levels[0]] } : { kind: 'all' });
}

/**
 * `count` more packages (indexes from w.packageIds.length on, in catalogs of their own beyond the existing
 * ones), each with one group resource (Member and Owner roles, root scope), one resource role in the package
 * and its policy (packagePolicy). Appends to the world's package arrays.
 */
export async function insertPackages(bulk: BulkLoader, w: World, count: number): Promise<void> {
  const at = w.at;
  const from = w.packageIds.length;
  const firstCatalog = w.catalogIds.length;
  const catalogs = Math.ceil((from + count) / PACKAGES_PER_CATALOG) - Math.ceil(from / PACKAGES_PER_CATALOG);
  const newCatalogs = Array.from({ length: catalogs }, () => randomUUID());
  w.catalogIds.push(...newCatalogs);
  await bulk.insert({
    table: 'catalogs', columns: ['id', 'display_name', 'description', 'state', 'is_externally_visible', 'catalog_type', 'created_at', 'modified_at'],
    ints: ['is_externally_visible'],
  }, newCatalogs.map((id, i) => [id, `Catalog ${firstCatalog + i}`, null, 'published', 1, 'userManaged', at, at]));

  const resources: Cell[][] = [];
  const roles: Cell[][] = [];
  const scopes: Cell[][] = [];
  const resourceRequests: Cell[][] = [];
  const packages: Cell[][] = [];
  const roleScopes: Cell[][] = [];
  const policies: Policy[] = [];
  const flush = async () => {
    await bulk.insert({ table: 'resources', columns: ['id', 'catalog_id', 'origin_system', 'origin_id', 'display_name', 'description', 'resource_type', 'attributes', 'created_at', 'modified_at'] }, resources.splice(0));
    await bulk.insert({ table: 'resource_roles', columns: ['id', 'resource_id', 'origin_system', 'origin_id', 'display_name', 'description'] }, roles.splice(0));
    await bulk.insert({ table: 'resource_scopes', columns: ['id', 'resource_id', 'origin_system', 'origin_id', 'display_name', 'description', 'is_root_scope'], ints: ['is_root_scope'] }, scopes.splice(0));
    await bulk.insert({ table: 'resource_requests', columns: ['id', 'catalog_id', 'resource_id', 'request_type', 'state', 'requestor_id', 'created_at'] }, resourceRequests.splice(0));
    await bulk.insert({ table: 'access_packages', columns: ['id', 'catalog_id', 'display_name', 'description', 'is_hidden', 'created_at', 'modified_at'], ints: ['is_hidden'] }, packages.splice(0));
    await bulk.insert({ table: 'resource_role_scopes', columns: ['id', 'access_package_id', 'role_id', 'scope_id', 'created_at'] }, roleScopes.splice(0));
    await insertPolicies(bulk, policies.splice(0));
  };
  for (let p = from; p < from + count; p++) {
    const catalogId = w.catalogIds[Math.floor(p / PACKAGES_PER_CATALOG)];
    const groupIndex = p % w.groupIds.length;
    const groupId = w.groupIds[groupIndex];
    const resourceId = randomUUID();
    resources.push([resourceId, catalogId, 'AadGroup', groupId, `Group ${groupIndex}`, null, 'Security group', '[]', at, at]);
    const member = randomUUID();
    const scope = randomUUID();
    w.memberRole.push(member);
    w.rootScope.push(scope);
    roles.push([member, resourceId, 'AadGroup', groupRoleOriginId('Member', groupId), 'Member', null]);
    roles.push([randomUUID(), resourceId, 'AadGroup', groupRoleOriginId('Owner', groupId), 'Owner', null]);
    scopes.push([scope, resourceId, 'AadGroup', groupId, 'Root', 'Root Scope', 1]);
    resourceRequests.push([randomUUID(), catalogId, resourceId, 'adminAdd', 'delivered', w.adminId, at]);
    w.packageIds.push(randomUUID());
    packages.push([w.packageIds[p], catalogId, p === 0 ? 'Everyone' : `Package ${p}`, null, 0, at, at]);
    roleScopes.push([roleScopeId(member, scope), w.packageIds[p], member, scope, at]);
    const policyId = randomUUID();
    w.policyIds.push(policyId);
    policies.push(packagePolicy(w, p, policyId));
    if (packages.length === 5_000) await flush();
  }
  await flush();
}

const ASSIGNMENT_COLUMNS = ['id', 'access_package_id', 'policy_id', 'target_id', 'state', 'status', 'start_at', 'end_at', 'expired_at', 'created_at', 'modified_at',
  'request_id', 'justification', 'answers', 'reminded14_at', 'reminded1_at'];
const REQUEST_COLUMNS = ['id', 'access_package_id', 'policy_id', 'assignment_id', 'request_type', 'state', 'status', 'requestor_id', 'target_id', 'target_email',
  'justification', 'answers', 'schedule', 'idempotency_key', 'created_at', 'completed_at', 'start_at', 'end_at', 'modified_at', 'reason'];
const GRANT_COLUMNS = ['id', 'assignment_id', 'resource_role_id', 'resource_scope_id', 'target_id', 'state', 'attempts', 'last_error', 'next_attempt_at',
  'delivered_at', 'revoked_at', 'created_at', 'modified_at', 'request_id'];
const JOB_COLUMNS = ['id', 'kind', 'payload', 'run_at', 'attempts', 'lease_owner', 'lease_expires_at', 'last_error', 'dedupe_key', 'created_at', 'done_at'];

/**
 * `total` delivered assignments, the n-th of package `pair(n).p` for user `pair(n).userId`, each with the
 * userAdd request that created it, its delivered grant, the group membership the grant gave, and the finished
 * fulfil job; created one second apart, counting back from the world's instant.
 */
export async function insertAssignments(bulk: BulkLoader, w: World, total: number, pair: (n: number) => { userId: string; p: number }, label = 'assignments'): Promise<void> {
  const t0 = Date.now();
  const ago = (sec: number) => new Date(w.now - sec * 1000).toISOString();
  const a: Cell[][] = [];
  const r: Cell[][] = [];
  const g: Cell[][] = [];
  const m: Cell[][] = [];
  const j: Cell[][] = [];
  const flush = async () => {
    await bulk.insert({ table: 'assignment_requests', columns: REQUEST_COLUMNS }, r.splice(0));
    await bulk.insert({ table: 'assignments', columns: ASSIGNMENT_COLUMNS }, a.splice(0));
    await bulk.insert({ table: 'grants', columns: GRANT_COLUMNS, ints: ['attempts'] }, g.splice(0));
    await bulk.insert(MEMBER, m.splice(0));
    await bulk.insert({ table: 'jobs', columns: JOB_COLUMNS, ints: ['attempts'] }, j.splice(0));
  };
  for (let n = 0; n < total; n++) {
    const { userId, p } = pair(n);
    const created = ago(total - n + 60);
    const done = ago(total - n + 59);
    const assignmentId = randomUUID();
    const requestId = randomUUID();
    const packageId = w.packageIds[p];
    const policyId = w.policyIds[p];
    r.push([requestId, packageId, policyId, assignmentId, 'userAdd', 'delivered', 'Delivered', userId, userId, null, null, '[]', '{}', null,
      created, done, created, null, done, null]);
    a.push([assignmentId, packageId, policyId, userId, 'delivered', 'Delivered', created, null, null, created, done, requestId, null, '[]', null, null]);
    g.push([randomUUID(), assignmentId, w.memberRole[p], w.rootScope[p], userId, 'delivered', 1, null, null, done, null, created, done, requestId]);
    m.push([w.groupIds[p % w.groupIds.length], userId, 'user', done]);
    j.push([randomUUID(), 'fulfil', JSON.stringify({ assignmentId }), created, 1, null, null, null, null, created, done]);
    if (a.length === 50_000) {
      await flush();
      log(`seed: ${label} ${n + 1}/${total} (${elapsed(t0)})`);
    }
  }
  await flush();
}

export async function seed(url: string, scale: string, spec: ScaleSpec): Promise<Manifest> {
  return (await seedWorld(url, scale, spec)).manifest;
}

/** Seeds a fresh database; its manifest, and the world for steps that add to a copy of it. */
export async function seedWorld(url: string, scale: string, spec: ScaleSpec): Promise<{ manifest: Manifest; world: World }> {
  const t0 = Date.now();
  await resetDatabase(url);
  const migrator = openStore(url, { poolSize: 4 });
  await migrateToLatest(migrator.db);
  // migrations go through the application's store, the rows through a bulk loader (on SQLite a raw handle on the file)
  await migrator.close();
  const { bulk, finish } = await openBulk(url);
  const now = Date.now();
  const at = new Date(now).toISOString();

  // ---- users: load users first (they get tokens), then approvers, the admin, everyone else
  const userIds = Array.from({ length: spec.users }, () => randomUUID());
  const approverIds = Array.from({ length: APPROVERS }, () => randomUUID());
  const adminId = randomUUID();
  const userRows: Cell[][] = [];
  for (let i = 0; i < spec.users; i++) {
    userRows.push(userRow(at, userIds[i], `User ${i}`, `user${i}@bench.example`, i >= 100 ? userIds[i % 100] : null));
    if (userRows.length === 50_000) {
      await bulk.insert({ table: 'users', columns: USER_COLUMNS, ints: USER_INTS }, userRows.splice(0));
      log(`seed: users ${i + 1}/${spec.users} (${elapsed(t0)})`);
    }
  }
  for (let k = 0; k < APPROVERS; k++) userRows.push(userRow(at, approverIds[k], `Approver ${k}`, `approver${k}@bench.example`, null));
  userRows.push(userRow(at, adminId, 'Bench Admin', 'admin@bench.example', null));
  await bulk.insert({ table: 'users', columns: USER_COLUMNS, ints: USER_INTS }, userRows.splice(0));
  log(`seed: ${spec.users + APPROVERS + 1} users (${elapsed(t0)})`);

  // ---- tokens and the administrator role
  const adminToken = token();
  const loadUsers = userIds.slice(0, Math.min(LOAD_USERS, spec.users)).map((id) => ({ id, token: token() }));
  const floorUsers = userIds.slice(loadUsers.length, Math.min(LOAD_USERS + FLOOR_USERS, spec.users)).map((id) => ({ id, token: token() }));
  const approvers = approverIds.map((id) => ({ id, token: token() }));
  const tokenRows: Cell[][] = [...loadUsers, ...floorUsers, ...approvers, { id: adminId, token: adminToken }]
    .map((u) => [randomUUID(), u.id, 'bench', hashToken(u.token), at, null, null]);
  await bulk.insert({ table: 'api_tokens', columns: ['id', 'user_id', 'name', 'token_hash', 'created_at', 'last_used_at', 'revoked_at'] }, tokenRows);
  await bulk.insert({ table: 'role_assignments', columns: ['id', 'principal_id', 'role_definition_id', 'app_scope_id', 'catalog_id', 'created_at'] },
    [[randomUUID(), adminId, RoleDefinitionIds.administrator, '/', null, at]]);

  // ---- groups: four levels, each twice the size of the one above; every group but the roots sits in a parent
  const levels = [1, 2, 4, 8].map((w) => Math.max(1, Math.floor((spec.groups * w) / 15)));
  levels[3] = spec.groups - levels[0] - levels[1] - levels[2];
  const groupIds = Array.from({ length: spec.groups }, () => randomUUID());
  const levelStart = [0, levels[0], levels[0] + levels[1], levels[0] + levels[1] + levels[2]];
  await bulk.insert({
    table: 'groups', columns: ['id', 'display_name', 'description', 'mail', 'mail_nickname', 'mail_enabled', 'security_enabled', 'created_at', 'modified_at'],
    ints: ['mail_enabled', 'security_enabled'],
  }, groupIds.map((id, i) => [id, `Group ${i}`, null, null, `group${i}`, 0, 1, at, at]));
  const memberRows: Cell[][] = [];
  for (let l = 1; l < 4; l++) {
    for (let j = 0; j < levels[l]; j++) {
      memberRows.push([groupIds[levelStart[l - 1] + (j % levels[l - 1])], groupIds[levelStart[l] + j], 'group', at]);
    }
  }
  // every user is in two leaf groups
  for (let i = 0; i < spec.users; i++) {
    memberRows.push([groupIds[levelStart[3] + (i % levels[3])], userIds[i], 'user', at]);
    memberRows.push([groupIds[levelStart[3] + ((i * 7 + 3) % levels[3])], userIds[i], 'user', at]);
  }
  await bulk.insert(MEMBER, memberRows.splice(0));
  log(`seed: ${spec.groups} groups in 4 levels ${levels.join('/')} (${elapsed(t0)})`);

  // ---- catalogs, resources, packages, role scopes, policies
  const nLifecycle = Math.min(200, Math.max(10, Math.floor(spec.packages / 10)));
  const nApproval = Math.min(100, Math.max(5, Math.floor(spec.packages / 20)));
  const world: World = {
    spec, at, now, adminId, userIds, approverIds, groupIds, levels, levelStart, catalogIds: [], packageIds: [], memberRole: [], rootScope: [], policyIds: [],
    // package 0 is the big one, then the lifecycle set, then the approval set, then the rest
    lifecycleIdx: Array.from({ length: nLifecycle }, (_, i) => 1 + i),
    approvalIdx: Array.from({ length: nApproval }, (_, i) => 1 + nLifecycle + i),
    regularIdx: Array.from({ length: spec.packages - 1 - nLifecycle - nApproval }, (_, i) => 1 + nLifecycle + nApproval + i),
  };
  await insertPackages(bulk, world, spec.packages);
  log(`seed: ${world.catalogIds.length} catalogs, ${spec.packages} packages (${nLifecycle} for lifecycle, ${nApproval} with approval) (${elapsed(t0)})`);

  // ---- assignments: the big package for every user, then the rest spread over the regular packages
  const total = Math.max(spec.assignments, spec.users);
  const R = world.regularIdx.length;
  await insertAssignments(bulk, world, total, (n) => {
    const u = n % spec.users;
    const k = Math.floor(n / spec.users);
    // k = 0: the big package; k ≥ 1: distinct regular packages per user (k < R keeps them distinct)
    return { userId: userIds[u], p: k === 0 ? 0 : world.regularIdx[(u * 31 + k - 1) % R] };
  });
  log(`seed: ${total} assignments with requests, grants, memberships and jobs (${elapsed(t0)})`);

  await finish();
  const seedSeconds = (Date.now() - t0) / 1000;
  log(`seed: done in ${seedSeconds.toFixed(1)} s`);
  const manifest: Manifest = {
    url, scale, spec, seededAt: at, adminToken, loadUsers, approvers, floorUsers, bigPackageId: world.packageIds[0],
    lifecyclePackageIds: world.lifecycleIdx.map((p) => world.packageIds[p]),
    approvalPackages: world.approvalIdx.map((p, k) => ({ id: world.packageIds[p], approver: k % APPROVERS })),
    seedSeconds,
  };
  return { manifest, world };
}
