import { RoleDefinitionIds } from '../domain/authorization.js';
import type { Clock } from '../domain/clock.js';
import { newId } from '../domain/ids.js';
import { recordAudit } from '../store/audit.js';
import { refreshStatistics } from '../store/statistics.js';
import type { Db } from '../store/db.js';
import { directoryIsEmpty, hasDemoMarker, insertDemoMarker } from '../store/demo.js';
import { insertGroup, insertGroupMember, insertGroupOwner } from '../store/groups.js';
import { insertRoleAssignment } from '../store/role-assignments.js';
import { insertUser, newUserRow } from '../store/users.js';
import type { Services } from '../services/index.js';
import { systemPrincipal } from '../services/principals.js';

// A small company to explore Latchkey with: departments with managers, nested groups, and catalogs
// with access packages built from those groups. Seeded only into an empty directory, and marked as the
// demo company (demoMarkers) so that `serve --demo` offers demo sign-in only on a database it seeded.

export const DEMO_DOMAIN = 'contoso.example';

const DEPARTMENTS: { name: string; head: [string, string]; staff: [string, string, string][] }[] = [
  { name: 'Engineering', head: ['Grace', 'Hopper'], staff: [['Alan', 'Turing', 'Backend Engineer'], ['Ada', 'Lovelace', 'Backend Engineer'], ['Linus', 'Torvalds', 'Platform Engineer'], ['Margaret', 'Hamilton', 'Frontend Engineer'], ['Ken', 'Thompson', 'Frontend Engineer'], ['Barbara', 'Liskov', 'Staff Engineer']] },
  { name: 'Sales', head: ['Don', 'Draper'], staff: [['Peggy', 'Olson', 'Account Executive'], ['Pete', 'Campbell', 'Account Executive'], ['Joan', 'Holloway', 'Sales Operations'], ['Ken', 'Cosgrove', 'Account Manager'], ['Harry', 'Crane', 'Sales Engineer']] },
  { name: 'Marketing', head: ['Mary', 'Wells'], staff: [['David', 'Ogilvy', 'Copywriter'], ['Leo', 'Burnett', 'Brand Manager'], ['Bill', 'Bernbach', 'Designer'], ['Phyllis', 'Robinson', 'Content Lead']] },
  { name: 'Finance', head: ['Janet', 'Yellen'], staff: [['Paul', 'Volcker', 'Controller'], ['Alan', 'Greenspan', 'Analyst'], ['Christine', 'Lagarde', 'Treasurer'], ['Mario', 'Draghi', 'Analyst']] },
  { name: 'Human Resources', head: ['Dave', 'Ulrich'], staff: [['Susan', 'Heathfield', 'HR Partner'], ['Laszlo', 'Bock', 'Recruiter'], ['Patty', 'McCord', 'HR Partner']] },
  { name: 'IT', head: ['Ross', 'Geller'], staff: [['Roy', 'Trenneman', 'Service Desk'], ['Maurice', 'Moss', 'Systems Administrator'], ['Jen', 'Barber', 'IT Manager'], ['Richmond', 'Avenal', 'Network Engineer']] },
];

export interface SeedResult {
  users: number;
  groups: number;
  catalogs: number;
  packages: number;
}

/** Whether a userPrincipalName belongs to the demo directory; demo sign-in offers and accepts no one else. */
export function isDemoUserPrincipalName(userPrincipalName: string): boolean {
  return userPrincipalName.toLowerCase().endsWith(`@${DEMO_DOMAIN}`);
}

/** Whether seedDemo seeded this database (its marker, migration 0007): the condition for demo sign-in. */
export async function isDemoCompany(db: Db): Promise<boolean> {
  return hasDemoMarker(db, DEMO_DOMAIN);
}

function upn(first: string, last: string): string {
  return `${first}.${last}@${DEMO_DOMAIN}`.toLowerCase();
}

