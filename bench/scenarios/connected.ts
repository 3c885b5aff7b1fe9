import { randomBytes } from 'node:crypto';
import { Attribute, Change, Client } from 'ldapts';
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
//
// Three measurements per kind, in one run:
// - the target's floor: the calls a first grant makes (LDAP: find the account, add the member; SCIM: find
//   the user, create it, add it to the group; PostgreSQL: CREATE ROLE … LOGIN, GRANT), made straight to the
//   target by the bench, FLOOR_CONCURRENCY at once (the connection's limit), on accounts and a group of
//   their own: what the target itself can do, which no delivery can beat;
// - a burst: `total` requests as fast as 16 clients submit them (delivered/s against the floor; its p99 is
//   the queue a burst above the target's rate builds, recorded, not judged);
// - a paced run: about 15 s of requests (30 to PACED_REQUESTS) at half the floor rate (at most PACED_MAX_RPS), i.e. a load the
//   target can take: its p99 submit→delivered is the figure judged against 1 s.

export const CONNECTED_SECRET_KEY = randomBytes(32).toString('base64');
export const CONNECTED_KINDS = ['ldap', 'scim', 'postgresql'] as const;
export type ConnectedKind = (typeof CONNECTED_KINDS)[number];

export interface ConnectedRun {
  kind: ConnectedKind;
  /** the target's own first-grant calls per second, FLOOR_CONCURRENCY at once */
  floorRps: number;
  /** the paced run: its submission rate and its latencies */
  paced: { rps: number; delivered: number; accepted: number; p50: number; p95: number; p99: number };
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
  /** the i-th first grant made straight to the target, on the floor's own account and group */
  floorGrant(i: number): Promise<void>;
  stop(): Promise<void>;
}

const FLOOR_GRANTS = 100;
/** the connections' concurrency limit (offer) */
const FLOOR_CONCURRENCY = 8;
/** paced requests: about 15 s of them, at least 30, at most PACED_REQUESTS */
const PACED_REQUESTS = 200;
const PACED_MAX_RPS = 100;

/** The target's first grants per second, made by the bench straight to it. */
async function measureFloor(target: Target): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: FLOOR_CONCURRENCY }, async () => {
    while (next < FLOOR_GRANTS) await target.floorGrant(next++);
  }));
  return FLOOR_GRANTS / ((performance.now() - t0) / 1000);
}

export async function ldapTarget(users: { id: string; mail: string }[]): Promise<Target> {
  const slapd: Slapd = await startSlapd();
  const people = `ou=people,${SUFFIX}`;
  const groups = `ou=groups,${SUFFIX}`;
  const entries = users.map((u, i) => [`dn: uid=u${i},${people}`, 'objectClass: inetOrgPerson', `uid: u${i}`, `cn: u${i}`, `sn: u${i}`, `mail: ${u.mail}`, ''].join('\n'));
  const floorEntries = Array.from({ length: FLOOR_GRANTS }, (_, i) => [`dn: uid=f${i},${people}`, 'objectClass: inetOrgPerson', `uid: f${i}`, `cn: f${i}`, `sn: f${i}`, `mail: f${i}@floor.test`, ''].join('\n'));
  await slapd.ldapadd([...entries, ...floorEntries, `dn: cn=bench,${groups}`, 'objectClass: groupOfNames', 'cn: bench', `member: ${slapd.adminDn}`, '',
    `dn: cn=floor,${groups}`, 'objectClass: groupOfNames', 'cn: floor', `member: ${slapd.adminDn}`, ''].join('\n'));
  const client = new Client({ url: slapd.url });
  await client.bind(slapd.adminDn, slapd.adminPassword);
  return {
    connection: { kind: 'ldap', settings: { url: slapd.url, bindDn: slapd.adminDn, baseDn: SUFFIX, groupBaseDn: groups, userBaseDn: people }, secrets: { bindPassword: slapd.adminPassword } },
    originSystem: 'LdapGroup',
    resource: { originId: `cn=bench,${groups}`, displayName: 'bench', roleOriginId: 'member' },
    async floorGrant(i) {
      const [user] = (await client.search(people, { scope: 'sub', filter: `(mail=f${i}@floor.test)`, attributes: ['dn'] })).searchEntries;
      await client.modify(`cn=floor,${groups}`, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [user.dn] }) }));
    },
    async stop() {
      await client.unbind().catch(() => undefined);
      await slapd.stop();
    },
  };
}

