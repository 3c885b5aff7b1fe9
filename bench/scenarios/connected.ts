import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { newId } from '../../src/domain/ids.js';
import { connectionSecretsContext } from '../../src/services/connections/targets.js';
import { insertConnection } from '../../src/store/connections.js';
import { insertResource } from '../../src/store/resources.js';
import { createSecretBox } from '../../src/store/secret-box.js';
import { startScimServer, type ScimServer } from '../../test/support/scim-server.js';
import { slapdMissing, startSlapd, SUFFIX, type Slapd } from '../../test/support/slapd.js';
import { call, drive } from '../lib/load.js';
import { EM, type BenchContext } from '../lib/context.js';
import { log, percentile } from '../lib/log.js';
import { waitForRequests } from './lifecycle.js';

// The lifecycle with the role in a connected system: userAdd requests (no approval) on a package whose
// only role is a group of a real OpenLDAP (slapd, started here), a SCIM 2.0 application (better-auth's
// SCIM plugin, started here; it creates each user's account on first grant) or a PostgreSQL role of the
// local server (login roles created on first grant). Timed as the lifecycle scenario: the request's
// createdDateTime to its completedDateTime. The server must hold the secret key the bench sealed the
// connections' secrets with (CONNECTED_SECRET_KEY, passed to serve as LATCHKEY_SECRET_KEY).

export const CONNECTED_SECRET_KEY = randomBytes(32).toString('base64');
export const CONNECTED_KINDS = ['ldap', 'scim', 'postgresql'] as const;
export type ConnectedKind = (typeof CONNECTED_KINDS)[number];

export interface ConnectedRun {
  kind: ConnectedKind;
  accepted: number;
  delivered: number;
  rate: number;
  p50: number;
  p95: number;
  p99: number;
  seconds: number;
  submitRps: number;
  /** why it did not run, when it did not */
  skipped?: string;
}