/** Seeds the demo company into an empty directory; returns undefined (and changes nothing) otherwise. */
export async function seedDemo(services: Services, db: Db, clock: Clock): Promise<SeedResult | undefined> {
  if (!(await directoryIsEmpty(db))) return undefined;
  const at = clock.now().toISOString();
  const ctx = { actor: { id: null, displayName: 'latchkey seed' }, correlationId: null, at };
  const ids = new Map<string, string>();
  const groupIds = new Map<string, string>();
  let users = 0;

  await db.transaction().execute(async (tx) => {
    const addUser = async (first: string, last: string, fields: { department?: string; jobTitle?: string; managerId?: string | null; userType?: 'Member' | 'Guest' } = {}) => {
      const row = newUserRow({
        displayName: `${first} ${last}`, givenName: first, surname: last, userPrincipalName: upn(first, last), mail: upn(first, last),
        mailNickname: `${first}.${last}`.toLowerCase(), ...fields,
      }, at);
      await insertUser(tx, row);
      ids.set(`${first} ${last}`, row.id);
      users++;
      return row.id;
    };
    const admin = newUserRow({ displayName: 'Avery Admin', givenName: 'Avery', surname: 'Admin', userPrincipalName: `admin@${DEMO_DOMAIN}`, mail: `admin@${DEMO_DOMAIN}`, department: 'IT', jobTitle: 'Identity Governance Administrator' }, at);
    await insertUser(tx, admin);
    users++;
    await insertRoleAssignment(tx, { id: newId(), principalId: admin.id, roleDefinitionId: RoleDefinitionIds.administrator, appScopeId: '/', catalogId: null, createdAt: at });
    const ceo = await addUser('Satya', 'Founder', { department: 'Executive', jobTitle: 'Chief Executive Officer' });
    for (const d of DEPARTMENTS) {
      const headId = await addUser(d.head[0], d.head[1], { department: d.name, jobTitle: `Head of ${d.name}`, managerId: ceo });
      for (const [first, last, title] of d.staff) await addUser(first, last, { department: d.name, jobTitle: title, managerId: headId });
    }
    await addUser('Gina', 'Guest', { userType: 'Guest', jobTitle: 'Contractor' });

    const addGroup = async (name: string, description: string) => {
      const id = newId();
      const nick = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
      await insertGroup(tx, { id, displayName: name, description, mail: null, mailNickname: nick, mailEnabled: 0, securityEnabled: 1, createdAt: at, modifiedAt: at });
      groupIds.set(name, id);
      return id;
    };
    const member = async (groupId: string, memberId: string, memberType: 'user' | 'group') => {
      await insertGroupMember(tx, { groupId, memberId, memberType, createdAt: at });
    };
    const all = await addGroup('All Employees', 'Everyone employed by Contoso (nested department groups).');
    for (const d of DEPARTMENTS) {
      const g = await addGroup(d.name, `The ${d.name} department.`);
      await member(all, g, 'group');
      await member(g, ids.get(`${d.head[0]} ${d.head[1]}`)!, 'user');
      for (const [first, last] of d.staff) await member(g, ids.get(`${first} ${last}`)!, 'user');
    }
    const backend = await addGroup('Backend Team', 'Backend engineers.');
    await member(groupIds.get('Engineering')!, backend, 'group');
    await member(backend, ids.get('Alan Turing')!, 'user');
    await member(backend, ids.get('Ada Lovelace')!, 'user');
    // resource groups that access packages hand out; their owners are the department heads
    for (const [name, desc, owner] of [
      ['Production Database Readers', 'Read-only access to the production database.', 'Grace Hopper'],
      ['Deploy Operators', 'May deploy services to production.', 'Grace Hopper'],
      ['CRM Users', 'Access to the customer relationship management system.', 'Don Draper'],
      ['Sales Forecast Editors', 'Edit the quarterly sales forecast.', 'Don Draper'],
      ['Finance Reports Readers', 'Read the monthly finance reports.', 'Janet Yellen'],
      ['Marketing Site Editors', 'Edit the public marketing site.', 'Mary Wells'],
    ] as const) {
      const g = await addGroup(name, desc);
      await insertGroupOwner(tx, { groupId: g, userId: ids.get(owner)!, createdAt: at });
    }
    // in the same transaction as the people: demo users never exist without the marker, nor the marker without them
    await insertDemoMarker(tx, DEMO_DOMAIN, at);
    await recordAudit(tx, ctx, { activity: 'Seed demo data', category: 'UserManagement', targetType: 'tenant', targetId: DEMO_DOMAIN, targetDisplayName: 'Contoso demo' });
  });

  const caller = { principal: systemPrincipal(), correlationId: 'demo-seed' };
  const catalogs = [
    await services.catalogs.create(caller, { displayName: 'Engineering', description: 'Engineering systems and environments.', isExternallyVisible: false }),
    await services.catalogs.create(caller, { displayName: 'Sales and Marketing', description: 'Customer-facing tools.', isExternallyVisible: true }),
  ];
  // delegation: department heads own the catalogs of their areas; IT's manager manages assignments
  const delegate = [
    [catalogs[0].id, 'Grace Hopper', RoleDefinitionIds.catalogOwner],
    [catalogs[1].id, 'Don Draper', RoleDefinitionIds.catalogOwner],
    [catalogs[1].id, 'Mary Wells', RoleDefinitionIds.accessPackageManager],
    [catalogs[0].id, 'Jen Barber', RoleDefinitionIds.accessPackageAssignmentManager],
  ] as const;
  for (const [catalogId, person, role] of delegate) {
    await insertRoleAssignment(db, {
      id: newId(), principalId: ids.get(person)!, roleDefinitionId: role, appScopeId: `/AccessPackageCatalog/${catalogId}`, catalogId, createdAt: at,
    });
  }
  const packages = await seedDemoPackages(services, caller, catalogs, groupIds, ids);
  // a bulk load: the planner's statistics, if any, describe the empty database
  await refreshStatistics(db, { bulk: true });
  return { users, groups: groupIds.size, catalogs: catalogs.length + 1, packages };
}

