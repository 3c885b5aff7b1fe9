import { CORE_USER, ENTERPRISE_USER } from './schemas.js';
import { invalidValue } from './errors.js';
import { attribute, bool, complex, isObject, list, reference, text } from './values.js';

// The mapping between a SCIM User (core and enterprise extension) and a Latchkey user. The SCIM id is
// the Latchkey object id. What an identity provider sends is the whole truth for the attributes below:
// an attribute left out of a POST, a PUT or the result of a PATCH is cleared.

/** A Latchkey user as SCIM writes it. */
export interface ScimUserFields {
  userPrincipalName: string;
  externalId: string | null;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  /** undefined: not said (a POST makes the user enabled, a PUT leaves it) */
  accountEnabled: boolean | undefined;
  jobTitle: string | null;
  department: string | null;
  employeeId: string | null;
  costCenter: string | null;
  division: string | null;
  organization: string | null;
  /** the manager's SCIM id (a Latchkey user id) */
  managerId: string | null;
}

/** The Latchkey columns a SCIM User shows. */
export interface ScimUserSource {
  id: string;
  externalId: string | null;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  accountEnabled: number | boolean;
  jobTitle: string | null;
  department: string | null;
  employeeId: string | null;
  costCenter: string | null;
  division: string | null;
  organization: string | null;
  managerId: string | null;
  createdAt: string;
  modifiedAt: string;
}

/** The primary email, else the work one, else the first. */
function primaryEmail(emails: Record<string, unknown>[]): string | null {
  const pick = emails.find((e) => bool(e, 'primary', 'emails.primary') === true)
    ?? emails.find((e) => String(attribute(e, 'type') ?? '').toLowerCase() === 'work')
    ?? emails[0];
  return pick ? text(pick, 'value', 'emails.value') : null;
}

/** Reads a SCIM User body (POST, PUT, or a user after PATCH) into Latchkey's fields; 400 invalidValue naming the attribute. */
export function readScimUser(body: unknown): ScimUserFields {
  if (!isObject(body)) throw invalidValue('The body must be a SCIM User object.');
  const userName = text(body, 'userName');
  if (!userName) throw invalidValue("Attribute 'userName' is required.", 'userName');
  const name = complex(body, 'name') ?? {};
  const givenName = text(name, 'givenName', 'name.givenName');
  const surname = text(name, 'familyName', 'name.familyName');
  const formatted = text(name, 'formatted', 'name.formatted');
  const ext = complex(body, ENTERPRISE_USER) ?? {};
  const displayName = text(body, 'displayName') ?? formatted ?? ([givenName, surname].filter(Boolean).join(' ') || userName);
  return {
    userPrincipalName: userName,
    externalId: text(body, 'externalId'),
    displayName,
    givenName,
    surname,
    mail: primaryEmail(list(body, 'emails')),
    accountEnabled: bool(body, 'active'),
    jobTitle: text(body, 'title'),
    department: text(ext, 'department', `${ENTERPRISE_USER}:department`),
    employeeId: text(ext, 'employeeNumber', `${ENTERPRISE_USER}:employeeNumber`),
    costCenter: text(ext, 'costCenter', `${ENTERPRISE_USER}:costCenter`),
    division: text(ext, 'division', `${ENTERPRISE_USER}:division`),
    organization: text(ext, 'organization', `${ENTERPRISE_USER}:organization`),
    managerId: reference(ext, 'manager', `${ENTERPRISE_USER}:manager`),
  };
}

const drop = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined && !(isObject(v) && Object.keys(v).length === 0))) as Partial<T>;

/** A Latchkey user as a SCIM User resource; unassigned attributes are left out (RFC 7643 §2.5). */
export function scimUser(u: ScimUserSource, base: string, manager?: { displayName: string } | null) {
  const enterprise = drop({
    employeeNumber: u.employeeId, costCenter: u.costCenter, division: u.division, organization: u.organization, department: u.department,
    manager: u.managerId ? { value: u.managerId, $ref: `${base}/Users/${u.managerId}`, ...(manager ? { displayName: manager.displayName } : {}) } : null,
  });
  return {
    schemas: Object.keys(enterprise).length > 0 ? [CORE_USER, ENTERPRISE_USER] : [CORE_USER],
    id: u.id,
    ...drop({ externalId: u.externalId }),
    userName: u.userPrincipalName,
    displayName: u.displayName,
    ...drop({ name: drop({ givenName: u.givenName, familyName: u.surname }) }),
    ...(u.mail ? { emails: [{ value: u.mail, type: 'work', primary: true }] } : {}),
    ...drop({ title: u.jobTitle }),
    active: !!u.accountEnabled,
    ...(Object.keys(enterprise).length > 0 ? { [ENTERPRISE_USER]: enterprise } : {}),
    meta: { resourceType: 'User', created: u.createdAt, lastModified: u.modifiedAt, location: `${base}/Users/${u.id}`, version: `W/"${u.modifiedAt}"` },
  };
}