async function scimTarget(): Promise<Target> {
  const scim: ScimServer = await startScimServer({ groups: [{ displayName: 'Bench' }, { displayName: 'Floor' }] });
  const headers = { authorization: `Bearer ${scim.token}`, 'content-type': 'application/scim+json' };
  const scimCall = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const r = await fetch(`${scim.baseUrl}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    if (r.status >= 300) throw new Error(`SCIM floor ${init.method ?? 'GET'} ${path}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<{ id?: string }>;
  };
  return {
    connection: { kind: 'scim', settings: { baseUrl: scim.baseUrl, createAccounts: true }, secrets: { bearerToken: scim.token } },
    originSystem: 'ScimGroup',
    resource: { originId: scim.groups.get('Bench')!, displayName: 'Bench', roleOriginId: 'Member' },
    async floorGrant(i) {
      const userName = `f${i}@floor.test`;
      await scimCall(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
      const user = await scimCall('/Users', { method: 'POST', body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, emails: [{ value: userName, primary: true }] } });
      await scimCall(`/Groups/${scim.groups.get('Floor')!}`, {
        method: 'PATCH', body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }] },
      });
    },
    stop: () => scim.dispose(),
  };
}

async function postgresTarget(): Promise<Target> {
  const prefix = `lkb${randomBytes(3).toString('hex')}_`;
  const admin = new pg.Client({ connectionString: PG_URL.toString() });
  await admin.connect();
  const role = `${prefix}g_bench`;
  await admin.query(`CREATE ROLE ${pg.escapeIdentifier(role)} NOLOGIN`);
  const floorRole = `${prefix}g_floor`;
  await admin.query(`CREATE ROLE ${pg.escapeIdentifier(floorRole)} NOLOGIN`);
  const floorPool = new pg.Pool({ connectionString: PG_URL.toString(), max: FLOOR_CONCURRENCY });
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
    async floorGrant(i) {
      const login = pg.escapeIdentifier(`${prefix}f${i}`);
      await floorPool.query(`CREATE ROLE ${login} LOGIN`);
      await floorPool.query(`GRANT ${pg.escapeIdentifier(floorRole)} TO ${login}`);
    },
    async stop() {
      await floorPool.end();
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
  const empty = { kind, accepted: 0, delivered: 0, rate: 0, p50: 0, p95: 0, p99: 0, seconds: 0, submitRps: 0, floorRps: 0, paced: { rps: 0, delivered: 0, accepted: 0, p50: 0, p95: 0, p99: 0 } };
  const missing = kind === 'ldap' ? slapdMissing() : false;
  if (missing) return { ...empty, skipped: missing };
  const loadUsers = ctx.manifest.loadUsers.slice(userOffset, userOffset + total + PACED_REQUESTS);
  if (loadUsers.length < total + PACED_REQUESTS) {
    throw new Error(`bench: ${total} + ${PACED_REQUESTS} connected requests need as many load users from ${userOffset}; there are ${ctx.manifest.loadUsers.length}`);
  }
  const rows = await ctx.store.db.selectFrom('users').select(['id', 'userPrincipalName', 'mail']).where('id', 'in', loadUsers.map((u) => u.id)).execute();
  const target = kind === 'ldap' ? await ldapTarget(rows.map((r) => ({ id: r.id, mail: r.mail ?? r.userPrincipalName })))
    : kind === 'scim' ? await scimTarget() : await postgresTarget();
  try {
    const packageId = await offer(ctx, url, target);
    const floorRps = await measureFloor(target);
    log(`  ${kind}: the target's own first grants, ${FLOOR_CONCURRENCY} at once: ${floorRps.toFixed(1)}/s`);
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
    const pacedRps = Math.min(PACED_MAX_RPS, floorRps / 2);
    const pacedCount = Math.max(30, Math.min(PACED_REQUESTS, Math.round(pacedRps * 15)));
    const paced = await pacedRun(ctx, url, packageId, loadUsers.slice(total, total + pacedCount), pacedRps);
    log(`  ${kind}: paced at ${paced.rps.toFixed(1)}/s: ${paced.delivered}/${paced.accepted} delivered, p99 ${paced.p99.toFixed(0)} ms`);
    return {
      kind, accepted: ids.length, delivered: delivered.length, rate: delivered.length / Math.max(seconds, 0.001), seconds, submitRps: http.rps,
      p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), floorRps, paced,
    };
  } finally {
    await target.stop();
  }
}

/** Requests submitted at a steady `rps` (each on time, whatever the answers before it), then awaited. */
async function pacedRun(ctx: BenchContext, url: string, packageId: string, users: { id: string; token: string }[], rps: number): Promise<ConnectedRun['paced']> {
  const ids: string[] = [];
  const t0 = performance.now();
  await Promise.all(users.map(async (u, i) => {
    const wait = t0 + (i * 1000) / rps - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const r = await call(url, { method: 'POST', path: `${EM}/assignmentRequests`, token: u.token, body: { requestType: 'userAdd', assignment: { accessPackageId: packageId } } });
    if (r.status === 201) ids.push((JSON.parse(r.body) as { id: string }).id);
  }));
  const done = await waitForRequests(ctx, ids, 300_000);
  const delivered = done.filter((r) => r.state === 'delivered' && r.completed);
  const lat = delivered.map((r) => new Date(r.completed!).getTime() - new Date(r.created).getTime());
  return { rps, accepted: ids.length, delivered: delivered.length, p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99) };
}