type Caller = { principal: ReturnType<typeof systemPrincipal>; correlationId: string };

/** Catalog resources from the demo's resource groups, and packages that bundle their Member roles. */
async function seedDemoPackages(services: Services, caller: Caller, catalogs: { id: string }[], groupIds: Map<string, string>, people: Map<string, string>): Promise<number> {
  const [engineering, salesMarketing] = catalogs;
  const user = (name: string) => ({ '@odata.type': '#microsoft.graph.singleUser', userId: people.get(name)! });
  const members = (group: string) => ({ '@odata.type': '#microsoft.graph.groupMembers', groupId: groupIds.get(group)! });
  const stage = (approvers: unknown[], fallback: unknown[] = []) => ({
    durationBeforeAutomaticDenial: 'P14D', isApproverJustificationRequired: false, isEscalationEnabled: false, durationBeforeEscalation: 'PT0S',
    primaryApprovers: approvers, fallbackPrimaryApprovers: fallback, escalationApprovers: [], fallbackEscalationApprovers: [],
  });
  const selfService = (displayName: string, groups: string[], days: number, stages: unknown[] = [], extra: Record<string, unknown> = {}) => ({
    displayName, description: `Requestable by ${groups.join(', ')}`, allowedTargetScope: 'specificDirectoryUsers', specificAllowedTargets: groups.map(members),
    expiration: { type: 'afterDuration', duration: `P${days}D` },
    requestorSettings: { enableTargetsToSelfAddAccess: true, enableTargetsToSelfUpdateAccess: true, enableTargetsToSelfRemoveAccess: true, allowCustomAssignmentSchedule: true },
    requestApprovalSettings: { isApprovalRequiredForAdd: stages.length > 0, isApprovalRequiredForUpdate: false, isRequestorJustificationRequired: stages.length > 0, stages },
    ...extra,
  });
  const adminOnly = { displayName: 'Direct assignment', description: 'Administrators assign directly.', allowedTargetScope: 'notSpecified', expiration: { type: 'afterDuration', duration: 'P365D' } };
  // who can request, who approves: department heads approve, the manager of the requestor approves the sales tools
  const plan: { catalogId: string; name: string; description: string; groups: string[]; hidden?: boolean; policies: Record<string, unknown>[] }[] = [
    { catalogId: engineering.id, name: 'Production read access', description: 'Read-only access to production data for investigations.', groups: ['Production Database Readers'],
      policies: [selfService('Engineers, 7 days', ['Engineering'], 7), adminOnly] },
    { catalogId: engineering.id, name: 'Release engineering', description: 'Deploy services and read production data.', groups: ['Deploy Operators', 'Production Database Readers'],
      policies: [selfService('Engineers, approved by the head of engineering then IT', ['Engineering'], 30, [stage([user('Grace Hopper')]), stage([user('Ross Geller')])])] },
    { catalogId: salesMarketing.id, name: 'Sales tools', description: 'CRM access and the sales forecast.', groups: ['CRM Users', 'Sales Forecast Editors'],
      policies: [selfService('Sales and Marketing, manager approval', ['Sales', 'Marketing'], 90, [stage([{ '@odata.type': '#microsoft.graph.requestorManager', managerLevel: 1 }], [user('Don Draper')])])] },
    { catalogId: salesMarketing.id, name: 'Marketing site editor', description: 'Edit the public marketing site.', groups: ['Marketing Site Editors'],
      policies: [selfService('Marketing, approved by the head of marketing', ['Marketing'], 180, [stage([user('Mary Wells')])]), adminOnly] },
    { catalogId: salesMarketing.id, name: 'Finance reports (pilot)', description: 'Hidden pilot: monthly finance reports, by direct link only.', groups: ['Finance Reports Readers'], hidden: true,
      policies: [selfService('Everyone, approved by finance', ['All Employees'], 30, [stage([user('Janet Yellen')])])] },
  ];
  const added = new Map<string, { roleId: string; scopeId: string }>();
  for (const p of plan) {
    for (const g of p.groups) {
      const key = `${p.catalogId}:${g}`;
      if (added.has(key)) continue;
      const r = await services.resources.submitRequest(caller, {
        requestType: 'adminAdd', catalogId: p.catalogId, resource: { originSystem: 'AadGroup', originId: groupIds.get(g)! },
      });
      const member = r.roles.find((role) => role.displayName === 'Member')!;
      added.set(key, { roleId: member.id, scopeId: r.scopes[0].id });
    }
    const pkg = await services.accessPackages.create(caller, { catalogId: p.catalogId, displayName: p.name, description: p.description, isHidden: !!p.hidden });
    for (const g of p.groups) {
      const { roleId, scopeId } = added.get(`${p.catalogId}:${g}`)!;
      await services.accessPackages.addRoleScope(caller, pkg.id, { id: roleId }, { id: scopeId });
    }
    for (const policy of p.policies) await services.policies.create(caller, { ...policy, accessPackage: { id: pkg.id } });
  }
  return plan.length;
}
