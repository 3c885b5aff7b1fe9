import type { LdapDirectory } from '../../../connectors/ldap/directory.js';
import {
  attributesOf, mapGroupEntry, mapUserEntry, type DirectoryEntry, type SourceGroup, type SourceUser, type SyncMode,
} from '../../../domain/identity-sync.js';
import type { ResolvedSourceSettings } from './settings.js';

// What a run reads of the directory, by mode:
// - full: every user and group entry with every mapped attribute; whatever the source owns and is not
//   among them is gone.
// - incremental: only the entries whose modified attribute (modifyTimestamp) is at or after the cursor,
//   the newest one the last run read (>=, so that an entry changed in the same second as the cursor is
//   read again rather than missed; reading it again changes nothing). A group's timestamp changes when its
//   members do, so membership changes arrive with it; nothing gone is found (a deleted entry has no
//   timestamp to find it by).
// - compare: only the stable ids of every entry (one small attribute each), to find what is gone.

export interface DirectoryRead {
  users: SourceUser[];
  groups: SourceGroup[];
  presentUserKeys: Set<string> | null;
  presentGroupKeys: Set<string> | null;
  errors: string[];
}

const DN_ATTRIBUTES = (s: ResolvedSourceSettings) => [...s.mapping.user.manager, ...s.mapping.group.members];

/** Reads what the mode needs; `onRead` is told the running total of entries read after each page. */
export async function readDirectory(
  directory: LdapDirectory, s: ResolvedSourceSettings, mode: SyncMode, cursor: string | null, onRead: (n: number) => Promise<void>,
): Promise<DirectoryRead> {
  const keysOnly = mode === 'compare';
  const since = mode === 'incremental' && cursor ? cursor : null;
  let usersRead = 0;
  const userEntries = await directory.search(`Reading the people under ${s.usersBaseDn}`, {
    base: s.usersBaseDn, filter: s.usersFilter,
    since: since ? { attribute: s.mapping.user.modified[0] ?? 'modifyTimestamp', value: since } : undefined,
    attributes: keysOnly ? s.mapping.user.key : attributesOf(s.mapping.user, s.disabled),
    dnAttributes: DN_ATTRIBUTES(s),
    onPage: async (n) => {
      usersRead = n;
      await onRead(n);
    },
  });
  const groupEntries = s.syncGroups
    ? await directory.search(`Reading the groups under ${s.groupsBaseDn}`, {
      base: s.groupsBaseDn, filter: s.groupsFilter,
      since: since ? { attribute: s.mapping.group.modified[0] ?? 'modifyTimestamp', value: since } : undefined,
      attributes: keysOnly ? s.mapping.group.key : attributesOf(s.mapping.group),
      dnAttributes: DN_ATTRIBUTES(s),
      onPage: (n) => onRead(usersRead + n),
    })
    : [];

  const errors: string[] = [];
  const full = mode !== 'incremental';
  const keyOf = (e: DirectoryEntry, names: string[]) => names.map((n) => e.attributes[n.toLowerCase()]?.[0]).find((v) => v);
  const presentUserKeys = full ? new Set(userEntries.map((e) => keyOf(e, s.mapping.user.key)).filter((k): k is string => !!k)) : null;
  // without groups synced, nothing the source owns of groups is looked at
  const presentGroupKeys = full && s.syncGroups ? new Set(groupEntries.map((e) => keyOf(e, s.mapping.group.key)).filter((k): k is string => !!k)) : null;
  const users: SourceUser[] = [];
  const groups: SourceGroup[] = [];
  if (!keysOnly) {
    for (const e of userEntries) {
      const m = mapUserEntry(e, s.mapping, s.disabled);
      if (m.ok) users.push(m.value);
      else errors.push(m.error);
    }
    for (const e of groupEntries) {
      const m = mapGroupEntry(e, s.mapping);
      if (m.ok) groups.push(m.value);
      else errors.push(m.error);
    }
  }
  return { users, groups, presentUserKeys, presentGroupKeys, errors };
}
