import { AndFilter, EqualityFilter, type Filter, FilterParser, OrFilter, SubstringFilter } from 'ldapts';
import type { AccountSubject } from '../kit.js';
import { ConnectorError } from '../types.js';
import type { ResolvedLdapSettings } from './settings.js';

// LDAP filters, built as ldapts filter objects: values from users (a search text, an e-mail address)
// travel as values in the request's encoding and are never parsed as filter syntax, so `*)(uid=*`
// is searched for literally. Only the filters an administrator configured are parsed from text.

/** A filter from the connection's settings; a ConnectorError naming the field when it does not parse. */
export function configuredFilter(field: 'groupFilter' | 'userFilter', text: string): Filter {
  try {
    return FilterParser.parseString(text);
  } catch (e) {
    throw new ConnectorError(`The connection's ${field} ${text} is not a valid LDAP filter (${(e as Error).message}).`, false);
  }
}

/** The groups whose name contains `search` (all of the configured ones when it is empty). */
export function groupSearchFilter(groups: Filter, nameAttribute: string, search: string): Filter {
  if (search === '') return groups;
  return new AndFilter({ filters: [groups, new SubstringFilter({ attribute: nameAttribute, any: [search] })] });
}

/** The account entries whose `attribute` equals `value`. */
export function accountFilter(users: Filter, attribute: string, value: string): Filter {
  return new AndFilter({ filters: [users, new EqualityFilter({ attribute, value })] });
}

/** The account entries whose `attribute` is any of `values`. */
export function accountsFilter(users: Filter, attribute: string, values: readonly string[]): Filter {
  return new AndFilter({ filters: [users, new OrFilter({ filters: values.map((value) => new EqualityFilter({ attribute, value })) })] });
}

/** The value the account rule looks for, from the subject's property; undefined when the subject has none. */
export function accountValue(subject: AccountSubject, rule: Pick<ResolvedLdapSettings, 'userProperty' | 'accountValueTransform'>): string | undefined {
  const raw = subject[rule.userProperty];
  if (raw === null || raw === undefined || raw === '') return undefined;
  if (rule.accountValueTransform === 'localPart') {
    const at = raw.lastIndexOf('@');
    const local = at < 0 ? raw : raw.slice(0, at);
    return local === '' ? undefined : local;
  }
  return raw;
}
