// The connections page's knowledge of each kind of connection: the settings and secrets its form offers
// (names, defaults and which are required, as src/connectors/<kind>/settings.ts declares them; the web
// app cannot import the connectors, so the common fields are repeated here and the server re-validates
// everything), and the pure conversions between a form's text values and the API's objects.

export type ConnectionKind = 'ldap' | 'scim' | 'postgresql' | 'webhook';
export type Health = 'unknown' | 'healthy' | 'failing';

/** A connection as /latchkey/v1/connections answers it (secrets: the names of the stored ones, masked). */
export interface Connection {
  id: string;
  kind: ConnectionKind | string;
  displayName: string;
  description: string | null;
  originSystem: string;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  timeoutMs: number;
  concurrency: number;
  reconcileInterval: string | null;
  nextReconcileAt: string | null;
  health: Health | string;
  lastError: string | null;
  lastErrorAt: string | null;
  lastSuccessAt: string | null;
  createdDateTime: string;
  modifiedDateTime: string;
  resourceCount: number;
}

export interface ConnectionInput {
  kind: ConnectionKind;
  displayName: string;
  description: string | null;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  timeoutMs: number;
  concurrency: number;
  reconcileInterval: string | null;
}

/**
 * One form field. `path` is where the value goes in settings ('accountRule.property' is nested).
 * `lines` is a list of objects written one per line as `id | display name | description`.
 */
export interface SettingField {
  path: string;
  label: string;
  type: 'text' | 'number' | 'checkbox' | 'select' | 'textarea' | 'lines';
  required?: boolean;
  /** the server's default, filled in a new connection's form (an optional field left empty is left out) */
  initial?: string | boolean;
  options?: { value: string; text: string }[];
  hint?: string;
  placeholder?: string;
}

export interface SecretField {
  key: string;
  label: string;
  required: boolean;
  hint?: string;
}

export interface KindInfo {
  kind: ConnectionKind;
  name: string;
  originSystem: string;
  about: string;
  settings: SettingField[];
  secrets: SecretField[];
}

// connectors/kit.ts ACCOUNT_SUBJECT_PROPERTIES
const USER_PROPERTIES = ['userPrincipalName', 'mail', 'mailNickname', 'id'].map((p) => ({ value: p, text: p }));

