import { isAdministrator, type Principal } from '../../domain/authorization.js';
import { DomainError, ForbiddenError, NotFoundError, ServiceUnavailableError, ValidationError } from '../../domain/errors.js';
import type { ConnectorKind } from '../../connectors/kit.js';
import { connectorKindOfOrigin } from '../../connectors/kinds.js';
import { ConnectorError, type ConnectorRole, type ConnectorScope, type ResourceDescriptor } from '../../connectors/types.js';
import { findConnectionById, listConnections, type ConnectionListing } from '../../store/connections.js';
import type { ConnectionDeps } from './deps.js';
import { withSecretBox } from './view.js';

// Adding a resource of a connection (an LDAP group, a SCIM group, a PostgreSQL role, a webhook's
// resource) to a catalog: the resource request names the connection as `resource.environment.id`
// (or leaves it out when there is one connection of that kind); the resource is looked up in the
// target, and its roles are what the target says (the pair resource originId, role originId is what
// Target.grant receives). Connections have no owners, so only a tenant administrator may add their
// resources, on top of the catalog role the route checks. resources.ts stores what this resolves.

export interface ConnectedResourceRef {
  originSystem: string;
  originId: string;
  environment?: { id?: string } | null;
}

export interface ResolvedConnectedResource {
  connection: ConnectionListing;
  kind: ConnectorKind;
  found: ResourceDescriptor;
  roles: ConnectorRole[];
  scopes: ConnectorScope[];
}

/** The kind whose resources have this originSystem, when it is a connection's (LdapGroup, ScimGroup, PostgresRole, Webhook). */
export const connectedKindOf = (originSystem: string): ConnectorKind | undefined => connectorKindOfOrigin(originSystem);

/** A failure of the target as the API answers it: unreachable is a 503, a refusal a 400 naming `field`. */
export function targetFailure(e: unknown, field: string): unknown {
  if (!(e instanceof ConnectorError)) return e;
  if (e.retryable) return new ServiceUnavailableError(`The target system did not answer: ${e.message}`);
  return new ValidationError(`The target system refused: ${e.message}`, field);
}

async function connectionOf(deps: ConnectionDeps, kind: ConnectorKind, environment: ConnectedResourceRef['environment']): Promise<ConnectionListing> {
  const id = environment?.id;
  if (id) {
    const row = await findConnectionById(deps.db, id.toLowerCase());
    if (!row) throw new ValidationError(`'resource.environment.id': no connection '${id}' exists.`, 'resource.environment');
    if (row.kind !== kind.kind) {
      throw new ValidationError(`'resource.environment.id': connection '${row.displayName}' is a ${row.kind} connection, not ${kind.kind} (originSystem ${kind.originSystem}).`, 'resource.environment');
    }
    return row;
  }
  const all = await listConnections(deps.db, kind.kind);
  if (all.length === 1) return all[0];
  if (all.length === 0) {
    throw new ValidationError(`There is no ${kind.kind} connection for originSystem '${kind.originSystem}': create one under /latchkey/v1/connections first.`, 'resource.environment');
  }
  throw new ValidationError(
    `There are ${all.length} ${kind.kind} connections; name the one with 'resource.environment.id' (one of: ${all.map((c) => `${c.id} (${c.displayName})`).join(', ')}).`,
    'resource.environment',
  );
}

export async function resolveConnectedResource(deps: ConnectionDeps, principal: Principal, kind: ConnectorKind, ref: ConnectedResourceRef): Promise<ResolvedConnectedResource> {
  if (!isAdministrator(principal)) {
    throw new ForbiddenError(`Adding a ${kind.resourceNoun} to a catalog needs the tenant administrator role as well as the catalog owner role: connections have no owners.`);
  }
  const connection = await connectionOf(deps, kind, ref.environment);
  // the target is asked outside any transaction: it is a remote system
  let found: ResourceDescriptor | undefined;
  let roles: ConnectorRole[];
  try {
    const r = await withSecretBox(() => deps.connectionTargets.call(connection.id, async ({ target }) => {
      const d = await target.lookupResource(ref.originId);
      return d ? { d, roles: target.rolesOf(d) } : undefined;
    }));
    found = r?.d;
    roles = r?.roles ?? [];
  } catch (e) {
    if (e instanceof NotFoundError) throw new ValidationError(`'resource.environment.id': the connection is gone.`, 'resource.environment');
    if (e instanceof DomainError) throw e;
    throw targetFailure(e, 'resource.originId');
  }
  if (!found) {
    throw new ValidationError(
      `No ${kind.resourceNoun} with originId '${ref.originId}' exists in connection '${connection.displayName}'.`, 'resource.originId', 'ResourceNotFound',
    );
  }
  if (!found.addable) {
    throw new ValidationError(`The ${kind.resourceNoun} '${ref.originId}' cannot be added to a catalog: ${found.reason ?? 'not supported'}.`, 'resource.originId');
  }
  // one root scope, as for groups: the target has no finer scopes to offer
  const scopes: ConnectorScope[] = [{ originId: found.originId, displayName: 'Root', description: 'Root Scope', isRootScope: true }];
  return { connection, kind, found, roles, scopes };
}
