import { isAdministrator, type Principal } from '../domain/authorization.js';
import { isoNow } from '../domain/clock.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import { isGuid, newId } from '../domain/ids.js';
import type { ResourceRequestType } from '../domain/resources.js';
import type { ConnectorKind } from '../connectors/kit.js';
import { CONNECTOR_KINDS, connectorKindOfOrigin } from '../connectors/kinds.js';
import { builtInConnectors, createConnectorRegistry, type ConnectorRegistry } from '../connectors/registry.js';
import type { ConnectorRole, ConnectorScope, ResourceDescriptor } from '../connectors/types.js';
import type { ConnectedResourceRef, ResolvedConnectedResource } from './connections/add-resource.js';
import type { Db, Tx } from '../store/db.js';
import type { ResourceRequestsTable, ResourceRolesTable, ResourceScopesTable, ResourcesTable } from '../store/schema.js';
import { findCatalog } from './catalogs.js';
import type { Caller, ServiceDeps } from './deps.js';
import type { EventBus } from './events/index.js';
import { isUniqueViolation } from '../store/constraints.js';
import { findPackageUsingResource } from '../store/packages.js';
import { findConnectionById } from '../store/connections.js';
import {
  deleteResource, findCatalogResource, findResourceByOrigin, findResourceCatalogId, findResourceRequestById, insertResource, insertResourceRequest,
  listRolesOfResource, listScopesOfResource,
} from '../store/resources.js';

export type ResourceRow = ResourcesTable;
export type ResourceRoleRow = ResourceRolesTable;
export type ResourceScopeRow = ResourceScopesTable;
export type ResourceRequestRow = ResourceRequestsTable;

export interface ResourceRequestInput {
  requestType: ResourceRequestType;
  catalogId: string;
  resource: {
    id?: string; originId?: string; originSystem?: string; displayName?: string | null; description?: string | null;
    /** a connection's resource: the connection (Graph's accessPackageResourceEnvironment), optional when there is one of the kind */
    environment?: { id?: string } | null;
  };
}

/** Where a resource is found: its connector (the built-in directory, a test system) or a connection to a target system. */
interface ResolvedResource {
  originSystem: string;
  resourceNoun: string;
  found: ResourceDescriptor;
  roles: ConnectorRole[];
  scopes: ConnectorScope[];
  connectionId: string | null;
}

/** Resolves resources of connections (services/connections/add-resource.ts), when the app has connections. */
export type ConnectedResolver = (principal: Principal, kind: ConnectorKind, ref: ConnectedResourceRef) => Promise<ResolvedConnectedResource>;

export interface ResourceRequestResult {
  request: ResourceRequestRow;
  /** the resource added, or the one removed (as it was) */
  resource: ResourceRow;
  roles: ResourceRoleRow[];
  scopes: ResourceScopeRow[];
}

export async function findResourceInCatalog(db: Db | Tx, catalogId: string, resourceId: string): Promise<ResourceRow> {
  const row = isGuid(resourceId) ? await findCatalogResource(db, catalogId, resourceId.toLowerCase()) : undefined;
  if (!row) throw new NotFoundError('Resource', resourceId);
  return row;
}

