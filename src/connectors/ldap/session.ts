import { Client, type Entry, type Filter, type SearchOptions } from 'ldapts';
import type { TargetLimits } from '../kit.js';
import { isWithin } from './dn.js';
import { ldapFailure, resultCode } from './errors.js';
import { configuredFilter } from './filters.js';
import { GOVERNABLE_CLASSES, membershipOf, values, type Membership } from './membership.js';
import { resolveLdapSettings, type LdapSecrets, type LdapSettings, type ResolvedLdapSettings } from './settings.js';

// One connection's LDAP client and the reads the target's operations share. The client keeps one
// connection open and bound as the bind DN; when the server drops it (a restart, an idle timeout) the
// next operation reconnects and binds again, so a server that comes back works without anyone's help.

export interface LdapGroup {
  dn: string;
  entry: Entry;
  membership: Membership;
}

export interface LdapSession {
  readonly settings: ResolvedLdapSettings;
  /** the connection's groupFilter and userFilter */
  readonly groups: Filter;
  readonly users: Filter;
  /** the client, bound as the bind DN; a failure to bind says `what` was being done */
  client(what: string): Promise<Client>;
  /** a search; failures become ConnectorErrors saying `what` was being done */
  search(what: string, base: string, options: SearchOptions): Promise<Entry[]>;
  /** the entry at `dn` (matching `filter`); undefined when there is none or `dn` is not a DN */
  readEntry(what: string, dn: string, filter: Filter | undefined, attributes: string[]): Promise<Entry | undefined>;
  /** the group at `dn` when the connection governs it (under groupBaseDn, matching groupFilter, of a known kind) */
  readGroup(dn: string, attributes: string[], doing?: string): Promise<LdapGroup | undefined>;
  /** why `dn` is no group the connection governs, for messages */
  notGoverned(dn: string): Promise<string>;
  fail(e: unknown, what: string): never;
  close(): Promise<void>;
}

/** Attributes read with every group. */
export const GROUP_ATTRIBUTES = ['objectClass'];

export function openLdapSession(settings: LdapSettings, secrets: LdapSecrets, limits: TargetLimits): LdapSession {
  const s = resolveLdapSettings(settings, limits);
  const groups = configuredFilter('groupFilter', s.groupFilter);
  const users = configuredFilter('userFilter', s.userFilter);
  const secure = s.url.toLowerCase().startsWith('ldaps:');
  const ldap = new Client({
    url: s.url,
    timeout: s.timeoutMs,
    connectTimeout: s.timeoutMs,
    // ldapts speaks TLS whenever tlsOptions has a value, so an ldap:// URL gets none
    tlsOptions: secure ? { rejectUnauthorized: s.tls.rejectUnauthorized, ca: s.tls.ca, servername: s.tls.servername } : undefined,
    // after a reconnect the client binds again before the operation that reconnected
    autoRebind: true,
  });
  let binding: Promise<void> | undefined;

  const fail = (e: unknown, what: string): never => {
    throw ldapFailure(e, what, s.url, s.timeoutMs);
  };

  const client = async (what: string): Promise<Client> => {
    if (!ldap.isBound) {
      // concurrent operations share one bind
      binding ??= ldap.bind(s.bindDn, secrets.bindPassword).finally(() => { binding = undefined; });
      try {
        await binding;
      } catch (e) {
        fail(e, `${what} (binding as ${s.bindDn})`);
      }
    }
    return ldap;
  };

  const search = async (what: string, base: string, options: SearchOptions): Promise<Entry[]> => {
    const c = await client(what);
    try {
      return (await c.search(base, options)).searchEntries;
    } catch (e) {
      return fail(e, what);
    }
  };

  /** the entry at `dn` matching `filter`; undefined when there is none (or the DN is not one) */
  const readEntry = async (what: string, dn: string, filter: Filter | undefined, attributes: string[]): Promise<Entry | undefined> => {
    const c = await client(what);
    try {
      const r = await c.search(dn, { scope: 'base', filter, attributes });
      return r.searchEntries[0];
    } catch (e) {
      // noSuchObject, invalidDNSyntax
      if (resultCode(e) === 32 || resultCode(e) === 34) return undefined;
      return fail(e, what);
    }
  };

  return {
    settings: s,
    groups,
    users,
    client,
    search,
    readEntry,
    fail,
    async readGroup(dn, attributes, doing) {
      if (!isWithin(dn, s.groupBaseDn)) return undefined;
      const entry = await readEntry(doing ?? `Reading the LDAP group ${dn}`, dn, groups, [...GROUP_ATTRIBUTES, ...attributes]);
      if (!entry) return undefined;
      const membership = membershipOf(values(entry, 'objectClass'));
      return membership ? { dn: entry.dn, entry, membership } : undefined;
    },
    async notGoverned(dn) {
      if (!isWithin(dn, s.groupBaseDn)) return `${dn} is outside the connection's groups (${s.groupBaseDn})`;
      const entry = await readEntry(`Reading ${dn}`, dn, undefined, ['objectClass']);
      if (!entry) return `there is no entry ${dn} on ${s.url}`;
      const classes = values(entry, 'objectClass');
      if (!membershipOf(classes)) return `${dn} is a ${classes.join(', ')}, not a group Latchkey can change (${GOVERNABLE_CLASSES})`;
      return `${dn} does not match the connection's groupFilter ${s.groupFilter}`;
    },
    async close() {
      await ldap.unbind().catch(() => undefined);
    },
  };
}
