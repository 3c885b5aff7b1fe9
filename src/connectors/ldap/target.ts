import { Attribute, Change, type Entry } from 'ldapts';
import type { AccountRef, AccountSubject, Target, TargetLimits, TargetOutcome, TargetRole } from '../kit.js';
import { ConnectorError, type ConnectorRole, type ResourceDescriptor } from '../types.js';
import { firstRdn, isWithin, normalizeDn } from './dn.js';
import { resultCode } from './errors.js';
import { accountFilter, accountValue, groupSearchFilter } from './filters.js';
import { listGroupHolders, MEMBER_ATTRIBUTES } from './holders.js';
import { first, GOVERNABLE_CLASSES, membershipOf, values } from './membership.js';
import { openLdapSession, type LdapGroup } from './session.js';
import type { LdapSecrets, LdapSettings } from './settings.js';

// The client of one LDAP connection: groups are the resources, Member their one role, accounts are
// entries found by the account rule. Grant and revoke change one value of the group's member
// attribute (member, uniqueMember or memberUid, from the group's object classes); the server's
// "attributeOrValueExists" and "noSuchAttribute" answers mean the change was already made, so both are
// idempotent. The last member of a groupOfNames or groupOfUniqueNames (which must have one) is replaced
// by the connection's emptyGroupMember in the same modify, or the revoke is refused, saying why.

export const MEMBER_ROLE: ConnectorRole = { originId: 'member', displayName: 'Member', description: 'Member of the LDAP group' };

/** Groups read at most, sorted by name, when searching (the directory does not sort). */
const SEARCH_CAP = 10_000;
const PAGE = 500;