export function createResourceService(
  { db, clock, events }: Pick<ServiceDeps, 'db' | 'clock'> & { events: EventBus },
  connectors: ConnectorRegistry = createConnectorRegistry(builtInConnectors({ db, clock })),
  resolveConnected?: ConnectedResolver,
) {
  /** A resource of a registered connector: looked up, checked addable and manageable by the caller. */
  async function resolveByConnector(caller: Caller, originSystem: string, originId: string): Promise<ResolvedResource> {
    const connector = connectors.get(originSystem, 'resource.originSystem');
    // the connector is asked outside the transaction: it may be a remote system
    const found = await connector.lookup(originId);
    if (!found) {
      throw new ValidationError(
        `No ${connector.resourceNoun} with originId '${originId}' exists in ${connector.originSystem}.`, 'resource.originId', 'ResourceNotFound',
      );
    }
    if (!found.addable) {
      throw new ValidationError(`The ${connector.resourceNoun} '${originId}' cannot be added to a catalog: ${found.reason ?? 'not supported'}.`, 'resource.originId');
    }
    // the reference requires rights on the resource itself as well as the catalog role
    if (!isAdministrator(caller.principal) && !(await connector.canManage(caller.principal, found.originId))) {
      throw new ForbiddenError(
        `Adding ${connector.resourceNoun} '${found.originId}' to a catalog needs ${connector.manageRequirement} as well as the catalog owner role.`,
      );
    }
    return {
      originSystem: connector.originSystem, resourceNoun: connector.resourceNoun, found, roles: connector.rolesOf(found), scopes: connector.scopesOf(found), connectionId: null,
    };
  }

  async function addResource(caller: Caller, input: ResourceRequestInput): Promise<ResourceRequestResult> {
    const { resource: ref } = input;
    if (!ref.originSystem) throw new ValidationError("'resource.originSystem' is required to add a resource, e.g. 'AadGroup'.", 'resource.originSystem');
    if (!ref.originId) throw new ValidationError("'resource.originId' is required to add a resource: the id of the resource in its origin system.", 'resource.originId');
    const kind = resolveConnected ? connectorKindOfOrigin(ref.originSystem) : undefined;
    if (!kind && !connectors.find(ref.originSystem)) {
      const supported = [...connectors.supported(), ...(resolveConnected ? CONNECTOR_KINDS.map((k) => k.originSystem) : [])];
      throw new ValidationError(`originSystem '${ref.originSystem}' is not supported; supported: ${supported.join(', ')}.`, 'resource.originSystem', 'UnsupportedOriginSystem');
    }
    await findCatalog(db, input.catalogId);
    let resolved: ResolvedResource;
    if (kind && resolveConnected) {
      const c = await resolveConnected(caller.principal, kind, { originSystem: ref.originSystem, originId: ref.originId, environment: ref.environment });
      resolved = { originSystem: kind.originSystem, resourceNoun: kind.resourceNoun, found: c.found, roles: c.roles, scopes: c.scopes, connectionId: c.connection.id };
    } else {
      resolved = await resolveByConnector(caller, ref.originSystem, ref.originId);
    }
    const { found, originSystem } = resolved;

    const at = isoNow(clock);
    const resource: ResourceRow = {
      id: newId(), catalogId: input.catalogId, originSystem, originId: found.originId,
      // the origin system's own name wins over the one in the request, which may be stale
      displayName: found.displayName || ref.displayName || found.originId,
      description: found.description ?? ref.description ?? null,
      resourceType: found.resourceType, attributes: '[]', createdAt: at, modifiedAt: at, connectionId: resolved.connectionId, exclusive: 0,
    };
    const roles: ResourceRoleRow[] = resolved.roles.map((r) => ({
      id: newId(), resourceId: resource.id, originSystem, originId: r.originId, displayName: r.displayName, description: r.description,
    }));
    const scopes: ResourceScopeRow[] = resolved.scopes.map((s) => ({
      id: newId(), resourceId: resource.id, originSystem, originId: s.originId, displayName: s.displayName,
      description: s.description, isRootScope: s.isRootScope ? 1 : 0,
    }));
    const request: ResourceRequestRow = {
      id: newId(), catalogId: input.catalogId, resourceId: resource.id, requestType: 'adminAdd', state: 'delivered',
      requestorId: caller.principal.userId, createdAt: at,
    };
    const duplicate = () => new ConflictError(
      `The ${resolved.resourceNoun} '${found.originId}' is already a resource of catalog '${input.catalogId}'.`, 'ResourceAlreadyInCatalog',
    );
    try {
      await db.transaction().execute(async (tx) => {
        if (await findResourceByOrigin(tx, input.catalogId, originSystem, found.originId)) throw duplicate();
        // the connection was resolved before the transaction: a delete meanwhile must not leave the resource without one
        if (resolved.connectionId && !(await findConnectionById(tx, resolved.connectionId))) {
          throw new ValidationError("'resource.environment.id': the connection was deleted meanwhile.", 'resource.environment');
        }
        await insertResource(tx, resource, roles, scopes);
        await insertResourceRequest(tx, request);
        await events.publish(tx, caller, {
          type: 'resourceAdded', resourceId: resource.id, name: resource.displayName, catalogId: input.catalogId, originSystem: resource.originSystem, originId: resource.originId,
        }, { at });
      });
    } catch (e) {
      // two concurrent adds: the unique key on (catalog, originSystem, originId) lets one through
      if (isUniqueViolation(e)) throw duplicate();
      throw e;
    }
    return { request, resource, roles, scopes };
  }

  async function removeResource(caller: Caller, input: ResourceRequestInput): Promise<ResourceRequestResult> {
    const { resource: ref } = input;
    const at = isoNow(clock);
    return db.transaction().execute(async (tx) => {
      await findCatalog(tx, input.catalogId);
      let resource: ResourceRow | undefined;
      if (ref.id) {
        resource = await findResourceInCatalog(tx, input.catalogId, ref.id);
      } else if (ref.originId && ref.originSystem) {
        const canonical = connectors.find(ref.originSystem)?.originSystem ?? connectorKindOfOrigin(ref.originSystem)?.originSystem ?? ref.originSystem;
        resource = await findResourceByOrigin(tx, input.catalogId, canonical, ref.originId);
        if (!resource) throw new NotFoundError(`Resource with originId '${ref.originId}' in catalog`, input.catalogId);
      } else {
        throw new ValidationError("Name the resource to remove with 'resource.id' (or 'resource.originId' and 'resource.originSystem').", 'resource.id');
      }
      const id = resource.id;
      const inUse = await findPackageUsingResource(tx, id);
      if (inUse) {
        throw new ValidationError(
          `Resource '${resource.displayName}' is used by access package '${inUse.accessPackageId}'; remove its roles from every access package before removing it from the catalog.`,
          'resource.id',
          'InvalidDeleteResourceHasEntitlements',
        );
      }
      const roles = await listRolesOfResource(tx, id);
      const scopes = await listScopesOfResource(tx, id);
      await deleteResource(tx, id);
      const request: ResourceRequestRow = {
        id: newId(), catalogId: input.catalogId, resourceId: id, requestType: 'adminRemove', state: 'delivered',
        requestorId: caller.principal.userId, createdAt: at,
      };
      await insertResourceRequest(tx, request);
      await events.publish(tx, caller, {
        type: 'resourceRemoved', resourceId: id, name: resource.displayName, catalogId: input.catalogId, originSystem: resource.originSystem, originId: resource.originId,
      }, { at });
      return { request, resource, roles, scopes };
    });
  }

  return {
    /** the connectors of this app, for the lifecycle engine (grant/revoke/check) */
    connectors,

    /** Carries out a resource request (adminAdd or adminRemove) and records it as delivered. */
    submitRequest(caller: Caller, input: ResourceRequestInput): Promise<ResourceRequestResult> {
      return input.requestType === 'adminAdd' ? addResource(caller, input) : removeResource(caller, input);
    },

    getResource: (catalogId: string, resourceId: string) => findResourceInCatalog(db, catalogId, resourceId),

    /** The catalog a resource belongs to (404 when there is no such resource). */
    async catalogOfResource(resourceId: string): Promise<string> {
      const catalogId = isGuid(resourceId) ? await findResourceCatalogId(db, resourceId.toLowerCase()) : undefined;
      if (!catalogId) throw new NotFoundError('Resource', resourceId);
      return catalogId;
    },

    async getRequest(id: string): Promise<ResourceRequestRow> {
      const row = isGuid(id) ? await findResourceRequestById(db, id.toLowerCase()) : undefined;
      if (!row) throw new NotFoundError('Resource request', id);
      return row;
    },
  };
}

export type ResourceService = ReturnType<typeof createResourceService>;
