import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { typed } from '../route-input.js';
import { CONNECTED_ORGANIZATION_STATES, SPONSOR_KINDS, type ConnectedOrganizationState } from '../../domain/connected-organization.js';
import { DESCRIPTION_MAX, DISPLAY_NAME_MAX } from '../../domain/catalog.js';
import { ValidationError } from '../../domain/errors.js';
import { isGuid } from '../../domain/ids.js';
import type { DirectoryObjectType } from '../../services/connected-organizations.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { listCollection, shapeOne } from '../odata/collection.js';
import { ODataQuery } from '../odata/query-options.js';
import { canonicalEnum } from '../odata/sql.js';
import { checkIfMatch, setEtag } from '../etag.js';
import {
  allConnectedOrganizations, connectedOrganizationSet, connectedOrganizationToGraph, sponsorRefsOf, sponsorSet, sponsorsOf,
} from '../read/connected-organizations.js';
import { Body, CollectionOf, EnumString, GraphObjectSchema, IdParams, Nullable, Text } from '../schemas.js';
import { callerOf } from '../security.js';
import { EM, V1 } from './paths.js';

const ORGS = `${EM}/connectedOrganizations`;


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
    schema: { tags: ['connectedOrganizations'], summary: 'List connected organizations', querystring: ODataQuery, response: { 200: CollectionOf(OrgSchema) } },
  }, async (req) => listCollection(connectedOrganizationSet, allConnectedOrganizations(db), req, { db, principal: req.principal! }));

  app.post(ORGS, {
    config: write,
    schema: { tags: ['connectedOrganizations'], summary: 'Create a connected organization', body: CreateOrg, response: { 201: OrgSchema } },
  }, async (req, reply) => {
    const row = await orgs.create(callerOf(req), { ...orgInput(req.body), displayName: req.body.displayName });
    const obj = connectedOrganizationToGraph(row);
    setEtag(reply, obj);
    return reply.status(201).header('Location', `${ORGS}/${row.id}`).send(obj);
  });

  app.get(`${ORGS}/:id`, {
    config: read,
    schema: { tags: ['connectedOrganizations'], summary: 'Get a connected organization', params: IdParams, querystring: ODataQuery, response: { 200: OrgSchema } },
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
      schema: { tags: ['connectedOrganizations'], summary: `List the ${kind} sponsors (users and groups)`, params: IdParams, querystring: ODataQuery, response: { 200: CollectionOf(DirectoryObjectSchema) } },
    }, async (req) => {
      const org = await orgs.get(req.params.id);
      return listCollection(sponsorSet, sponsorsOf(db, org.id, kind), req, { db, principal: req.principal! });
    });

    app.get(`${ORGS}/:id/${nav}/$ref`, {
      config: read,
      schema: { tags: ['connectedOrganizations'], summary: `List references to the ${kind} sponsors`, params: IdParams },
    }, async (req) => {
      const org = await orgs.get(req.params.id);
      const rows = await sponsorRefsOf(db, org.id, kind);
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
