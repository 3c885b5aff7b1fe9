// Connected organizations and their sponsors as the API reads them: who may read them (holders of
// connectedOrganization.read, tenant-wide), the entity sets, and the queries of the list routes.
import { canTenant } from '../../domain/authorization.js';
import { CONNECTED_ORGANIZATION_STATES, type SponsorKind } from '../../domain/connected-organization.js';
import { identitySourcesOf, type ConnectedOrganizationRow } from '../../services/connected-organizations.js';
import type { Db } from '../../store/db.js';
import { odataType } from '../graph/paths.js';
import type { EntitySet, GraphObject, NavigationLoader, ReadRule } from '../odata/collection.js';
import type { ReadCtx } from './common.js';

export function connectedOrganizationRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return canTenant(ctx.principal, 'connectedOrganization.read') ? 'all' : 'none';
}

export function connectedOrganizationToGraph(r: ConnectedOrganizationRow): GraphObject {
  return {
    id: r.id,
    displayName: r.displayName,
    description: r.description,
    identitySources: identitySourcesOf(r),
    state: r.state,
    createdDateTime: r.createdAt,
    modifiedDateTime: r.modifiedAt,
  };
}

// ---- sponsors as directory objects

export interface SponsorRow {
  connectedOrganizationId: string;
  id: string;
  objectType: string;
  userDisplayName: string | null;
  userPrincipalName: string | null;
  userMail: string | null;
  groupDisplayName: string | null;
  groupMail: string | null;
}

function sponsorQuery(db: Db, kind: SponsorKind) {
  return db
    .selectFrom('connectedOrganizationSponsors')
    .leftJoin('users', (j) => j.onRef('users.id', '=', 'connectedOrganizationSponsors.directoryObjectId').on('connectedOrganizationSponsors.objectType', '=', 'user'))
    .leftJoin('groups', (j) => j.onRef('groups.id', '=', 'connectedOrganizationSponsors.directoryObjectId').on('connectedOrganizationSponsors.objectType', '=', 'group'))
    .select([
      'connectedOrganizationSponsors.connectedOrganizationId',
      'connectedOrganizationSponsors.directoryObjectId as id',
      'connectedOrganizationSponsors.objectType',
      'users.displayName as userDisplayName',
      'users.userPrincipalName',
      'users.mail as userMail',
      'groups.displayName as groupDisplayName',
      'groups.mail as groupMail',
    ])
    .where('connectedOrganizationSponsors.kind', '=', kind);
}

/** A sponsor as Graph returns directory objects: typed, with the properties of its type. */
function sponsorToGraph(r: SponsorRow): GraphObject {
  if (r.objectType === 'group') {
    return { '@odata.type': odataType('group'), id: r.id, displayName: r.groupDisplayName, mail: r.groupMail };
  }
  return { '@odata.type': odataType('user'), id: r.id, displayName: r.userDisplayName, userPrincipalName: r.userPrincipalName, mail: r.userMail };
}

export const sponsorSet: EntitySet<SponsorRow, ReadCtx> = {
  entity: 'directoryObject',
  fields: {
    id: { column: 'connectedOrganizationSponsors.directoryObjectId', type: 'guid' },
  },
  properties: ['id', 'displayName', 'userPrincipalName', 'mail'],
  navigation: {},
  defaultOrder: 'id',
  readable: connectedOrganizationRule,
  idColumn: 'connectedOrganizationSponsors.directoryObjectId',
  toGraph: sponsorToGraph,
};

/** $expand=internalSponsors / externalSponsors: one query for the whole page. */
function sponsorsLoader(kind: SponsorKind): NavigationLoader<ReadCtx> {
  return async (items, item, ctx) => {
    const rows = (await sponsorQuery(ctx.db, kind)
      .where('connectedOrganizationSponsors.connectedOrganizationId', 'in', items.map((i) => i.id))
      .orderBy('connectedOrganizationSponsors.directoryObjectId')
      .execute()) as SponsorRow[];
    for (const obj of items) {
      obj[`${kind}Sponsors`] = rows
        .filter((r) => r.connectedOrganizationId === obj.id)
        .map((r) => {
          const g = sponsorToGraph(r);
          if (!item.select) return g;
          const keep = new Set(['id', ...item.select]);
          return Object.fromEntries(Object.entries(g).filter(([k]) => keep.has(k) || k.startsWith('@odata.')));
        });
    }
  };
}

export const connectedOrganizationSet: EntitySet<ConnectedOrganizationRow, ReadCtx> = {
  entity: 'connectedOrganization',
  fields: {
    id: { column: 'connectedOrganizations.id', type: 'guid' },
    displayName: { column: 'connectedOrganizations.displayName', type: 'string' },
    description: { column: 'connectedOrganizations.description', type: 'string' },
    state: { column: 'connectedOrganizations.state', type: 'enum', values: CONNECTED_ORGANIZATION_STATES },
    createdDateTime: { column: 'connectedOrganizations.createdAt', type: 'datetime' },
    modifiedDateTime: { column: 'connectedOrganizations.modifiedAt', type: 'datetime' },
  },
  properties: ['id', 'displayName', 'description', 'identitySources', 'state', 'createdDateTime', 'modifiedDateTime'],
  navigation: { internalSponsors: sponsorsLoader('internal'), externalSponsors: sponsorsLoader('external') },
  defaultOrder: 'displayName',
  idColumn: 'connectedOrganizations.id',
  toGraph: connectedOrganizationToGraph,
  readable: connectedOrganizationRule,
};

// ---- the queries of the list routes

export const allConnectedOrganizations = (db: Db) => db.selectFrom('connectedOrganizations').selectAll('connectedOrganizations');

/** The sponsors of one kind of an organization, as directory objects. */
export const sponsorsOf = (db: Db, orgId: string, kind: SponsorKind) =>
  sponsorQuery(db, kind).where('connectedOrganizationSponsors.connectedOrganizationId', '=', orgId);

/** The sponsors of one kind of an organization as references (id and type), by id. */
export function sponsorRefsOf(db: Db, orgId: string, kind: SponsorKind) {
  return db
    .selectFrom('connectedOrganizationSponsors')
    .select(['directoryObjectId', 'objectType'])
    .where('connectedOrganizationId', '=', orgId)
    .where('kind', '=', kind)
    .orderBy('directoryObjectId')
    .execute();
}
