import { AndFilter, FilterParser, GreaterThanEqualsFilter, type Entry, type Filter } from 'ldapts';
import type { DirectoryEntry } from '../../domain/identity-sync.js';
import type { TargetLimits } from '../kit.js';
import { ConnectorError } from '../types.js';
import { normalizeDn } from './dn.js';
import { openLdapSession } from './session.js';
import type { LdapSecrets, LdapSettings } from './settings.js';

// Reading a directory's people and groups for an identity source (services/identity/ldap-sync): paged
// searches (the server hands the entries over a page at a time, so tens of thousands never need one
// answer, and each page is one operation under the connection's timeout) through the connection's own
// LDAP client and bind. Entries come out as the sync's pure rules want them (domain/identity-sync.ts):
// the DN and the DN-valued attributes in normal form, attribute names lower-cased, objectGUID (binary
// on Active Directory) as its GUID text.

export interface DirectorySearch {
  base: string;
  /** an LDAP filter as configured (text) */
  filter: string;
  /** only entries whose `attribute` is at or after `value` (an incremental run's modifyTimestamp) */
  since?: { attribute: string; value: string };
  attributes: string[];
  /** attributes whose values are DNs, compared in normal form */
  dnAttributes: string[];
  /** told after each page how many entries were read so far */
  onPage?: (read: number) => Promise<void> | void;
}

export interface LdapDirectory {
  /** Every entry of the search; failures become ConnectorErrors saying what was being read. */
  search(what: string, s: DirectorySearch): Promise<DirectoryEntry[]>;
  close(): Promise<void>;
}

/** Entries per page of a search. */
export const DIRECTORY_PAGE = 500;
/** Attributes that are binary GUIDs on Active Directory. */
const GUID_ATTRIBUTES = ['objectGUID'];

/** A configured filter, or a 400-style ConnectorError naming the field. */
export function parseSyncFilter(field: string, text: string): Filter {
  try {
    return FilterParser.parseString(text);
  } catch (e) {
    throw new ConnectorError(`The identity source's ${field} ${text} is not a valid LDAP filter (${(e as Error).message}).`, false);
  }
}

export function openLdapDirectory(settings: LdapSettings, secrets: LdapSecrets, limits: TargetLimits): LdapDirectory {
  const session = openLdapSession(settings, secrets, limits);
  return {
    async search(what, s) {
      let filter = parseSyncFilter('filter', s.filter);
      if (s.since) filter = new AndFilter({ filters: [filter, new GreaterThanEqualsFilter({ attribute: s.since.attribute, value: s.since.value })] });
      const guids = s.attributes.filter((a) => GUID_ATTRIBUTES.some((g) => g.toLowerCase() === a.toLowerCase()));
      const dnAttributes = new Set(s.dnAttributes.map((a) => a.toLowerCase()));
      const client = await session.client(what);
      const out: DirectoryEntry[] = [];
      try {
        for await (const page of client.searchPaginated(s.base, {
          scope: 'sub', filter, attributes: s.attributes, explicitBufferAttributes: guids, paged: { pageSize: DIRECTORY_PAGE },
        })) {
          for (const entry of page.searchEntries) out.push(toDirectoryEntry(entry, dnAttributes));
          await s.onPage?.(out.length);
        }
      } catch (e) {
        if (e instanceof ConnectorError) throw e;
        return session.fail(e, what);
      }
      return out;
    },
    close: () => session.close(),
  };
}

function toDirectoryEntry(entry: Entry, dnAttributes: ReadonlySet<string>): DirectoryEntry {
  const attributes: Record<string, string[]> = {};
  for (const [name, raw] of Object.entries(entry)) {
    if (name === 'dn') continue;
    const key = name.toLowerCase();
    const list = (Array.isArray(raw) ? raw : [raw]) as (string | Buffer)[];
    const values = list.map((v) => (Buffer.isBuffer(v) ? (v.length === 16 ? guidText(v) : v.toString('base64')) : String(v)));
    attributes[key] = dnAttributes.has(key) ? values.map(normalizeDn) : values;
  }
  return { dn: normalizeDn(entry.dn), attributes };
}

/** Active Directory's objectGUID bytes as the GUID it is written as (the first three groups little-endian). */
export function guidText(b: Buffer): string {
  const hex = (i: number) => b[i].toString(16).padStart(2, '0');
  const part = (idx: number[]) => idx.map(hex).join('');
  return `${part([3, 2, 1, 0])}-${part([5, 4])}-${part([7, 6])}-${part([8, 9])}-${part([10, 11, 12, 13, 14, 15])}`;
}
