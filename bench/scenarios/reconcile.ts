import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { readPostgresSettings } from '../../src/connectors/postgresql/index.js';
import { systemClock } from '../../src/domain/clock.js';
import { newId } from '../../src/domain/ids.js';
import { connectionSecretsContext } from '../../src/services/connections/targets.js';
import { JOB_RECONCILE } from '../../src/services/fulfilment/jobs.js';
import { createServices } from '../../src/services/index.js';
import { chunks, ROWS_PER_INSERT } from '../../src/store/chunks.js';
import { openStore, type Store } from '../../src/store/db.js';
import type { Job } from '../../src/store/jobs.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { findReconciliation } from '../../src/store/reconciliations.js';
import type { Database } from '../../src/store/schema.js';

// Reconciliation at 10,000 and 100,000 memberships of PostgreSQL roles (the local server), on either
// store. PostgreSQL rather than slapd: a membership there is one row of pg_auth_members, and one GRANT
// statement creates the whole matrix (every group role to every login role), so the set-up is seconds
// even at 100k and the time measured is Latchkey's (two queries for what should be, one listHolders
// query per role, the comparison and the write) rather than the directory server's. Each size: 20
// group roles (each a catalog resource with Member and Admin, 40 governed roles) × N/20 login roles,
// every membership a delivered grant to a linked account; then 1% of the memberships are REVOKEd behind
// Latchkey's back and 1% more are GRANTed to users with no grant. The first run repairs and reports them
// (timed), the second finds nothing to do (timed).
//
//   npx tsx bench/scenarios/reconcile.ts [--store sqlite|postgres] [--sizes 10000,100000]

const GROUPS = 20;
const { values: args } = parseArgs({ options: { store: { type: 'string', default: 'sqlite' }, sizes: { type: 'string', default: '10000,100000' } } });
const PG_URL = new URL(process.env.LATCHKEY_BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/postgres');
const q = pg.escapeIdentifier;

interface SizeResult { memberships: number; firstRun: number; secondRun: number; repaired: number; unmanaged: number; holdersChecked: number }

async function storeFor(kind: string): Promise<{ store: Store; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const file = `bench/.data/reconcile-${process.pid}.db`;
    const store = openStore(`sqlite:${file}`);
    return { store, drop: async () => { await store.close(); for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true }); } };
  }
  const name = `latchkey_bench_reconcile_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${q(name)}`);
  const u = new URL(PG_URL.toString());
  u.pathname = `/${name}`;
  const store = openStore(u.toString());
  return { store, drop: async () => { await store.close(); await admin.query(`DROP DATABASE ${q(name)}`); await admin.end(); } };
}

async function insertRows<T extends keyof Database>(store: Store, table: T, rows: Record<string, unknown>[]): Promise<void> {
  for (const batch of chunks(rows, ROWS_PER_INSERT)) await store.db.insertInto(table).values(batch as never).execute();
}

