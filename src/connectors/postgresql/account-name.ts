import type { AccountSubject } from '../kit.js';
import { ConnectorError } from '../types.js';
import type { PostgresSettings } from './settings.js';

// A person's login role is named from one of their properties by the connection's account rule. Role
// names are always quoted when sent (never spliced), so any name would be safe to send; the rule still
// makes a plain lower-case identifier, so that the role can be typed unquoted in psql and in
// pg_hba.conf, and so that 'Ada.Lovelace' and 'ada.lovelace' are one account:
// - accents are dropped (NFKD, combining marks removed) and the value is lower-cased;
// - every run of characters other than a-z, 0-9 and _ becomes a single _ ('ada.lovelace@contoso.com'
//   gives 'ada_lovelace_contoso_com'), leading and trailing _ are dropped;
// - the result is put into the template ('lk_{mailNickname}'); a name that would start with a digit
//   (an object id) gets a leading _;
// - a name longer than 63 bytes is refused rather than truncated (PostgreSQL would silently cut it
//   and two people could share a role), as is a name starting with pg_ (reserved) or an empty value.
// Two values that differ only in the characters replaced (ada.l and ada-l) give the same name: choose
// a property that is already identifier-like (mailNickname) where that matters.

/** PostgreSQL's NAMEDATALEN - 1 */
const MAX_NAME_BYTES = 63;

/** The login role name the account rule gives `subject`, or a ConnectorError saying why there is none. */
export function accountNameFor(rule: PostgresSettings['accountRule'], subject: AccountSubject): string {
  const raw = subject[rule.property];
  const who = subject.userPrincipalName || subject.id;
  if (!raw) {
    throw new ConnectorError(`User ${who} has no ${rule.property}, which this connection's account rule names the login role from.`, false);
  }
  const value = normaliseIdentifier(raw);
  if (!value) {
    throw new ConnectorError(`The ${rule.property} of user ${who} ('${raw}') has no letter or digit to name a login role from.`, false);
  }
  const template = rule.template ?? `{${rule.property}}`;
  let name = template.replace(`{${rule.property}}`, value).toLowerCase();
  if (/^[0-9]/.test(name)) name = `_${name}`;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw new ConnectorError(`The login role name for user ${who} ('${name}') is longer than PostgreSQL's ${MAX_NAME_BYTES} bytes.`, false);
  }
  if (name.startsWith('pg_')) {
    throw new ConnectorError(`The login role name for user ${who} ('${name}') starts with pg_, which PostgreSQL reserves.`, false);
  }
  return name;
}

/** Lower case a-z, 0-9 and _ only, as described above (without the template and length rules). */
export function normaliseIdentifier(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Whether a template's placeholder is the rule's property (the schema checks its shape). */
export function templateMatchesProperty(rule: PostgresSettings['accountRule']): boolean {
  return rule.template === undefined || rule.template.includes(`{${rule.property}}`);
}
