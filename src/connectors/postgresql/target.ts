import pg from 'pg';
import type { AccountRef, AccountSubject, Target, TargetLimits, TargetRole } from '../kit.js';
import { withLimits } from '../limits.js';
import { ConnectorError, type ConnectorRole, type ResourceDescriptor } from '../types.js';
import { accountNameFor } from './account-name.js';
import { pgFailure } from './errors.js';
import { ADMIN_ROLE, MEMBER_ROLE, type PostgresSecrets, type PostgresSettings } from './settings.js';

// The client of one PostgreSQL cluster: resources are roles, a grant is role membership. Role names
// cannot be bind parameters in GRANT and REVOKE, so they are quoted with pg's escapeIdentifier (double
// quotes doubled, the whole wrapped in quotes): a name like `x"; DROP ROLE y; --` is one identifier.
// Everything read (pg_roles, pg_auth_members) goes through bind parameters.
//
// Idempotency is by reading pg_auth_members before changing it, and reading it back after a revoke:
// from PostgreSQL 16 a REVOKE only removes the grants the connecting role made and merely warns about
// the others, and access that stays after its revoke reported success would be a security hole.
// Member and Admin are one membership in PostgreSQL: revoking Member ends the membership, ADMIN
// OPTION included; revoking Admin takes only the admin option (REVOKE ADMIN OPTION FOR) unless the
// revoke says revokeImplied: then no live grant gives the person Member, and the membership the Admin
// grant made goes with it (REVOKE role), since access must not outlive the assignment that gave it. The
// kind declares that Admin implies Member (index.ts), so revocation keeps a Member another grant's Admin
// still needs, and reconciliation does not take an Admin holder for an unmanaged Member.

const ROLES: ConnectorRole[] = [
  { originId: MEMBER_ROLE, displayName: 'Member', description: 'Member of the role: has its privileges.' },
  {
    originId: ADMIN_ROLE,
    displayName: 'Admin',
    description: 'Member of the role WITH ADMIN OPTION: has its privileges and may grant it to others.',
  },
];

interface RoleRow {
  rolname: string;
  rolcanlogin: boolean;
  rolsuper: boolean;
  description: string | null;
}

const ROLE_COLUMNS = "rolname, rolcanlogin, rolsuper, shobj_description(oid, 'pg_authid') AS description";