export function createLdapTarget(settings: LdapSettings, secrets: LdapSecrets, limits: TargetLimits): Target {
  const session = openLdapSession(settings, secrets, limits);
  const s = session.settings;

  const describe = (entry: Entry): ResourceDescriptor => {
    const membership = membershipOf(values(entry, 'objectClass'));
    const inside = isWithin(entry.dn, s.groupBaseDn);
    return {
      originId: entry.dn,
      displayName: first(entry, s.groupNameAttribute) ?? firstRdn(entry.dn)?.value ?? entry.dn,
      description: first(entry, 'description') ?? null,
      resourceType: membership ? `LDAP ${membership.objectClass}` : 'LDAP entry',
      addable: Boolean(membership) && inside,
      ...(!membership
        ? { reason: `Not a group Latchkey can change (${GOVERNABLE_CLASSES}).` }
        : !inside ? { reason: `Outside the connection's groups (${s.groupBaseDn}).` } : {}),
    };
  };

  const requireMemberRole = (role: TargetRole) => {
    if (role.roleId !== MEMBER_ROLE.originId) {
      throw new ConnectorError(`LDAP groups offer only the role '${MEMBER_ROLE.originId}', not '${role.roleId}' (group ${role.resourceId}).`, false);
    }
  };

  const requireGroup = async (role: TargetRole, doing: string): Promise<LdapGroup> => {
    const group = await session.readGroup(role.resourceId, [], doing);
    if (!group) throw new ConnectorError(`${doing}: ${await session.notGoverned(role.resourceId)}.`, false);
    return group;
  };

  /** The value that stands for the account in the group: its DN, or for a posixGroup its user name. */
  const memberValue = async (group: LdapGroup, account: AccountRef, doing: string): Promise<string> => {
    if (group.membership.byDn) return account.id;
    const attribute = s.memberUidAttribute;
    const entry = await session.readEntry(`${doing}: reading the account`, account.id, undefined, [attribute]);
    const uid = entry ? first(entry, attribute) : undefined;
    if (uid) return uid;
    // an account deleted since it was granted can still be taken out of a posixGroup by its RDN
    const rdn = firstRdn(account.id);
    if (rdn && rdn.attribute.toLowerCase() === attribute.toLowerCase()) return rdn.value;
    throw new ConnectorError(
      `${doing}: the posixGroup ${group.dn} lists accounts by ${attribute}, and the account ${account.id} has no ${attribute}${entry ? '' : ' (it does not exist)'}.`,
      false,
    );
  };

  /** Whether the group holds `value` now (asked when a server's answer is ambiguous, as Active Directory's are). */
  const holds = async (group: LdapGroup, value: string, doing: string): Promise<boolean> => {
    const c = await session.client(doing);
    try {
      return await c.compare(group.dn, group.membership.attribute, value);
    } catch (e) {
      return session.fail(e, doing);
    }
  };

  /** One modify of the group; the result code when the server refused it with one of `expected`. */
  const modify = async (group: LdapGroup, changes: Change[], doing: string, expected: readonly number[]): Promise<number | undefined> => {
    const c = await session.client(doing);
    try {
      await c.modify(group.dn, changes);
      return undefined;
    } catch (e) {
      const code = resultCode(e);
      if (code !== undefined && expected.includes(code)) return code;
      return session.fail(e, doing);
    }
  };

  const change = (operation: 'add' | 'delete', type: string, value: string) =>
    new Change({ operation, modification: new Attribute({ type, values: [value] }) });

  return {
    async test() {
      const base = await session.readEntry(`Reading the base DN ${s.baseDn}`, s.baseDn, undefined, ['1.1']);
      if (!base) throw new ConnectorError(`Bound to ${s.url} as ${s.bindDn}, but the base DN ${s.baseDn} does not exist.`, false);
      const found = await session.search(`Counting the groups under ${s.groupBaseDn}`, s.groupBaseDn, {
        scope: 'sub', filter: session.groups, attributes: ['1.1'], sizeLimit: 1001,
      });
      const count = found.length > 1000 ? 'more than 1000' : String(found.length);
      return { summary: `Bound to ${s.url} as ${s.bindDn}; ${count} group${found.length === 1 ? '' : 's'} under ${s.groupBaseDn}.` };
    },

    async searchResources(search, limit) {
      const found = await session.search(`Searching the LDAP groups under ${s.groupBaseDn}`, s.groupBaseDn, {
        scope: 'sub',
        filter: groupSearchFilter(session.groups, s.groupNameAttribute, search),
        attributes: [s.groupNameAttribute, 'description', 'objectClass'],
        sizeLimit: SEARCH_CAP,
        paged: { pageSize: PAGE },
      });
      return found.map(describe)
        .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.originId.localeCompare(b.originId))
        .slice(0, limit);
    },

    async lookupResource(resourceId) {
      const what = `Looking up the LDAP group ${resourceId}`;
      const entry = await session.readEntry(what, resourceId, undefined, [s.groupNameAttribute, 'description', 'objectClass']);
      if (!entry) return undefined;
      const found = describe(entry);
      // grant and revoke change only groups of the groupFilter: one outside it cannot be added either
      if (found.addable && !(await session.readGroup(entry.dn, [], what))) {
        return { ...found, addable: false, reason: `It does not match the connection's groupFilter ${s.groupFilter}.` };
      }
      return found;
    },

    rolesOf() {
      return [MEMBER_ROLE];
    },

    async findAccount(subject: AccountSubject) {
      const value = accountValue(subject, s);
      if (value === undefined) return undefined;
      const found = await session.search(`Looking for the account ${s.accountAttribute}=${value} under ${s.userBaseDn}`, s.userBaseDn, {
        scope: 'sub',
        filter: accountFilter(session.users, s.accountAttribute, value),
        attributes: ['displayName', 'cn', s.accountAttribute],
        sizeLimit: 2,
      });
      if (found.length === 0) return undefined;
      if (found.length > 1) {
        throw new ConnectorError(
          `More than one account has ${s.accountAttribute}=${value} under ${s.userBaseDn} (${found.map((e) => e.dn).join('; ')}): the connection's account rule must find exactly one.`,
          false,
        );
      }
      const entry = found[0];
      return { id: entry.dn, display: first(entry, 'displayName') ?? first(entry, 'cn') ?? value };
    },

    describeAccount(subject: AccountSubject) {
      const value = accountValue(subject, s);
      if (value === undefined) return `an account by ${s.accountAttribute}, but the user ${subject.userPrincipalName} has no ${s.userProperty}`;
      return `an account with ${s.accountAttribute}=${value} under ${s.userBaseDn} on ${s.url}`;
    },

    async grant(account, role): Promise<TargetOutcome> {
      requireMemberRole(role);
      const doing = `Adding ${account.id} to the LDAP group ${role.resourceId}`;
      const group = await requireGroup(role, doing);
      const value = await memberValue(group, account, doing);
      const attr = group.membership.attribute;
      // 20 attributeOrValueExists: already a member; 68 entryAlreadyExists: Active Directory's answer for the same
      const refused = await modify(group, [change('add', attr, value)], doing, [20, 68]);
      if (refused === 68 && !(await holds(group, value, doing))) {
        throw new ConnectorError(`${doing}: the server answered entryAlreadyExists (68), yet ${value} is not a member.`, false);
      }
      if (refused !== undefined) return { changed: false };
      const placeholder = s.emptyGroupMember;
      if (group.membership.requiresMember && placeholder && normalizeDn(placeholder) !== normalizeDn(value)) {
        // the group has a real member again: the stand-in for "nobody" goes; not finding it (16) is the usual case,
        // and any other failure leaves only a harmless stand-in behind, so the grant stands either way
        await modify(group, [change('delete', attr, placeholder)], doing, [16, 65]).catch(() => undefined);
      }
      return { changed: true };
    },

    async revoke(account, role): Promise<TargetOutcome> {
      requireMemberRole(role);
      const doing = `Removing ${account.id} from the LDAP group ${role.resourceId}`;
      const group = await session.readGroup(role.resourceId, [], doing);
      // a group that is gone holds nobody: the access is absent, which is what a revoke asks for
      if (!group) return { changed: false };
      const value = await memberValue(group, account, doing);
      const attr = group.membership.attribute;
      // 16 noSuchAttribute: not a member; 53 unwillingToPerform: Active Directory's answer for the same
      // 65 objectClassViolation (below) only where the schema requires a member; elsewhere it is a plain failure
      const refused = await modify(group, [change('delete', attr, value)], doing, group.membership.requiresMember ? [16, 53, 65] : [16, 53]);
      if (refused === undefined) return { changed: true };
      if (refused === 16) return { changed: false };
      if (refused === 53) {
        if (await holds(group, value, doing)) throw new ConnectorError(`${doing}: the server answered unwillingToPerform (53).`, false);
        return { changed: false };
      }
      // objectClassViolation: it is the last member of a group that must have one
      const placeholder = s.emptyGroupMember;
      if (!placeholder || normalizeDn(placeholder) === normalizeDn(value)) {
        throw new ConnectorError(
          `${doing}: it is the group's last member, and a ${group.membership.objectClass} must have at least one ${attr}. ` +
            (placeholder
              ? `The connection's emptyGroupMember (${placeholder}) is this account itself; set another DN to stand in for an empty group.`
              : 'Set the connection\'s emptyGroupMember to a DN that stands in for an empty group, or add another member first.'),
          false,
        );
      }
      // one modify, so the group is never without a member: the stand-in in, the account out
      const again = await modify(group, [change('add', attr, placeholder), change('delete', attr, value)], doing, [16, 20]);
      if (again === 16) return { changed: false };
      if (again === 20) {
        // the stand-in is already there, so the account was not the last member after all (a concurrent change)
        const last = await modify(group, [change('delete', attr, value)], doing, [16]);
        return { changed: last === undefined };
      }
      return { changed: true };
    },

    async listHolders(role) {
      requireMemberRole(role);
      const doing = `Reading the members of the LDAP group ${role.resourceId}`;
      const group = await session.readGroup(role.resourceId, MEMBER_ATTRIBUTES, doing);
      if (!group) throw new ConnectorError(`${doing}: ${await session.notGoverned(role.resourceId)}.`, false);
      return listGroupHolders(session, group);
    },

    async close() {
      await session.close();
    },
  };
}
