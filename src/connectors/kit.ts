import type { TObject } from '@sinclair/typebox';
import type { ConnectorRole, GrantOutcome, ResourceDescriptor } from './types.js';

// The connector kit: what a kind of target system (LDAP, SCIM 2.0 application, PostgreSQL, signed
// webhook) provides so that Latchkey can deliver access into it. A kind declares the schemas of its
// connection settings and secrets; given one connection's settings and (decrypted) secrets it makes a
// Target, the client of that one system. Targets are idempotent by contract: granting what is already
// there, or revoking what is already gone, is success with `changed: false`. Failures are
// ConnectorError (types.ts), `retryable` when trying later may help (the system is down, busy, slow).
// Nothing here touches the database: connections are stored, encrypted and wired by the services.

/** The person a grant is for, as Latchkey's directory knows them; accounts are matched on these. */
export interface AccountSubject {
  id: string;
  userPrincipalName: string;
  mail: string | null;
  mailNickname: string | null;
  displayName: string;
  givenName: string | null;
  surname: string | null;
}

/** The user properties a connection's account rule may match on. */
export const ACCOUNT_SUBJECT_PROPERTIES = ['userPrincipalName', 'mail', 'mailNickname', 'id'] as const;
export type AccountSubjectProperty = (typeof ACCOUNT_SUBJECT_PROPERTIES)[number];

/** An account in the target system: its own id there (a DN, a SCIM id, a role name) and what to show. */
export interface AccountRef {
  id: string;
  display: string;
}

/** What a connection test found: a line for the administrator, e.g. "bound as cn=admin; 12 groups". */
export interface TestResult {
  summary: string;
}

/** A role of a resource in the target, as the catalog stores it: the resource's id there and the role's. */
export interface TargetRole {
  resourceId: string;
  roleId: string;
}

/**
 * One delivery of a grant or revoke, the same across its retries (e.g. the lifecycle's grant id and
 * attempt kind): targets that deduplicate messages (a webhook's webhook-id) key them on it, so that a
 * retry is recognised while a later grant of the same role after a revoke is not taken for a replay.
 */
export interface Delivery {
  idempotencyKey: string;
  /**
   * On a revoke: also take away the roles this one implies (the kind's impliedRoles), because no live
   * grant of the person gives them: a PostgreSQL Admin grant made the person a member, and its end must
   * end the membership too. Absent or false: only this role goes (reconciliation removes each role's
   * unmanaged holders by themselves).
   */
  revokeImplied?: boolean;
}

/** Outcome of a grant or revoke; `pending` when the target accepted it for later (a webhook's 202). */
export interface TargetOutcome extends GrantOutcome {
  pending?: boolean;
}

export interface Target {
  /** Connects (and authenticates) and says what it found, or throws ConnectorError saying why not. */
  test(): Promise<TestResult>;
  /** Resources (groups, roles) whose name contains `search` (all when empty), at most `limit`, by name. */
  searchResources(search: string, limit: number): Promise<ResourceDescriptor[]>;
  /** One resource by its id in the target; undefined when it does not exist. */
  lookupResource(resourceId: string): Promise<ResourceDescriptor | undefined>;
  /** The roles a resource offers (Member; a PostgreSQL role also Admin; a webhook what its settings declare). */
  rolesOf(resource: ResourceDescriptor): ConnectorRole[];
  /** The subject's account by the connection's account rule; undefined when there is none. */
  findAccount(subject: AccountSubject): Promise<AccountRef | undefined>;
  /**
   * What findAccount looks for, for the error when it finds nothing, e.g. "an account with
   * mail=alice@example.com under ou=people,dc=example,dc=com on ldaps://ldap.example.com".
   */
  describeAccount?(subject: AccountSubject): string;
  /** Creates the subject's account where the target allows it and the connection says so (else absent). */
  createAccount?(subject: AccountSubject): Promise<AccountRef>;
  grant(account: AccountRef, role: TargetRole, delivery?: Delivery): Promise<TargetOutcome>;
  revoke(account: AccountRef, role: TargetRole, delivery?: Delivery): Promise<TargetOutcome>;
  /** Who holds the role now, as account ids (reconciliation compares them with the delivered grants). */
  listHolders(role: TargetRole): Promise<AccountRef[]>;
  /** Ends connections the target holds open. */
  close(): Promise<void>;
}