export function createPostgresTarget(settings: PostgresSettings, secrets: PostgresSecrets, limits: TargetLimits): Target {
  const timeoutMs = settings.timeoutMs ?? limits.timeoutMs;
  const server = `${settings.host}:${settings.port}`;
  const pool = new pg.Pool({
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: secrets.password,
    ssl: sslOptions(settings),
    max: Math.max(1, limits.concurrency),
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: timeoutMs,
    // the server cancels a slow statement (statement_timeout) and the connection stays usable; pg's own
    // query_timeout, a little later, is for a server that stopped answering at all (it leaves the
    // connection busy, so it must not be the one that usually fires)
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 1000,
    application_name: 'latchkey',
  });
  // an idle connection the server closed (restart, idle timeout) reports here; the next query reconnects
  pool.on('error', () => {});
  const prefix = settings.managedRolePrefix;
  const q = pg.escapeIdentifier;

  async function query<R extends pg.QueryResultRow>(doing: string, text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await pool.query<R>(text, values)).rows;
    } catch (error) {
      throw pgFailure(error, server, doing, timeoutMs);
    }
  }

  /**
   * A GRANT or REVOKE that may meet another one of the same membership at the same moment (two packages
   * giving one person Member and Admin of a role, delivered side by side, or two workers): PostgreSQL then
   * refuses the second change of pg_auth_members (a unique violation, or "tuple concurrently updated"),
   * which is no failure of the grant. The membership is read again and the statement sent once more only
   * if `stillNeeded` says the other one did not already do what this one asks.
   */
  async function raceSafe(doing: string, text: string, stillNeeded: () => Promise<boolean>): Promise<void> {
    try {
      await pool.query(text);
    } catch (error) {
      const e = error as { code?: string; message?: string };
      const raced = e.code === '23505' || (e.code === 'XX000' && /concurrently (updated|deleted)/.test(e.message ?? ''));
      if (!raced) throw pgFailure(error, server, doing, timeoutMs);
      if (await stillNeeded()) await query(doing, text);
    }
  }

  const managed = (name: string) => prefix === undefined || name.startsWith(prefix);
  const describe = (row: RoleRow): ResourceDescriptor => {
    const base = {
      originId: row.rolname,
      displayName: row.rolname,
      description: row.description,
      resourceType: row.rolcanlogin ? 'PostgreSQL login role' : 'PostgreSQL role',
    };
    if (!managed(row.rolname)) return { ...base, addable: false, reason: `Only roles starting with '${prefix}' are governed through this connection.` };
    if (row.rolsuper) return { ...base, addable: false, reason: 'A superuser role is not granted through Latchkey.' };
    return { ...base, addable: true };
  };

  /** The role and the membership of `login` in it as pg_auth_members holds it (PostgreSQL 16 may hold a row per grantor). */
  async function membership(role: string, login: string, doing: string): Promise<{ exists: boolean; superuser: boolean; member: boolean; admin: boolean }> {
    const rows = await query<{ superuser: boolean; admin: boolean | null }>(
      doing,
      `SELECT r.rolsuper AS superuser, m.admin_option AS admin FROM pg_roles r
         LEFT JOIN pg_auth_members m ON m.roleid = r.oid AND m.member = (SELECT oid FROM pg_roles WHERE rolname = $2)
        WHERE r.rolname = $1`,
      [role, login],
    );
    const held = rows.filter((r) => r.admin !== null);
    return { exists: rows.length > 0, superuser: rows[0]?.superuser ?? false, member: held.length > 0, admin: held.some((r) => r.admin) };
  }

  /** The role a grant or revoke is about, checked against the prefix and the roles offered. */
  function checkRole(role: TargetRole, doing: string): void {
    if (!managed(role.resourceId)) {
      throw new ConnectorError(`Refused ${doing}: only roles starting with '${prefix}' are governed through this connection.`, false);
    }
    if (role.roleId !== MEMBER_ROLE && role.roleId !== ADMIN_ROLE) {
      throw new ConnectorError(`Refused ${doing}: a PostgreSQL role offers '${MEMBER_ROLE}' and '${ADMIN_ROLE}', not '${role.roleId}'.`, false);
    }
  }

  const target: Target = {
    async test() {
      const [me] = await query<{ user: string; version: string; createrole: boolean; superuser: boolean }>(
        'testing the connection',
        `SELECT current_user AS user, current_setting('server_version') AS version, rolcreaterole AS createrole, rolsuper AS superuser
           FROM pg_roles WHERE rolname = current_user`,
      );
      const [count] = await query<{ n: number }>(
        'counting roles',
        `SELECT count(*)::int AS n FROM pg_roles WHERE ($1::text IS NULL OR left(rolname, length($1)) = $1) AND ($2 OR NOT rolcanlogin)`,
        [prefix ?? null, settings.includeLoginRoles],
      );
      const rights = me!.superuser ? 'superuser' : me!.createrole ? 'CREATEROLE' : 'no CREATEROLE: it grants only the roles it holds WITH ADMIN OPTION';
      return { summary: `Connected to ${settings.database} on ${server} as ${me!.user} (PostgreSQL ${me!.version}, ${rights}); ${count!.n} roles to govern.` };
    },

    async searchResources(search, limit) {
      const rows = await query<RoleRow>(
        'searching roles',
        `SELECT ${ROLE_COLUMNS} FROM pg_roles
          WHERE strpos(lower(rolname), lower($1)) > 0
            AND ($2::text IS NULL OR left(rolname, length($2)) = $2)
            AND ($3 OR NOT rolcanlogin)
          ORDER BY rolname LIMIT $4`,
        [search, prefix ?? null, settings.includeLoginRoles, Math.max(0, limit)],
      );
      return rows.map(describe);
    },

    async lookupResource(resourceId) {
      const [row] = await query<RoleRow>(`looking up role ${q(resourceId)}`, `SELECT ${ROLE_COLUMNS} FROM pg_roles WHERE rolname = $1`, [resourceId]);
      return row ? describe(row) : undefined;
    },

    rolesOf() {
      return ROLES;
    },

    async findAccount(subject) {
      const name = accountNameFor(settings.accountRule, subject);
      const [row] = await query<{ rolname: string; rolcanlogin: boolean }>(
        `looking for login role ${q(name)}`,
        'SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = $1',
        [name],
      );
      if (!row) return undefined;
      if (!row.rolcanlogin) {
        throw new ConnectorError(`Role ${q(name)} (the account of ${subject.userPrincipalName}) exists but cannot log in (NOLOGIN): it is not a person's account.`, false);
      }
      return account(row.rolname);
    },

    async grant(login, role) {
      const doing = `granting role ${q(role.resourceId)}${role.roleId === ADMIN_ROLE ? ' WITH ADMIN OPTION' : ''} to ${q(login.id)}`;
      checkRole(role, doing);
      const now = await membership(role.resourceId, login.id, doing);
      if (!now.exists) throw new ConnectorError(`Refused ${doing}: PostgreSQL at ${server} has no role ${q(role.resourceId)}.`, false);
      if (now.superuser) throw new ConnectorError(`Refused ${doing}: ${q(role.resourceId)} is a superuser role, which is not granted through Latchkey.`, false);
      const held = (m: { member: boolean; admin: boolean }) => (role.roleId === ADMIN_ROLE ? m.admin : m.member);
      if (held(now)) return { changed: false };
      await raceSafe(doing, `GRANT ${q(role.resourceId)} TO ${q(login.id)}${role.roleId === ADMIN_ROLE ? ' WITH ADMIN OPTION' : ''}`,
        async () => !held(await membership(role.resourceId, login.id, doing)));
      return { changed: true };
    },

    async revoke(login, role, delivery) {
      // Admin alone: only the admin option goes, the membership stays (another grant, or reconciliation of
      // the Member role, answers for it); Admin with revokeImplied: the membership the Admin grant gave goes too
      const optionOnly = role.roleId === ADMIN_ROLE && !delivery?.revokeImplied;
      const doing = `revoking ${optionOnly ? 'ADMIN OPTION for ' : ''}role ${q(role.resourceId)} from ${q(login.id)}`;
      checkRole(role, doing);
      const before = await membership(role.resourceId, login.id, doing);
      if (optionOnly ? !before.admin : !before.member) return { changed: false };
      await raceSafe(doing, optionOnly ? `REVOKE ADMIN OPTION FOR ${q(role.resourceId)} FROM ${q(login.id)}` : `REVOKE ${q(role.resourceId)} FROM ${q(login.id)}`,
        async () => { const m = await membership(role.resourceId, login.id, doing); return optionOnly ? m.admin : m.member; });
      const after = await membership(role.resourceId, login.id, doing);
      if (optionOnly ? after.admin : after.member) {
        throw new ConnectorError(
          `PostgreSQL at ${server} kept the membership after ${doing}: it was granted by another role than ${settings.user}, which must revoke it (or REVOKE … GRANTED BY).`,
          false,
        );
      }
      return { changed: true };
    },

    async listHolders(role) {
      checkRole(role, `listing the holders of role ${q(role.resourceId)}`);
      const rows = await query<{ rolname: string }>(
        `listing the holders of role ${q(role.resourceId)}`,
        `SELECT DISTINCT u.rolname FROM pg_auth_members m
           JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
          WHERE r.rolname = $1 AND ($2 = false OR m.admin_option)
          ORDER BY u.rolname`,
        [role.resourceId, role.roleId === ADMIN_ROLE],
      );
      return rows.map((r) => account(r.rolname));
    },

    async close() {
      await pool.end();
    },
  };

  target.describeAccount = (subject: AccountSubject): string => {
    try {
      return `a login role ${q(accountNameFor(settings.accountRule, subject))} (the user's ${settings.accountRule.property}) on ${server}`;
    } catch (e) {
      return `a login role by the user's ${settings.accountRule.property} on ${server}, but ${(e as Error).message}`;
    }
  };

  if (settings.createAccounts) {
    target.createAccount = async (subject: AccountSubject): Promise<AccountRef> => {
      const name = accountNameFor(settings.accountRule, subject);
      const doing = `creating login role ${q(name)} for ${subject.userPrincipalName}`;
      try {
        await pool.query(`CREATE ROLE ${q(name)} LOGIN`);
      } catch (error) {
        // created meanwhile (another grant of the same person): findAccount says whether it can log in
        if ((error as { code?: string }).code !== '42710') throw pgFailure(error, server, doing, timeoutMs);
        const found = await target.findAccount(subject);
        if (found) return found;
      }
      await query(doing, `COMMENT ON ROLE ${q(name)} IS ${pg.escapeLiteral(`Login of ${subject.userPrincipalName}, created by Latchkey`)}`);
      return account(name);
    };
  }

  return withLimits(target, limits);
}

function account(rolname: string): AccountRef {
  return { id: rolname, display: rolname };
}

function sslOptions(settings: PostgresSettings): pg.ClientConfig['ssl'] {
  if (settings.ssl === 'disable') return false;
  if (settings.ssl === 'require') return { rejectUnauthorized: false };
  return { rejectUnauthorized: true, ...(settings.caCertificate ? { ca: settings.caCertificate } : {}) };
}
