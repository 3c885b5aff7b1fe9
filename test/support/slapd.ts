import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';

// A throwaway OpenLDAP server for the LDAP connector's tests: Debian's slapd (installed by .ci/run),
// a generated configuration in a temporary folder (mdb database, the memberOf and refint overlays,
// the core, cosine, inetorgperson and nis schemas), listening on 127.0.0.1 at a free port. Entries
// are seeded with ldapadd against the running server because entries loaded offline with slapadd
// get no memberOf. The Debian package's own slapd service plays no part: this one has its own
// configuration, database, pid file and port.

const SLAPD = process.env.LATCHKEY_TEST_SLAPD ?? '/usr/sbin/slapd';
const SLAPTEST = process.env.LATCHKEY_TEST_SLAPTEST ?? '/usr/sbin/slaptest';
const SLAPADD = process.env.LATCHKEY_TEST_SLAPADD ?? '/usr/sbin/slapadd';
const MODULES = process.env.LATCHKEY_TEST_SLAPD_MODULES ?? '/usr/lib/ldap';
const SCHEMAS = process.env.LATCHKEY_TEST_SLAPD_SCHEMAS ?? '/etc/ldap/schema';

/**
 * Why the LDAP suites cannot run here, or false when they can. OpenLDAP comes from Debian's packages
 * (.ci/run installs slapd and ldap-utils); a machine with only Node.js lacks it. Outside CI the suites
 * are then skipped with this reason in the report (never silently); in CI (CI=true) they run and fail.
 */
export function slapdMissing(): string | false {
  if (process.env.CI === 'true') return false;
  const missing = [SLAPD, SLAPTEST].filter((f) => !existsSync(f));
  return missing.length ? `needs OpenLDAP (${missing.join(', ')} not found): apt-get install slapd ldap-utils, as .ci/run does` : false;
}

export const SUFFIX = 'dc=latchkey,dc=test';

export interface Slapd {
  /** ldap://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly suffix: string;
  /** the database's root DN, and its password */
  readonly adminDn: string;
  readonly adminPassword: string;
  /** adds entries (LDIF) with ldapadd, as the admin, against the running server */
  ldapadd(ldif: string): Promise<void>;
  /** applies changes (LDIF with changetype) with ldapmodify, as the admin */
  ldapmodify(ldif: string): Promise<void>;
  /** kills the server (SIGKILL, as a crash would), keeping its database and port for start() */
  kill(): Promise<void>;
  /** starts the server again on the same port and database; resolves once it answers */
  start(): Promise<void>;
  /** freezes the server (SIGSTOP): connections are accepted by the kernel but nothing answers */
  pause(): void;
  /** thaws a paused server (SIGCONT) */
  resume(): void;
  /** kills the server and removes its folder */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Runs a command to its end; rejects with its output when it fails. */
function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(out);
      // the password follows -w: never in an error message
      else reject(new Error(`${cmd} ${args.map((a, i) => (args[i - 1] === '-w' ? '***' : a)).join(' ')} exited with ${code}:\n${out}`));
    });
    child.stdin.end(input ?? '');
  });
}