/** The limits every connection has: a slow or dead target slows only its own work. */
export interface TargetLimits {
  /** each call to the target gives up after this long (a retryable ConnectorError) */
  timeoutMs: number;
  /** at most this many calls to the target at a time; the others wait their turn */
  concurrency: number;
}

export interface ConnectorKind<Settings = unknown, Secrets = unknown> {
  /** 'ldap' | 'scim' | 'postgresql' | 'webhook' */
  readonly kind: string;
  /** the Graph originSystem of its resources, e.g. 'LdapGroup', 'ScimGroup', 'PostgresRole', 'Webhook' */
  readonly originSystem: string;
  /** what to call a resource in messages, e.g. 'LDAP group' */
  readonly resourceNoun: string;
  /** validates the connection's settings (field named in errors); never holds secrets */
  readonly settingsSchema: TObject;
  /** validates the connection's secrets; stored encrypted, never shown */
  readonly secretsSchema: TObject;
  /**
   * The settings with their defaults, checked beyond what the schema says (URLs, templates), or a
   * ValidationError naming the field; absent: the schema alone (connectors/settings-schema.ts readSettings).
   * What it returns is what the connection stores.
   */
  readSettings?(input: unknown): Settings;
  /**
   * The form in which two account ids of this kind compare equal, when the system itself compares them
   * loosely (an LDAP DN: case and spaces around separators do not matter); absent: ids compare as they are.
   * Reconciliation matches listHolders' ids with the linked accounts through it.
   */
  accountKey?(accountId: string): string;
  /**
   * Roles of a resource that holding another role of the same resource gives, by role id: PostgreSQL's
   * Admin (WITH ADMIN OPTION) is a membership too, so `{ admin: ['member'] }`, and the target lists its
   * holder under both roles. Reconciliation takes a holder of an implied role as explained by a grant
   * (delivered, or on its way) of a role implying it to the same account; revocation keeps an implied
   * role while a live grant still gives a role implying it (revoking PostgreSQL's Member ends the
   * membership, admin option included). Absent: no role implies another. See rolesImplying.
   */
  readonly impliedRoles?: Readonly<Record<string, readonly string[]>>;
  /** The client of one connection. */
  createTarget(settings: Settings, secrets: Secrets, limits: TargetLimits): Target;
}

/** The roles holding `roleId` gives by the kind's impliedRoles, directly or through another role (not `roleId` itself). */
export function rolesImpliedBy(kind: Pick<ConnectorKind, 'impliedRoles'> | undefined, roleId: string): string[] {
  const implied = kind?.impliedRoles;
  return implied ? reachable(roleId, (role) => implied[role] ?? []) : [];
}

/**
 * The roles whose holders also hold `roleId` by the kind's impliedRoles, directly or through another
 * role (not `roleId` itself); none for a kind that declares no implications.
 */
export function rolesImplying(kind: Pick<ConnectorKind, 'impliedRoles'> | undefined, roleId: string): string[] {
  const implied = kind?.impliedRoles;
  return implied ? reachable(roleId, (role) => Object.keys(implied).filter((r) => implied[r].includes(role))) : [];
}

/** Every role reached from `roleId` by repeated `step`s, `roleId` itself left out; a cycle ends. */
function reachable(roleId: string, step: (role: string) => readonly string[]): string[] {
  const found = new Set<string>();
  let frontier = [roleId];
  while (frontier.length > 0) {
    const next = [...new Set(frontier.flatMap(step))].filter((r) => r !== roleId && !found.has(r));
    for (const r of next) found.add(r);
    frontier = next;
  }
  return [...found];
}