export const KINDS: KindInfo[] = [
  {
    kind: 'ldap',
    name: 'LDAP directory',
    originSystem: 'LdapGroup',
    about: 'Groups of an LDAP directory (OpenLDAP, Active Directory): access packages add and remove their members.',
    settings: [
      { path: 'url', label: 'Server URL', type: 'text', required: true, placeholder: 'ldaps://ldap.example.com', hint: 'ldap://host[:port] or ldaps://host[:port] (TLS from the first byte).' },
      { path: 'bindDn', label: 'Bind DN', type: 'text', required: true, placeholder: 'cn=latchkey,ou=services,dc=example,dc=com', hint: 'The service account Latchkey binds as; it must read users and groups and change group membership.' },
      { path: 'baseDn', label: 'Base DN', type: 'text', required: true, placeholder: 'dc=example,dc=com' },
      { path: 'groupBaseDn', label: 'Group base DN', type: 'text', hint: 'Where the groups Latchkey may govern live (default: the base DN). Groups outside it are never changed.' },
      { path: 'userBaseDn', label: 'User base DN', type: 'text', hint: 'Where the accounts live (default: the base DN).' },
      { path: 'groupFilter', label: 'Group filter', type: 'text', hint: 'Default: groupOfNames, groupOfUniqueNames and posixGroup. Active Directory: (objectClass=group).' },
      { path: 'accountAttribute', label: 'Account attribute', type: 'text', initial: 'mail', hint: 'The attribute of an account entry matched against the user property (mail, uid, userPrincipalName, sAMAccountName…).' },
      { path: 'userProperty', label: 'User property', type: 'select', initial: 'mail', options: USER_PROPERTIES, hint: 'The Latchkey user property the account attribute must equal.' },
      {
        path: 'accountValueTransform',
        label: 'Value transform',
        type: 'select',
        initial: 'none',
        options: [
          { value: 'none', text: 'None (as it is)' },
          { value: 'localPart', text: 'Local part (before the @)' },
        ],
      },
      { path: 'tls.rejectUnauthorized', label: 'Verify the server certificate (ldaps://)', type: 'checkbox', initial: true },
    ],
    secrets: [{ key: 'bindPassword', label: 'Bind password', required: true }],
  },
  {
    kind: 'scim',
    name: 'SCIM application',
    originSystem: 'ScimGroup',
    about: 'Groups of an application that speaks SCIM 2.0: access packages add and remove their members.',
    settings: [
      { path: 'baseUrl', label: 'SCIM base URL', type: 'text', required: true, placeholder: 'https://app.example.com/scim/v2', hint: 'https is required except on localhost.' },
      { path: 'allowInsecureHttp', label: 'Allow plain http to another host', type: 'checkbox', initial: false },
      {
        path: 'accountAttribute',
        label: 'Account attribute',
        type: 'select',
        initial: 'userName',
        options: [
          { value: 'userName', text: 'userName' },
          { value: 'externalId', text: 'externalId' },
        ],
      },
      { path: 'accountProperty', label: 'User property', type: 'select', initial: 'userPrincipalName', options: USER_PROPERTIES },
      { path: 'createAccounts', label: 'Create missing accounts when granting', type: 'checkbox', initial: false },
    ],
    secrets: [{ key: 'bearerToken', label: 'Bearer token', required: true }],
  },
  {
    kind: 'postgresql',
    name: 'PostgreSQL cluster',
    originSystem: 'PostgresRole',
    about: 'Roles of a PostgreSQL cluster: access packages grant them to login roles.',
    settings: [
      { path: 'host', label: 'Host', type: 'text', required: true, placeholder: 'db.example.com' },
      { path: 'port', label: 'Port', type: 'number', required: true, initial: '5432' },
      { path: 'database', label: 'Database', type: 'text', required: true, initial: 'postgres' },
      { path: 'user', label: 'User', type: 'text', required: true, hint: 'Needs ADMIN OPTION on the roles it grants, and CREATEROLE to create accounts.' },
      {
        path: 'ssl',
        label: 'TLS',
        type: 'select',
        required: true,
        initial: 'verify-full',
        options: [
          { value: 'verify-full', text: 'Verify certificate and host (verify-full)' },
          { value: 'require', text: 'Encrypt without checking (require)' },
          { value: 'disable', text: 'None (a local server only)' },
        ],
      },
      { path: 'accountRule.property', label: 'Login role made from', type: 'select', required: true, initial: 'mailNickname', options: USER_PROPERTIES },
      { path: 'accountRule.template', label: 'Login role template', type: 'text', placeholder: 'lk_{mailNickname}', hint: 'The login role name around the property (default: the property alone).' },
      { path: 'managedRolePrefix', label: 'Managed role prefix', type: 'text', hint: 'Only roles starting with this may be searched, added and granted.' },
      { path: 'createAccounts', label: 'Create missing login roles', type: 'checkbox', required: true, initial: false },
      { path: 'includeLoginRoles', label: 'Offer login roles as resources too', type: 'checkbox', required: true, initial: false },
    ],
    secrets: [{ key: 'password', label: 'Password', required: false, hint: 'Leave empty when pg_hba.conf trusts Latchkey or a certificate is used.' }],
  },
  {
    kind: 'webhook',
    name: 'Webhook',
    originSystem: 'Webhook',
    about: 'Signed HTTP calls to a receiver (a ticketing queue, a script) that does the work.',
    settings: [
      { path: 'url', label: 'Receiver URL', type: 'text', required: true, placeholder: 'https://hooks.example.com/latchkey' },
      { path: 'allowInsecureHttp', label: 'Allow plain http to another host', type: 'checkbox', required: true, initial: false },
      { path: 'roles', label: 'Roles', type: 'lines', required: true, initial: 'member | Member', hint: 'One per line: id | display name | description. Every resource offers these roles.' },
      { path: 'resources', label: 'Resources', type: 'lines', required: true, initial: '', hint: 'One per line: id | display name | description. A webhook has nothing to browse: these are what can be added to catalogs.' },
      { path: 'holdersUrl', label: 'Holders URL', type: 'text', hint: 'Optional: answers who holds a role, for reconciliation.' },
    ],
    secrets: [{ key: 'signingSecret', label: 'Signing secret', required: true, hint: 'whsec_ and at least 24 random bytes in base64; the receiver verifies with the same one.' }],
  },
];

export function kindInfo(kind: string): KindInfo | undefined {
  return KINDS.find((k) => k.kind === kind);
}

export function kindName(kind: string): string {
  return kindInfo(kind)?.name ?? kind;
}

