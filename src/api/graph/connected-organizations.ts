import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { typed } from '../route-input.js';
import { canTenant, type Principal } from '../../domain/authorization.js';
import { CONNECTED_ORGANIZATION_STATES, SPONSOR_KINDS, type ConnectedOrganizationState, type SponsorKind } from '../../domain/connected-organization.js';
import { DESCRIPTION_MAX, DISPLAY_NAME_MAX } from '../../domain/catalog.js';
import { ValidationError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import { identitySourcesOf, type ConnectedOrganizationRow, type DirectoryObjectType } from '../../services/connected-organizations.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { listCollection, shapeOne, type EntitySet, type GraphObject, type NavigationLoader } from '../odata/collection.js';
import { canonicalEnum } from '../odata/sql.js';
import { checkIfMatch, setEtag } from '../etag.js';
import { Body, CollectionOf, EnumString, GraphObjectSchema, IdParams, Nullable, Text } from '../schemas.js';
import { callerOf } from '../security.js';
import { EM, V1, odataType } from './paths.js';

interface Ctx {
  db: Db;
  principal: Principal;
}

const ORGS = `${EM}/connectedOrganizations`;

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

interface SponsorRow {
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

const sponsorSet: EntitySet<SponsorRow, Ctx> = {
  entity: 'directoryObject',
  fields: {
    id: { column: 'connectedOrganizationSponsors.directoryObjectId', type: 'guid' },
  },
  properties: ['id', 'displayName', 'userPrincipalName', 'mail'],
  navigation: {},
  defaultOrder: 'id',
  readable: (ctx) => (canTenant(ctx.principal, 'connectedOrganization.read') ? 'all' : 'none'),
  idColumn: 'connectedOrganizationSponsors.directoryObjectId',
  toGraph: sponsorToGraph,
};

/** $expand=internalSponsors / externalSponsors: one query for the whole page. */
function sponsorsLoader(kind: SponsorKind): NavigationLoader<Ctx> {
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

export const connectedOrganizationSet: EntitySet<ConnectedOrganizationRow, Ctx> = {
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
  readable: (ctx) => (canTenant(ctx.principal, 'connectedOrganization.read') ? 'all' : 'none'),
};

const IdentitySourceSchema = Type.Object(
  { '@odata.type': Type.String({ description: 'e.g. #microsoft.graph.domainIdentitySource' }) },
  { additionalProperties: true, description: 'domainIdentitySource, externalDomainFederation, azureActiveDirectoryTenant, crossCloudAzureActiveDirectoryTenant or socialIdentitySource' },
);

const OrgSchema = GraphObjectSchema('connectedOrganization', {
  displayName: Type.String(),
  description: Nullable(Type.String()),
  identitySources: Type.Array(IdentitySourceSchema),
  state: Type.String(),
  createdDateTime: Type.String(),
  modifiedDateTime: Type.String(),
});

const DirectoryObjectSchema = GraphObjectSchema('directoryObject (user or group)', {
  '@odata.type': Type.String(),
  displayName: Nullable(Type.String()),
});

// identitySources are checked element by element in the domain module, so that an error names the element
const OrgFields = {
  description: Type.Optional(Nullable(Text(DESCRIPTION_MAX))),
  identitySources: Type.Optional(Type.Array(Type.Unknown(), { description: 'identity sources with "@odata.type"' })),
  state: Type.Optional(EnumString(CONNECTED_ORGANIZATION_STATES, 'proposed organizations are not part of "all configured connected organizations"')),
};
const CreateOrg = Body({ ...OrgFields, displayName: Type.String({ minLength: 1, maxLength: DISPLAY_NAME_MAX }) });
const UpdateOrg = Body({ ...OrgFields, displayName: Type.Optional(Type.String({ minLength: 1, maxLength: DISPLAY_NAME_MAX })) });

/** `$ref` bodies: {"@odata.id": "https://graph.microsoft.com/v1.0/users/{id}"}; other annotations are allowed. */
const RefBody = Type.Object(
  { '@odata.id': Type.String({ maxLength: 2048, description: 'URL of a user or group, e.g. https://graph.microsoft.com/v1.0/users/{id}' }) },
  { additionalProperties: false, patternProperties: { '^@odata\\.': {} } },
);

const SponsorParams = Type.Object({ id: Type.String({ maxLength: 200 }), objectId: Type.String({ maxLength: 200 }) });

type OrgBody = Static<typeof UpdateOrg>;

function orgInput(b: OrgBody) {
  return {
    displayName: b.displayName,
    description: b.description,
    identitySources: b.identitySources,
    state: b.state === undefined ? undefined : (canonicalEnum(CONNECTED_ORGANIZATION_STATES, b.state, 'state') as ConnectedOrganizationState),
  };
}

const REF_SEGMENTS: Record<string, DirectoryObjectType | undefined> = { users: 'user', groups: 'group', directoryobjects: undefined };

/**
 * Reads the object an "@odata.id" points at. Any base URL is accepted (graph.microsoft.com, this
 * server, or none), as long as the path ends in users/{id}, groups/{id} or directoryObjects/{id}.
 */
export function parseDirectoryObjectRef(odataId: string, field = '@odata.id'): { id: string; type?: DirectoryObjectType } {
  const path = odataId.split(/[?#]/)[0].replace(/\/+$/, '');
  const m = /(?:^|\/)(users|groups|directoryObjects)\/([^/]+)$/i.exec(path);
  const id = m ? decodeURIComponent(m[2]).replace(/^\{|\}$/g, '') : undefined;
  if (!m || !id || !isGuid(id)) {
    throw new ValidationError(
      `'${field}' must be the URL of a user or group, such as 'https://graph.microsoft.com/v1.0/users/{id}', got '${odataId}'.`,
      field,
    );
  }
  return { id: id.toLowerCase(), type: REF_SEGMENTS[m[1].toLowerCase()] };
}

function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

export function registerConnectedOrganizationRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  const orgs = services.connectedOrganizations;
  const read = { auth: { tenant: 'connectedOrganization.read' as const } };
  const write = { auth: { tenant: 'connectedOrganization.write' as const } };

  app.get(ORGS, {
    config: read,
    schema: { tags: ['connectedOrganizations'], summary: 'List connected organizations', response: { 200: CollectionOf(OrgSchema) } },
  }, async (req) => listCollection(connectedOrganizationSet, db.selectFrom('connectedOrganizations').selectAll('connectedOrganizations'), req, { db, principal: req.principal! }));

  app.post(ORGS, {
    config: write,
    schema: { tags: ['connectedOrganizations'], summary: 'Create a connected organization', body: CreateOrg, response: { 201: OrgSchema } },
  }, async (req, reply) => {
    const row = await orgs.create(callerOf(req), orgInput(req.body) as ReturnType<typeof orgInput> & { displayName: string });
    const obj = connectedOrganizationToGraph(row);
    setEtag(reply, obj);
    return reply.status(201).header('Location', `${ORGS}/${row.id}`).send(obj);
  });

  app.get(`${ORGS}/:id`, {
    config: read,
    schema: { tags: ['connectedOrganizations'], summary: 'Get a connected organization', params: IdParams, response: { 200: OrgSchema } },
  }, async (req, reply) => {
    const row = await orgs.get(req.params.id);
    setEtag(reply, connectedOrganizationToGraph(row));
    return shapeOne(connectedOrganizationSet, row, req, { db, principal: req.principal! });
  });

  app.patch(`${ORGS}/:id`, {
    config: write,
    schema: { tags: ['connectedOrganizations'], summary: 'Update a connected organization (If-Match supported)', params: IdParams, body: UpdateOrg, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const { id } = req.params;
    await orgs.update(callerOf(req), id, orgInput(req.body), (cur) => checkIfMatch(req, connectedOrganizationToGraph(cur)));
    return reply.status(204).send(null);
  });

  app.delete(`${ORGS}/:id`, {
    config: write,
    schema: { tags: ['connectedOrganizations'], summary: 'Delete a connected organization no policy uses', params: IdParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await orgs.delete(callerOf(req), req.params.id, (cur) => checkIfMatch(req, connectedOrganizationToGraph(cur)));
    return reply.status(204).send(null);
  });

  for (const kind of SPONSOR_KINDS) {
    const nav = `${kind}Sponsors`;

    app.get(`${ORGS}/:id/${nav}`, {
      config: read,
      schema: { tags: ['connectedOrganizations'], summary: `List the ${kind} sponsors (users and groups)`, params: IdParams, response: { 200: CollectionOf(DirectoryObjectSchema) } },
    }, async (req) => {
      const org = await orgs.get(req.params.id);
      const q = sponsorQuery(db, kind).where('connectedOrganizationSponsors.connectedOrganizationId', '=', org.id);
      return listCollection(sponsorSet, q, req, { db, principal: req.principal! });
    });

    app.get(`${ORGS}/:id/${nav}/$ref`, {
      config: read,
      schema: { tags: ['connectedOrganizations'], summary: `List references to the ${kind} sponsors`, params: IdParams },
    }, async (req) => {
      const org = await orgs.get(req.params.id);
      const rows = await db
        .selectFrom('connectedOrganizationSponsors')
        .select(['directoryObjectId', 'objectType'])
        .where('connectedOrganizationId', '=', org.id)
        .where('kind', '=', kind)
        .orderBy('directoryObjectId')
        .execute();
      const base = baseUrl(req);
      return { value: rows.map((r) => ({ '@odata.id': `${base}${V1}/${r.objectType === 'group' ? 'groups' : 'users'}/${r.directoryObjectId}` })) };
    });

    app.post(`${ORGS}/:id/${nav}/$ref`, {
      config: write,
      schema: { tags: ['connectedOrganizations'], summary: `Add a user or group as ${kind} sponsor`, params: IdParams, body: RefBody, response: { 204: Type.Null() } },
    }, async (req, reply) => {
      const ref = parseDirectoryObjectRef(req.body['@odata.id']);
      await orgs.addSponsor(callerOf(req), req.params.id, kind, ref.id, ref.type);
      return reply.status(204).send(null);
    });

    app.delete(`${ORGS}/:id/${nav}/:objectId/$ref`, {
      config: write,
      schema: { tags: ['connectedOrganizations'], summary: `Remove a ${kind} sponsor`, params: SponsorParams, response: { 204: Type.Null() } },
    }, async (req, reply) => {
      const { id, objectId } = req.params;
      await orgs.removeSponsor(callerOf(req), id, kind, objectId);
      return reply.status(204).send(null);
    });
  }
}
