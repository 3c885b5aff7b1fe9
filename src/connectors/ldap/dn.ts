// Distinguished names compared the way a directory does for the cases that matter here: attribute
// names and values without regard to case, and no spaces around the separators (a DN typed as
// "CN=Admins, OU=Groups,dc=example,dc=com" is the group stored as "cn=admins,ou=groups,dc=example,dc=com").
// Values differing only in how a character is escaped (\, against \2C) are not unified; directories
// hand back the form they were given, which is the form Latchkey compares with.

/** The DN in one spelling for comparisons: lower case, no spaces around unescaped `,`, `=` and `+`. */
export function normalizeDn(dn: string): string {
  let out = '';
  let pendingSpace = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i];
    if (c === '\\' && i + 1 < dn.length) {
      out += pendingSpace + c + dn[i + 1];
      pendingSpace = '';
      i++;
    } else if (c === ',' || c === '=' || c === '+') {
      out += c;
      pendingSpace = '';
      while (dn[i + 1] === ' ') i++;
    } else if (c === ' ') {
      pendingSpace += c;
    } else {
      out += pendingSpace + c;
      pendingSpace = '';
    }
  }
  return out.replace(/^ +/, '').toLowerCase();
}

/** Whether `dn` is `base` or an entry under it. */
export function isWithin(dn: string, base: string): boolean {
  const d = normalizeDn(dn);
  const b = normalizeDn(base);
  return d === b || d.endsWith(`,${b}`);
}

/** The first RDN's attribute and value (unescaped only of its surrounding spaces), e.g. ['uid', 'alice']. */
export function firstRdn(dn: string): { attribute: string; value: string } | undefined {
  let i = 0;
  while (i < dn.length && dn[i] !== ',' && dn[i] !== '+') {
    if (dn[i] === '\\') i++;
    i++;
  }
  const rdn = dn.slice(0, i);
  const eq = rdn.indexOf('=');
  if (eq <= 0) return undefined;
  const value = rdn.slice(eq + 1).trim().replace(/\\([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/\\(.)/g, '$1');
  return { attribute: rdn.slice(0, eq).trim(), value };
}