const PG_URL = new URL(process.env.LATCHKEY_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/postgres');

export interface Target {
  connection: { kind: ConnectedKind; settings: Record<string, unknown>; secrets: Record<string, string> };
  originSystem: string;
  resource: { originId: string; displayName: string; roleOriginId: string };
  stop(): Promise<void>;
}

export async function ldapTarget(users: { id: string; mail: string }[]): Promise<Target> {
  const slapd: Slapd = await startSlapd();
  const people = `ou=people,${SUFFIX}`;
  const groups = `ou=groups,${SUFFIX}`;
  const entries = users.map((u, i) => [`dn: uid=u${i},${people}`, 'objectClass: inetOrgPerson', `uid: u${i}`, `cn: u${i}`, `sn: u${i}`, `mail: ${u.mail}`, ''].join('\n'));
  await slapd.ldapadd([...entries, `dn: cn=bench,${groups}`, 'objectClass: groupOfNames', 'cn: bench', `member: ${slapd.adminDn}`, ''].join('\n'));
  return {
    connection: { kind: 'ldap', settings: { url: slapd.url, bindDn: slapd.adminDn, baseDn: SUFFIX, groupBaseDn: groups, userBaseDn: people }, secrets: { bindPassword: slapd.adminPassword } },
    originSystem: 'LdapGroup',
    resource: { originId: `cn=bench,${groups}`, displayName: 'bench', roleOriginId: 'member' },
    stop: () => slapd.stop(),
  };
}

async function scimTarget(): Promise<Target> {
  const scim: ScimServer = await startScimServer({ groups: [{ displayName: 'Bench' }] });
  return {
    connection: { kind: 'scim', settings: { baseUrl: scim.baseUrl, createAccounts: true }, secrets: { bearerToken: scim.token } },
    originSystem: 'ScimGroup',
    resource: { originId: scim.groups.get('Bench')!, displayName: 'Bench', roleOriginId: 'Member' },
    stop: () => scim.dispose(),
  };
}

async function postgresTarget(): Promise<Target> {
  const prefix = `lkb${randomBytes(3).toString('hex')}_`;
  const admin = new pg.Client({ connectionString: PG_URL.toString() });
  await admin.connect();
  const role = `${prefix}g_bench`;
  await admin.query(`CREATE ROLE ${pg.escapeIdentifier(role)} NOLOGIN`);
  return {
    connection: {
      kind: 'postgresql',
      settings: {
        host: PG_URL.hostname, port: Number(PG_URL.port || 5432), database: PG_URL.pathname.slice(1) || 'postgres', user: decodeURIComponent(PG_URL.username), ssl: 'disable',
        accountRule: { property: 'id', template: `${prefix}{id}` }, managedRolePrefix: `${prefix}g_`, createAccounts: true,
      },
      secrets: { password: 'unused-with-trust' },
    },
    originSystem: 'PostgresRole',
    resource: { originId: role, displayName: role, roleOriginId: 'member' },
    async stop() {
      const { rows } = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1', [prefix]);
      for (const r of rows) await admin.query(`DROP ROLE ${pg.escapeIdentifier(r.rolname)}`);
      await admin.end();
    },
  };
}

/** The connection, its resource in a new catalog, a package with its role and a no-approval policy for everyone. */
export async function offer(ctx: BenchContext, url: string, target: Target): Promise<string> {
  const db = ctx.store.db;
  const box = createSecretBox(Buffer.from(CONNECTED_SECRET_KEY, 'base64'));
  const at = new Date().toISOString();
  const connectionId = newId();
  await insertConnection(db, {
    id: connectionId, kind: target.connection.kind, displayName: `Bench ${target.connection.kind}`, description: null, settings: JSON.stringify(target.connection.settings),
    secrets: box.sealSecrets(target.connection.secrets, connectionSecretsContext(connectionId)), timeoutMs: 10_000, concurrency: 8, reconcileInterval: null, nextReconcileAt: null,
    health: 'unknown', lastError: null, lastErrorAt: null, lastSuccessAt: null, createdAt: at, modifiedAt: at,
  });
  const api = async (path: string, body: unknown) => {
    const r = await call(url, { method: 'POST', path, token: ctx.manifest.adminToken, body });
    if (r.status !== 201) throw new Error(`bench setup POST ${path}: ${r.status} ${r.body}`);
    return JSON.parse(r.body) as { id: string };
  };
  const catalog = await api(`${EM}/catalogs`, { displayName: `Bench ${target.connection.kind} ${at}` });
  const pkg = await api(`${EM}/accessPackages`, { displayName: `Bench ${target.connection.kind}`, catalog: { id: catalog.id } });
  const resourceId = newId();
  const roleId = newId();
  const scopeId = newId();
  await db.transaction().execute((tx) => insertResource(tx, {
    id: resourceId, catalogId: catalog.id, originSystem: target.originSystem, originId: target.resource.originId, displayName: target.resource.displayName,
    description: null, resourceType: null, attributes: '[]', createdAt: at, modifiedAt: at, connectionId, exclusive: 0,
  }, [{ id: roleId, resourceId, originSystem: target.originSystem, originId: target.resource.roleOriginId, displayName: 'Member', description: null }],
  [{ id: scopeId, resourceId, originSystem: target.originSystem, originId: target.resource.originId, displayName: 'Root', description: null, isRootScope: 1 }]));
  await api(`${EM}/accessPackages/${pkg.id}/resourceRoleScopes`, { role: { id: roleId }, scope: { id: scopeId } });
  await api(`${EM}/assignmentPolicies`, {
    displayName: 'Bench, no approval', description: 'bench', allowedTargetScope: 'allMemberUsers', specificAllowedTargets: [], expiration: { type: 'noExpiration' },
    requestorSettings: {
      enableTargetsToSelfAddAccess: true, enableTargetsToSelfUpdateAccess: false, enableTargetsToSelfRemoveAccess: false, allowCustomAssignmentSchedule: false,
      enableOnBehalfRequestorsToAddAccess: false, enableOnBehalfRequestorsToUpdateAccess: false, enableOnBehalfRequestorsToRemoveAccess: false, onBehalfRequestors: [],
    },
    requestApprovalSettings: { isApprovalRequiredForAdd: false, isApprovalRequiredForUpdate: false, isRequestorJustificationRequired: false, stages: [] },
    questions: [], accessPackage: { id: pkg.id },
  });
  return pkg.id;
}

/** `total` userAdd requests by distinct load users (from `userOffset`) on a package whose role lives in a `kind` target. */
export async function connectedDelivery(ctx: BenchContext, url: string, kind: ConnectedKind, total: number, userOffset: number): Promise<ConnectedRun> {
  const empty = { kind, accepted: 0, delivered: 0, rate: 0, p50: 0, p95: 0, p99: 0, seconds: 0, submitRps: 0 };
  const missing = kind === 'ldap' ? slapdMissing() : false;
  if (missing) return { ...empty, skipped: missing };
  const loadUsers = ctx.manifest.loadUsers.slice(userOffset, userOffset + total);
  if (loadUsers.length < total) throw new Error(`bench: ${total} connected requests need ${total} load users from ${userOffset}; there are ${ctx.manifest.loadUsers.length}`);
  const rows = await ctx.store.db.selectFrom('users').select(['id', 'userPrincipalName', 'mail']).where('id', 'in', loadUsers.map((u) => u.id)).execute();
  const target = kind === 'ldap' ? await ldapTarget(rows.map((r) => ({ id: r.id, mail: r.mail ?? r.userPrincipalName })))
    : kind === 'scim' ? await scimTarget() : await postgresTarget();
  try {
    const packageId = await offer(ctx, url, target);
    const ids: string[] = [];
    const http = await drive({
      url, connections: ctx.connections, total,
      next: (i) => (i < total ? { method: 'POST', path: `${EM}/assignmentRequests`, token: loadUsers[i].token, body: { requestType: 'userAdd', assignment: { accessPackageId: packageId } } } : null),
      onResponse: (_i, status, body) => {
        if (status === 201) ids.push((JSON.parse(body) as { id: string }).id);
      },
    });
    log(`  ${kind}: submitted ${http.requests} in ${http.seconds.toFixed(1)} s, statuses ${JSON.stringify(http.statuses)}`);
    for (const e of http.errors) log(`  ! ${e}`);
    const done = await waitForRequests(ctx, ids, 300_000);
    const delivered = done.filter((r) => r.state === 'delivered' && r.completed);
    const states = done.reduce<Record<string, number>>((a, r) => ({ ...a, [r.state]: (a[r.state] ?? 0) + 1 }), {});
    log(`  ${kind}: ${delivered.length}/${ids.length} delivered (${JSON.stringify(states)})`);
    const lat = delivered.map((r) => new Date(r.completed!).getTime() - new Date(r.created).getTime());
    const first = Math.min(...done.map((r) => new Date(r.created).getTime()));
    const last = Math.max(...delivered.map((r) => new Date(r.completed!).getTime()));
    const seconds = (last - first) / 1000;
    return {
      kind, accepted: ids.length, delivered: delivered.length, rate: delivered.length / Math.max(seconds, 0.001), seconds, submitRps: http.rps,
      p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99),
    };
  } finally {
    await target.stop();
  }
}