async function runSize(memberships: number, kind: string, admin: pg.Client): Promise<SizeResult> {
  const P = `lkb${randomBytes(3).toString('hex')}_`;
  const usersPerGroup = memberships / GROUPS;
  const groups = Array.from({ length: GROUPS }, (_, i) => `${P}g_${i}`);
  const logins = Array.from({ length: usersPerGroup }, (_, i) => `${P}u_${i}`);
  const extras = Array.from({ length: Math.ceil(memberships / 100 / GROUPS) }, (_, i) => `${P}x_${i}`);
  const { store, drop } = await storeFor(kind);
  try {
    await admin.query(`DO $$ BEGIN ${[...groups.map((g) => `CREATE ROLE ${q(g)} NOLOGIN;`), ...[...logins, ...extras].map((l) => `CREATE ROLE ${q(l)} LOGIN;`)].join(' ')} END $$`);
    await admin.query(`GRANT ${groups.map(q).join(', ')} TO ${logins.map(q).join(', ')}`);
    await migrateToLatest(store.db);
    const services = createServices({ db: store.db, clock: systemClock, log: pino({ level: 'silent' }) });
    const at = new Date().toISOString();
    const connectionId = newId();
    const settings = readPostgresSettings({
      host: PG_URL.hostname, port: Number(PG_URL.port || 5432), database: PG_URL.pathname.slice(1) || 'postgres', user: decodeURIComponent(PG_URL.username),
      ssl: 'disable', accountRule: { property: 'mailNickname', template: `${P}{mailNickname}` }, managedRolePrefix: `${P}g_`,
    });
    await insertRows(store, 'connections', [{
      id: connectionId, kind: 'postgresql', displayName: 'bench', description: null, settings: JSON.stringify(settings),
      secrets: services.secretBox.sealSecrets({ password: 'unused' }, connectionSecretsContext(connectionId)), timeoutMs: 60_000, concurrency: 4,
      reconcileInterval: null, nextReconcileAt: null, health: 'unknown', lastError: null, lastErrorAt: null, lastSuccessAt: null, createdAt: at, modifiedAt: at,
    }]);
    const catalogId = newId();
    await insertRows(store, 'catalogs', [{ id: catalogId, displayName: 'bench', description: null, state: 'published', isExternallyVisible: 1, catalogType: 'userManaged', createdAt: at, modifiedAt: at }]);
    const userIds = logins.map(() => newId());
    await insertRows(store, 'users', logins.map((l, i) => ({
      id: userIds[i], displayName: l, userPrincipalName: `${l}@bench.test`, upnKey: `${l}@bench.test`, mail: null, mailNickname: l.slice(P.length), givenName: null, surname: null,
      department: null, jobTitle: null, managerId: null, userType: 'Member', accountEnabled: 1, connectedOrganizationId: null, createdAt: at, modifiedAt: at, blockedAt: null,
      deleteAfter: null, governed: 0,
    })));
    await insertRows(store, 'connectionAccounts', logins.map((l, i) => ({ connectionId, userId: userIds[i], accountId: l, display: l, createdByLatchkey: 0, linkedAt: at })));
    for (const g of groups) {
      const resourceId = newId(); const memberRole = newId(); const scopeId = newId(); const packageId = newId();
      await insertRows(store, 'resources', [{ id: resourceId, catalogId, originSystem: 'PostgresRole', originId: g, displayName: g, description: null, resourceType: null, attributes: '[]', createdAt: at, modifiedAt: at, connectionId, exclusive: 0 }]);
      await insertRows(store, 'resourceRoles', [
        { id: memberRole, resourceId, originSystem: 'PostgresRole', originId: 'member', displayName: 'Member', description: null },
        { id: newId(), resourceId, originSystem: 'PostgresRole', originId: 'admin', displayName: 'Admin', description: null },
      ]);
      await insertRows(store, 'resourceScopes', [{ id: scopeId, resourceId, originSystem: 'PostgresRole', originId: g, displayName: 'Root', description: null, isRootScope: 1 }]);
      await insertRows(store, 'accessPackages', [{ id: packageId, catalogId, displayName: g, description: null, isHidden: 0, createdAt: at, modifiedAt: at }]);
      const assignmentIds = userIds.map(() => newId());
      await insertRows(store, 'assignments', userIds.map((u, i) => ({
        id: assignmentIds[i], accessPackageId: packageId, policyId: null, targetId: u, state: 'delivered', status: 'Delivered', startAt: at, endAt: null, expiredAt: null,
        createdAt: at, modifiedAt: at, requestId: null, justification: null, answers: '[]', reminded14At: null, reminded1At: null,
      })));
      await insertRows(store, 'grants', userIds.map((u, i) => ({
        id: newId(), assignmentId: assignmentIds[i], resourceRoleId: memberRole, resourceScopeId: scopeId, targetId: u, state: 'delivered', attempts: 1, lastError: null,
        nextAttemptAt: null, deliveredAt: at, revokedAt: null, createdAt: at, modifiedAt: at, requestId: null, deliveryId: null, confirmationDueAt: null,
      })));
    }
    // drift: 1% of the memberships revoked behind Latchkey's back, 1% granted to people without a grant
    const revoked = logins.slice(0, Math.ceil(memberships / 100 / GROUPS));
    await admin.query(`REVOKE ${groups.map(q).join(', ')} FROM ${revoked.map(q).join(', ')}`);
    await admin.query(`GRANT ${groups.map(q).join(', ')} TO ${extras.map(q).join(', ')}`);

    const timed = async () => {
      const { run } = await services.reconciliation.start(connectionId);
      const t0 = performance.now();
      await services.workerTasks.handlers[JOB_RECONCILE]({ payload: JSON.stringify({ reconciliationId: run.id }) } as Job);
      const seconds = (performance.now() - t0) / 1000;
      const done = await findReconciliation(store.db, run.id);
      if (done?.state !== 'succeeded') throw new Error(`the run ${done?.state}: ${done?.error}`);
      return { seconds, run: done };
    };
    const first = await timed();
    const second = await timed();
    await services.connectionTargets.closeAll();
    return {
      memberships, firstRun: first.seconds, secondRun: second.seconds, repaired: first.run.repaired, unmanaged: first.run.unmanaged, holdersChecked: first.run.holdersChecked,
    };
  } finally {
    const { rows } = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1', [P]);
    const names = rows.map((r) => r.rolname);
    if (names.length > 0) await admin.query(`DO $$ BEGIN ${names.map((n) => `DROP ROLE ${q(n)};`).join(' ')} END $$`);
    await drop();
  }
}

async function main(): Promise<void> {
  const sizes = (args.sizes ?? '').split(',').map(Number).filter((n) => n > 0);
  const admin = new pg.Client({ connectionString: PG_URL.toString() });
  await admin.connect();
  const results: SizeResult[] = [];
  try {
    for (const n of sizes) {
      const r = await runSize(n, args.store ?? 'sqlite', admin);
      results.push(r);
      console.log(`${args.store} ${n} memberships: first run ${r.firstRun.toFixed(2)} s (${r.repaired} repaired, ${r.unmanaged} unmanaged, ${r.holdersChecked} holders read), second run ${r.secondRun.toFixed(2)} s`);
    }
  } finally {
    await admin.end();
  }
  for (let i = 1; i < results.length; i++) {
    const a = results[i - 1]; const b = results[i];
    console.log(`growth ${a.memberships} → ${b.memberships} (×${b.memberships / a.memberships}): first run ×${(b.firstRun / a.firstRun).toFixed(2)}, second run ×${(b.secondRun / a.secondRun).toFixed(2)}`);
  }
}

await main();
