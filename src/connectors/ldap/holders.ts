import type { AccountRef } from '../kit.js';
import { firstRdn, normalizeDn } from './dn.js';
import { accountsFilter } from './filters.js';
import { membershipOf, values } from './membership.js';
import { GROUP_ATTRIBUTES, type LdapGroup, type LdapSession } from './session.js';

// Who holds a group's Member role: its members, with nested groups (members that are themselves
// groups of the connection's groupFilter, anywhere under baseDn) replaced by their own members, to any
// depth and through cycles. posixGroup members are user names, turned into the accounts' DNs so that
// they compare with the accounts Latchkey granted; a name without an account is reported as it is.
// The emptyGroupMember stand-in is nobody.

/** The member attributes of every kind of group. */
export const MEMBER_ATTRIBUTES = ['member', 'uniqueMember', 'memberUid'];
const UID_BATCH = 100;
const PAGE = 500;

/** The accounts holding the group at `dn` (already known to be governed: read as `root`), by id. */
export async function listGroupHolders(session: LdapSession, root: LdapGroup): Promise<AccountRef[]> {
  const s = session.settings;
  const standIn = s.emptyGroupMember ? normalizeDn(s.emptyGroupMember) : undefined;
  const doing = `Reading the members of the LDAP group ${root.dn}`;

  let groupDns: Set<string> | undefined;
  const isGroup = async (dn: string): Promise<boolean> => {
    groupDns ??= new Set((await session.search(`${doing}: listing the groups under ${s.baseDn} to find nested ones`, s.baseDn, {
      scope: 'sub', filter: session.groups, attributes: ['1.1'], paged: { pageSize: PAGE },
    })).map((e) => normalizeDn(e.dn)));
    return groupDns.has(normalizeDn(dn));
  };

  const byDn = new Map<string, AccountRef>();
  const uids = new Set<string>();
  const seen = new Set([normalizeDn(root.dn)]);
  const queue = [root];
  while (queue.length > 0) {
    const group = queue.shift()!;
    const listed = values(group.entry, group.membership.attribute);
    if (!group.membership.byDn) {
      for (const uid of listed) uids.add(uid);
      continue;
    }
    for (const member of listed) {
      const key = normalizeDn(member);
      if (key === standIn || seen.has(key) || byDn.has(key)) continue;
      if (await isGroup(member)) {
        seen.add(key);
        const entry = await session.readEntry(`${doing}: reading its nested group ${member}`, member, session.groups, [...GROUP_ATTRIBUTES, ...MEMBER_ATTRIBUTES]);
        const membership = entry && membershipOf(values(entry, 'objectClass'));
        if (entry && membership) queue.push({ dn: entry.dn, entry, membership });
        continue;
      }
      byDn.set(key, { id: member, display: firstRdn(member)?.value ?? member });
    }
  }

  // memberUid values to accounts, a batch of names a search
  const names = [...uids];
  const accountOf = new Map<string, string>();
  for (let i = 0; i < names.length; i += UID_BATCH) {
    const batch = names.slice(i, i + UID_BATCH);
    const found = await session.search(`${doing}: finding the accounts of its memberUid values`, s.userBaseDn, {
      scope: 'sub', filter: accountsFilter(session.users, s.memberUidAttribute, batch), attributes: [s.memberUidAttribute], paged: { pageSize: PAGE },
    });
    for (const e of found) {
      for (const uid of values(e, s.memberUidAttribute)) accountOf.set(uid.toLowerCase(), e.dn);
    }
  }
  for (const uid of names) {
    const dn = accountOf.get(uid.toLowerCase());
    if (dn) {
      const key = normalizeDn(dn);
      if (!byDn.has(key) && key !== standIn) byDn.set(key, { id: dn, display: uid });
    } else {
      byDn.set(`uid:${uid.toLowerCase()}`, { id: uid, display: `${uid} (no account with ${s.memberUidAttribute}=${uid} under ${s.userBaseDn})` });
    }
  }
  return [...byDn.values()].sort((a, b) => a.id.localeCompare(b.id));
}