/** The form's text for each field: a new connection's defaults, or an edited one's stored settings. */
export function formValues(info: KindInfo, settings?: Record<string, unknown>): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (const f of info.settings) {
    const stored = settings ? read(settings, f.path) : undefined;
    if (f.type === 'checkbox') values[f.path] = typeof stored === 'boolean' ? stored : f.initial === true;
    else if (f.type === 'lines') values[f.path] = Array.isArray(stored) ? linesOf(stored) : settings ? '' : String(f.initial ?? '');
    else if (stored !== undefined && stored !== null) values[f.path] = String(stored);
    else values[f.path] = settings ? '' : String(f.initial ?? '');
  }
  return values;
}

/**
 * The settings object from the form's values, on top of `base` (an edited connection's stored settings, so
 * settings the form does not show are kept). Returns the errors by field path instead when a value is wrong.
 */
export function settingsOf(info: KindInfo, values: Record<string, string | boolean>, base: Record<string, unknown> = {}): { settings: Record<string, unknown>; errors: Record<string, string> } {
  const settings = structuredClone(base);
  const errors: Record<string, string> = {};
  for (const f of info.settings) {
    const v = values[f.path];
    if (f.type === 'checkbox') {
      write(settings, f.path, v === true);
      continue;
    }
    const text = typeof v === 'string' ? v.trim() : '';
    if (f.type === 'lines') {
      const parsed = parseLines(text);
      if (typeof parsed === 'string') errors[f.path] = parsed;
      else if (f.required && f.path === 'roles' && parsed.length === 0) errors[f.path] = 'Enter at least one role.';
      else write(settings, f.path, parsed);
      continue;
    }
    if (!text) {
      if (f.required) errors[f.path] = `Enter the ${f.label.toLowerCase()}.`;
      else remove(settings, f.path);
      continue;
    }
    if (f.type === 'number') {
      const n = Number(text);
      if (!Number.isInteger(n)) errors[f.path] = `${f.label} is a whole number.`;
      else write(settings, f.path, n);
    } else write(settings, f.path, text);
  }
  return { settings, errors };
}

/** Only the secrets typed in: on an edit, an empty one keeps its stored value. */
export function secretsOf(info: KindInfo, values: Record<string, string>, stored: Record<string, string> = {}, editing = false): { secrets: Record<string, string>; errors: Record<string, string> } {
  const secrets: Record<string, string> = {};
  const errors: Record<string, string> = {};
  for (const s of info.secrets) {
    const v = values[s.key] ?? '';
    if (v) secrets[s.key] = v;
    else if (s.required && !(editing && s.key in stored)) errors[s.key] = `Enter the ${s.label.toLowerCase()}.`;
  }
  return { secrets, errors };
}

interface Line {
  id: string;
  displayName: string;
  description?: string;
}

function linesOf(items: unknown[]): string {
  return items
    .map((i) => {
      const o = i as Partial<Line>;
      return [o.id ?? '', o.displayName ?? '', ...(o.description ? [o.description] : [])].join(' | ');
    })
    .join('\n');
}

/** `id | display name | description` lines, or what is wrong with the first bad one. */
export function parseLines(text: string): Line[] | string {
  const out: Line[] = [];
  const lines = text.split('\n').map((l) => l.trim());
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]) continue;
    const [id, displayName, ...rest] = lines[i].split('|').map((p) => p.trim());
    if (!id || !displayName) return `Line ${i + 1}: write id | display name (| description).`;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(id)) return `Line ${i + 1}: the id '${id}' may have only letters, digits and _ . : -`;
    const description = rest.join('|').trim();
    out.push(description ? { id, displayName, description } : { id, displayName });
  }
  return out;
}

function read(o: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((at, k) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[k] : undefined), o);
}

function write(o: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = o;
  for (const k of keys.slice(0, -1)) {
    if (!at[k] || typeof at[k] !== 'object') at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = value;
}

function remove(o: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  const at = keys.length === 1 ? o : read(o, keys.slice(0, -1).join('.'));
  if (at && typeof at === 'object') delete (at as Record<string, unknown>)[keys[keys.length - 1]];
}

/** A new Standard Webhooks signing secret: whsec_ and 24 random bytes in base64. */
export function newSigningSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

const DURATION = /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

/** The reconcile interval as typed: an ISO 8601 duration such as PT1H, or empty for never. */
export function intervalOf(text: string): { value: string | null } | { error: string } {
  const t = text.trim().toUpperCase();
  if (!t) return { value: null };
  if (!DURATION.test(t)) return { error: 'An ISO 8601 duration such as PT1H (hourly) or P1D (daily); empty for never.' };
  return { value: t };
}
