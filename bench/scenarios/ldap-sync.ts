import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { systemClock } from '../../src/domain/clock.js';
import { newId } from '../../src/domain/ids.js';
import { connectionSecretsContext } from '../../src/services/connections/targets.js';
import { createServices } from '../../src/services/index.js';
import { JOB_IDENTITY_SYNC } from '../../src/services/identity/ldap-sync/deps.js';
import { openStore, type Store } from '../../src/store/db.js';
import { insertIdentitySource } from '../../src/store/identity-sources.js';
import { findSyncRun } from '../../src/store/identity-sync.js';
import type { Job } from '../../src/store/jobs.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { slapdMissing, startSlapd, SUFFIX } from '../../test/support/slapd.js';

// LDAP directory sync (issue 13) against a throwaway OpenLDAP (Debian's slapd): 10,000 people (each
// with a manager) and 2,000 groups of 10 members (every tenth group also holds another group: nested),
// synced into an empty Latchkey on either store. Timed: the full run (every entry read through paged
// searches, everything written in batches of 500 with its events and audit records; target 30 s), then an
// incremental run after 100 changes (80 people's titles, 20 groups' members; target 2 s). Before the
// timed incremental run an untimed one moves the cursor past the seeded entries' last second (an
// incremental run reads the cursor's own second again), as a source in steady state would have it.
// The worker's job handler is called directly: the time is the run's, not the job queue's.
//
//   npx tsx bench/scenarios/ldap-sync.ts [--store sqlite|postgres] [--users 10000] [--groups 2000]