function config(dir: string, adminDn: string, adminPassword: string): string {
  return [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include ${join(SCHEMAS, `${s}.schema`)}`),
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    `modulepath ${MODULES}`,
    'moduleload back_mdb',
    'moduleload memberof',
    'moduleload refint',
    // the config database, so that slaptest converts this file into a cn=config folder (slapd -F)
    'database config',
    'database mdb',
    `suffix "${SUFFIX}"`,
    `rootdn "${adminDn}"`,
    `rootpw ${adminPassword}`,
    `directory ${join(dir, 'data')}`,
    'maxsize 104857600',
    'index objectClass eq',
    'index cn,uid,mail eq,sub',
    'index member,uniqueMember,memberUid eq',
    // memberOf on the users of groupOfNames; deleting a user takes it out of its groups
    'overlay memberof',
    'memberof-group-oc groupOfNames',
    'memberof-member-ad member',
    'memberof-memberof-ad memberOf',
    'memberof-refint TRUE',
    'overlay refint',
    'refint_attributes member uniqueMember',
    `refint_nothing "${adminDn}"`,
    '',
  ].join('\n');
}

/** Starts a fresh server with the base entries (the suffix, ou=people, ou=groups); stop() it in an after() hook. */
export interface SlapdOptions {
  /** the port to listen on (default: a free one) */
  port?: number;
  /** the admin's password (default: a random one) */
  adminPassword?: string;
}

export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-slapd-'));
  const adminDn = `cn=admin,${SUFFIX}`;
  const adminPassword = options.adminPassword ?? `secret-${Math.random().toString(36).slice(2)}`;
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'slapd.d'));
  writeFileSync(join(dir, 'slapd.conf'), config(dir, adminDn, adminPassword), { mode: 0o600 });
  try {
    // slaptest opens the databases read-only, so the mdb files must exist first: slapadd of nothing
    // creates them (the entries themselves are added later with ldapadd, for memberOf)
    await run(SLAPADD, ['-f', join(dir, 'slapd.conf'), '-l', '/dev/null']);
    // the cn=config folder that slapd -F reads
    await run(SLAPTEST, ['-f', join(dir, 'slapd.conf'), '-F', join(dir, 'slapd.d')]);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  let port = options.port ?? await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const answers = async (): Promise<boolean> => {
    const c = new Client({ url: `ldap://127.0.0.1:${port}`, timeout: 1000, connectTimeout: 1000 });
    try {
      await c.bind(adminDn, adminPassword);
      return true;
    } catch {
      return false;
    } finally {
      await c.unbind().catch(() => undefined);
    }
  };

  const launch = async (): Promise<void> => {
    output = '';
    // -d 0: stay in the foreground (so that this process owns it) without debug output
    const p = spawn(SLAPD, ['-d', '0', '-F', join(dir, 'slapd.d'), '-h', `ldap://127.0.0.1:${port}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = p;
    p.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
    p.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
    let gone = false;
    exited = new Promise((resolve) => p.once('exit', () => { gone = true; resolve(); }));
    const deadline = Date.now() + 20_000;
    while (!(await answers())) {
      if (gone) throw new Error(`slapd exited before answering on port ${port}:\n${output}`);
      if (Date.now() > deadline) {
        p.kill('SIGKILL');
        throw new Error(`slapd did not answer on port ${port} within 20 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const kill = async (): Promise<void> => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  };

  // another process may take the free port between freePort() and slapd's bind: then try another one
  for (let attempt = 0; ; attempt++) {
    try {
      await launch();
      break;
    } catch (e) {
      await kill();
      if (attempt >= 2 || options.port !== undefined) {
        rmSync(dir, { recursive: true, force: true });
        throw e;
      }
      port = await freePort();
    }
  }

  const auth = () => ['-x', '-H', `ldap://127.0.0.1:${port}`, '-D', adminDn, '-w', adminPassword];
  const slapd: Slapd = {
    get url() { return `ldap://127.0.0.1:${port}`; },
    get port() { return port; },
    suffix: SUFFIX,
    adminDn,
    adminPassword,
    async ldapadd(ldif) { await run('ldapadd', auth(), ldif); },
    async ldapmodify(ldif) { await run('ldapmodify', auth(), ldif); },
    kill,
    async start() {
      await kill();
      await launch();
    },
    pause() { child?.kill('SIGSTOP'); },
    resume() { child?.kill('SIGCONT'); },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await slapd.ldapadd([
      `dn: ${SUFFIX}`, 'objectClass: dcObject', 'objectClass: organization', 'o: Latchkey test', 'dc: latchkey', '',
      `dn: ou=people,${SUFFIX}`, 'objectClass: organizationalUnit', 'ou: people', '',
      `dn: ou=groups,${SUFFIX}`, 'objectClass: organizationalUnit', 'ou: groups', '',
    ].join('\n'));
  } catch (e) {
    await slapd.stop();
    throw e;
  }
  return slapd;
}
