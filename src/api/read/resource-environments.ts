// Connections as Graph's accessPackageResourceEnvironment (GET resourceEnvironments, and a connected
// resource's `environment`): the target system a catalog resource lives in. Read from the connections
// table without its secrets column. A catalog reader sees the connections that resources of the
// catalogs they read live in, and no other (a role scoped to one catalog never learns of another's
// systems); those who read every catalog see every connection. The settings and health stay behind
// /latchkey/v1/connections.
import { findConnectorKind } from '../../connectors/kinds.js';
import type { ConnectionListing } from '../../store/connections.js';
import type { Db } from '../../store/db.js';
import type { EntitySet, GraphObject } from '../odata/collection.js';
import { byCatalogs, readCatalogs, type ReadCtx } from './common.js';

/** The columns an environment is made of: never the sealed secrets. */
export const ENVIRONMENT_COLUMNS = [
  'connections.id', 'connections.kind', 'connections.displayName', 'connections.description', 'connections.settings', 'connections.timeoutMs',
  'connections.concurrency', 'connections.reconcileInterval', 'connections.nextReconcileAt', 'connections.health', 'connections.lastError',
  'connections.lastErrorAt', 'connections.lastSuccessAt', 'connections.createdAt', 'connections.modifiedAt',
] as const;

/** Where the system is, for connectionInfo.url: the settings' url (LDAP, webhook), baseUrl (SCIM) or host (PostgreSQL). */
function urlOf(settingsJson: string): string | null {
  const s = JSON.parse(settingsJson) as Record<string, unknown>;
  for (const key of ['url', 'baseUrl']) if (typeof s[key] === 'string') return s[key];
  if (typeof s.host === 'string') return `postgresql://${s.host}:${typeof s.port === 'number' ? s.port : 5432}`;
  return null;
}

export function environmentToGraph(c: ConnectionListing): GraphObject {
  return {
    id: c.id,
    originId: c.id,
    originSystem: findConnectorKind(c.kind)?.originSystem ?? c.kind,
    displayName: c.displayName,
    description: c.description,
    isDefaultEnvironment: false,
    connectionInfo: { url: urlOf(c.settings) },
    createdDateTime: c.createdAt,
    modifiedDateTime: c.modifiedAt,
  };
}

export const resourceEnvironmentSet: EntitySet<ConnectionListing, ReadCtx> = {
  entity: 'accessPackageResourceEnvironment',
  fields: {
    id: { column: 'connections.id', type: 'guid' },
    originId: { column: 'connections.id', type: 'string' },
    displayName: { column: 'connections.displayName', type: 'string' },
    description: { column: 'connections.description', type: 'string' },
    createdDateTime: { column: 'connections.createdAt', type: 'datetime' },
    modifiedDateTime: { column: 'connections.modifiedAt', type: 'datetime' },
  },
  properties: ['id', 'originId', 'originSystem', 'displayName', 'description', 'isDefaultEnvironment', 'connectionInfo', 'createdDateTime', 'modifiedDateTime'],
  navigation: {},
  defaultOrder: 'displayName',
  idColumn: 'connections.id',
  toGraph: environmentToGraph,
  readable: (ctx) => byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('connections.id', 'in',
    eb.selectFrom('resources').select('resources.connectionId').where('resources.catalogId', 'in', ids).where('resources.connectionId', 'is not', null))),
};

/** GET resourceEnvironments: every connection. */
export const allEnvironments = (db: Db) => db.selectFrom('connections').select(ENVIRONMENT_COLUMNS);