const { values: args } = parseArgs({
  options: { store: { type: 'string', default: 'sqlite' }, users: { type: 'string', default: '10000' }, groups: { type: 'string', default: '2000' } },
});
const USERS = Number(args.users);
const GROUPS = Number(args.groups);
const MEMBERS = 10;
const PG_URL = new URL(process.env.LATCHKEY_BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/postgres');
const PEOPLE = `ou=people,${SUFFIX}`;
const GROUP_BASE = `ou=groups,${SUFFIX}`;
const uidDn = (i: number) => `uid=u${i},${PEOPLE}`;
const groupDn = (i: number) => `cn=g${i},${GROUP_BASE}`;

async function storeFor(kind: string): Promise<{ store: Store; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const file = `bench/.data/ldap-sync-${process.pid}.db`;
    const store = openStore(`sqlite:${file}`);
    return { store, drop: async () => { await store.close(); for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true }); } };
  }
  const name = `latchkey_bench_ldap_sync_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const u = new URL(PG_URL.toString());
  u.pathname = `/${name}`;
  const store = openStore(u.toString());
  return { store, drop: async () => { await store.close(); await admin.query(`DROP DATABASE ${pg.escapeIdentifier(name)}`); await admin.end(); } };
}

function seedLdif(): string {
  const out: string[] = [];
  for (let i = 0; i < USERS; i++) {
    out.push([
      `dn: ${uidDn(i)}`, 'objectClass: inetOrgPerson', `uid: u${i}`, `cn: User ${i}`, `sn: ${i}`, `givenName: User`, `mail: u${i}@bench.test`, 'title: Engineer',
      `departmentNumber: D${i % 50}`, `employeeNumber: ${i}`, ...(i > 0 ? [`manager: ${uidDn(Math.floor((i - 1) / 10))}`] : []), '',
    ].join('\n'));
  }
  for (let g = 0; g < GROUPS; g++) {
    const members = Array.from({ length: MEMBERS }, (_, k) => `member: ${uidDn((g * MEMBERS + k) % USERS)}`);
    if (g % 10 === 9) members.push(`member: ${groupDn(g - 1)}`);
    out.push([`dn: ${groupDn(g)}`, 'objectClass: groupOfNames', `cn: g${g}`, ...members, ''].join('\n'));
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const missing = slapdMissing();
  if (missing) {
    console.log(`ldap-sync: not run: ${missing}`);
    return;
  }
  const slapd = await startSlapd();
  const { store, drop } = await storeFor(args.store ?? 'sqlite');
  try {
    let t0 = performance.now();
    await slapd.ldapadd(seedLdif());
    console.log(`seeded ${USERS} people and ${GROUPS} groups into slapd in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await migrateToLatest(store.db);
    const services = createServices({ db: store.db, clock: systemClock, log: pino({ level: 'silent' }) });
    const at = new Date().toISOString();
    const connectionId = newId();
    await store.db.insertInto('connections').values({
      id: connectionId, kind: 'ldap', displayName: 'bench', description: null,
      settings: JSON.stringify({ url: slapd.url, bindDn: slapd.adminDn, baseDn: SUFFIX, groupBaseDn: GROUP_BASE, userBaseDn: PEOPLE }),
      secrets: services.secretBox.sealSecrets({ bindPassword: slapd.adminPassword }, connectionSecretsContext(connectionId)), timeoutMs: 60_000, concurrency: 4,
      reconcileInterval: null, nextReconcileAt: null, health: 'unknown', lastError: null, lastErrorAt: null, lastSuccessAt: null, createdAt: at, modifiedAt: at,
    }).execute();
    const sourceId = newId();
    await insertIdentitySource(store.db, { id: sourceId, kind: 'ldap', displayName: 'bench', description: null, connectionId, settings: '{}', createdAt: at, modifiedAt: at });

    const timed = async (mode: 'full' | 'incremental') => {
      const { run } = await services.identitySources.sync(sourceId, { mode });
      t0 = performance.now();
      await services.workerTasks.handlers[JOB_IDENTITY_SYNC]({ payload: JSON.stringify({ runId: run.id }) } as Job);
      const seconds = (performance.now() - t0) / 1000;
      const done = await findSyncRun(store.db, run.id);
      if (done?.state !== 'succeeded') throw new Error(`the ${mode} run ${done?.state}: ${done?.error}`);
      return { seconds, run: done };
    };
    const describe = (r: Awaited<ReturnType<typeof timed>>) =>
      `${r.seconds.toFixed(2)} s (read ${r.run.entriesRead}, written ${r.run.entriesWritten}: users +${r.run.usersCreated} ~${r.run.usersUpdated}, groups +${r.run.groupsCreated} ~${r.run.groupsUpdated}, members +${r.run.membersAdded} -${r.run.membersRemoved})`;

    const full = await timed('full');
    console.log(`${args.store} full sync of ${USERS} people and ${GROUPS} groups: ${describe(full)}`);

    await sleep(1100);
    await slapd.ldapmodify([`dn: ${uidDn(0)}`, 'changetype: modify', 'replace: title', 'title: Chief', ''].join('\n'));
    const warm = await timed('incremental');
    console.log(`${args.store} incremental (cursor past the seed, 1 change, untimed target): ${describe(warm)}`);

    await sleep(1100);
    const changes: string[] = [];
    for (let i = 1; i <= 80; i++) changes.push([`dn: ${uidDn(i * 97)}`, 'changetype: modify', 'replace: title', `title: Staff Engineer ${i}`, ''].join('\n'));
    for (let g = 0; g < 20; g++) changes.push([`dn: ${groupDn(g * 83)}`, 'changetype: modify', 'add: member', `member: ${uidDn((g * 83 * MEMBERS + MEMBERS + 1) % USERS)}`, ''].join('\n'));
    await slapd.ldapmodify(changes.join('\n'));
    const incremental = await timed('incremental');
    console.log(`${args.store} incremental sync with 100 changes: ${describe(incremental)}`);
    console.log(JSON.stringify({ store: args.store, users: USERS, groups: GROUPS, fullSeconds: full.seconds, incrementalSeconds: incremental.seconds, targets: { full: 30, incremental: 2 } }));
  } finally {
    await drop();
    await slapd.stop();
  }
}

await main();
