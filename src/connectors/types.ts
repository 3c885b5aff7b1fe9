import type { Principal } from '../domain/authorization.js';

// A connector is how Latchkey reaches one kind of resource (directory groups today; LDAP groups,
// SCIM applications or webhooks later). Catalog code only talks to this interface: it asks a connector
// what a resource is and which roles and scopes it offers; the lifecycle engine asks it to grant,
// revoke and check access. Nothing outside a connector knows how its system stores access.

/** What a connector reports about a resource, looked up by its id in its own system. */
export interface ResourceDescriptor {
  originId: string;
  displayName: string;
  description: string | null;
  /** e.g. 'Security group'; informational */
  resourceType: string | null;
  /** false when the resource exists but cannot be governed (the reason says why) */
  addable: boolean;
  reason?: string;
}

export interface ConnectorRole {
  originId: string;
  displayName: string;
  description: string | null;
}

export interface ConnectorScope {
  originId: string;
  displayName: string;
  description: string | null;
  isRootScope: boolean;
}

/** Who receives or loses access: a subject of an assignment, as stored in the directory. */
export interface GrantTarget {
  /** object id of the user (or service principal) */
  objectId: string;
}

/** A role and scope as the catalog stores them: the originIds are the connector's own ids. */
export interface GrantRole {
  originId: string;
  /** the resource's originId */
  resourceOriginId: string;
}

export interface GrantScope {
  originId: string;
  isRootScope: boolean;
}

/**
 * Outcome of grant/revoke. `changed` is false when the target already had (or already lacked) the access:
 * operations are idempotent by contract, so the engine may replay them after a crash or a retry.
 */
export interface GrantOutcome {
  changed: boolean;
}

/** A failure the engine records on the grant. `retryable` says whether trying again later may help. */
export class ConnectorError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** how long the target asked to be left alone (a Retry-After header), when it said so */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ConnectorError';
  }
}

export interface ResourceConnector {
  /** the Graph originSystem this connector serves, in its canonical casing, e.g. 'AadGroup' */
  readonly originSystem: string;
  /** what to call the resource in messages, e.g. 'group' */
  readonly resourceNoun: string;

  /** Finds the resource in its system; undefined when it does not exist. */
  lookup(originId: string): Promise<ResourceDescriptor | undefined>;
  /** Roles and scopes the resource offers; they become the catalog's resourceRoles and resourceScopes. */
  rolesOf(resource: ResourceDescriptor): ConnectorRole[];
  scopesOf(resource: ResourceDescriptor): ConnectorScope[];
  /**
   * Whether the person has rights on the resource itself, which adding it to a catalog requires on top
   * of the catalog role (for groups: being an owner). Administrators are not asked.
   */
  canManage(principal: Principal, originId: string): Promise<boolean>;
  /** Also explains, for the 403 message, what rights canManage looks for. */
  readonly manageRequirement: string;

  grant(target: GrantTarget, role: GrantRole, scope: GrantScope): Promise<GrantOutcome>;
  revoke(target: GrantTarget, role: GrantRole, scope: GrantScope): Promise<GrantOutcome>;
  /** Whether the target holds the role now (used to re-enforce access changed outside Latchkey). */
  check(target: GrantTarget, role: GrantRole, scope: GrantScope): Promise<boolean>;
}
