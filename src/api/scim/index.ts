import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UnauthenticatedError } from '../../domain/errors.js';
import { project, readPage } from '../../domain/scim/list.js';
import { LIST_RESPONSE, resourceTypes, schemaDocuments, serviceProviderConfig } from '../../domain/scim/schemas.js';
import { ScimError, scimNotFound } from '../../domain/scim/errors.js';
import type { ScimContext } from '../../services/identity/scim/index.js';
import type { Services } from '../../services/index.js';
import { isProvisioningToken } from '../../services/tokens.js';
import { registerScimErrors, SCIM_CONTENT_TYPE } from './errors.js';

// SCIM 2.0 service provider (RFC 7643/7644) at /scim/v2, for identity providers that push people and
// groups in (Microsoft Entra provisioning, Okta). Only provisioning tokens open it (`latchkey token create
// --scim`): people's tokens and sessions are refused here, as provisioning tokens are everywhere else.
// Each token belongs to an identity source; a source sees and changes only the objects it owns.

export const SCIM_PREFIX = '/scim/v2';

const RULE = { auth: { provisioning: true as const } };
// not in the OpenAPI document, which describes the Graph API: SCIM's own discovery endpoints describe this one
const HIDE = { hide: true };

type Query = Record<string, string | undefined>;

/** The resource selection query options: attributes / excludedAttributes (comma-separated). */
function selection(req: FastifyRequest) {
  const q = req.query as Query;
  return { attributes: q.attributes, excluded: q.excludedAttributes };
}

const excludesMembers = (excluded?: string) => !!excluded && excluded.split(',').some((a) => /^(urn:ietf:params:scim:schemas:core:2\.0:group:)?members(\..*)?$/i.test(a.trim()));

export function registerScimRoutes(app: FastifyInstance, services: Services, opts: { publicUrl?: string }): void {
  app.register(async (scim) => {
    registerScimErrors(scim);
    // identity providers send application/scim+json; read it as JSON, with the app's own JSON parser
    const parseJson = scim.getDefaultJsonParser('error', 'error');
    scim.addContentTypeParser('application/scim+json', { parseAs: 'string' }, (req, body, done) => {
      if (String(body).trim() === '') done(null, {});
      else parseJson(req, body as string, done);
    });

    scim.addHook('onRequest', async (req) => {
      const header = req.headers.authorization;
      const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      if (!m) throw new ScimError(401, 'Send "Authorization: Bearer <provisioning token>" (latchkey token create --scim).');
      if (!isProvisioningToken(m[1])) throw new ScimError(401, "People's API tokens and sessions are not accepted under /scim/v2; use a provisioning token (latchkey token create --scim).");
      const provisioner = await services.tokens.resolveProvisioning(m[1]);
      if (!provisioner) throw new ScimError(401, 'The provisioning token is unknown or revoked.');
      req.provisioner = provisioner;
    });
    scim.addHook('onSend', async (_req, reply, payload) => {
      if (String(reply.getHeader('content-type') ?? '').startsWith('application/json')) reply.type(SCIM_CONTENT_TYPE);
      return payload;
    });

    const base = (req: FastifyRequest) => `${opts.publicUrl ?? `${req.protocol}://${req.host}`}${SCIM_PREFIX}`;
    const ctx = (req: FastifyRequest): ScimContext => {
      if (!req.provisioner) throw new UnauthenticatedError();
      return { sourceId: req.provisioner.sourceId, sourceName: req.provisioner.sourceName, base: base(req) };
    };
    const list = (req: FastifyRequest, total: number, startIndex: number, resources: Record<string, unknown>[]) => {
      const { attributes, excluded } = selection(req);
      return {
        schemas: [LIST_RESPONSE], totalResults: total, startIndex, itemsPerPage: resources.length,
        Resources: resources.map((r) => project(r, attributes, excluded)),
      };
    };
    const one = (req: FastifyRequest, resource: Record<string, unknown>) => {
      const { attributes, excluded } = selection(req);
      return project(resource, attributes, excluded);
    };

    // ---- discovery (RFC 7644 §4): the same for every source
    scim.get('/ServiceProviderConfig', { config: RULE, schema: HIDE }, async (req) => serviceProviderConfig(base(req)));
    scim.get('/ResourceTypes', { config: RULE, schema: HIDE }, async (req) => {
      const all = resourceTypes(base(req));
      return { schemas: [LIST_RESPONSE], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all };
    });
    scim.get<{ Params: { id: string } }>('/ResourceTypes/:id', { config: RULE, schema: HIDE }, async (req) => {
      const found = resourceTypes(base(req)).find((r) => r.id.toLowerCase() === req.params.id.toLowerCase());
      if (!found) throw scimNotFound('ResourceType', req.params.id);
      return found;
    });
    scim.get('/Schemas', { config: RULE, schema: HIDE }, async (req) => {
      const all = schemaDocuments(base(req));
      return { schemas: [LIST_RESPONSE], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all };
    });
    scim.get<{ Params: { id: string } }>('/Schemas/:id', { config: RULE, schema: HIDE }, async (req) => {
      const found = schemaDocuments(base(req)).find((r) => r.id.toLowerCase() === req.params.id.toLowerCase());
      if (!found) throw scimNotFound('Schema', req.params.id);
      return found;
    });

    // ---- Users
    scim.get('/Users', { config: RULE, schema: HIDE }, async (req) => {
      const q = req.query as Query;
      const page = readPage(q.startIndex, q.count);
      const r = await services.scim.listUsers(ctx(req), q.filter, page);
      return list(req, r.total, page.startIndex, r.resources);
    });
    scim.get<{ Params: { id: string } }>('/Users/:id', { config: RULE, schema: HIDE }, async (req) => one(req, await services.scim.getUser(ctx(req), req.params.id)));
    scim.post('/Users', { config: RULE, schema: HIDE }, async (req, reply) => {
      const created = await services.scim.createUser(ctx(req), req.body);
      return reply.status(201).header('location', created.meta.location).send(created);
    });
    scim.put<{ Params: { id: string } }>('/Users/:id', { config: RULE, schema: HIDE }, async (req) => services.scim.replaceUser(ctx(req), req.params.id, req.body));
    scim.patch<{ Params: { id: string } }>('/Users/:id', { config: RULE, schema: HIDE }, async (req) => services.scim.patchUser(ctx(req), req.params.id, req.body));
    scim.delete<{ Params: { id: string } }>('/Users/:id', { config: RULE, schema: HIDE }, async (req, reply) => {
      await services.scim.deleteUser(ctx(req), req.params.id);
      return reply.status(204).send();
    });

    // ---- Groups
    scim.get('/Groups', { config: RULE, schema: HIDE }, async (req) => {
      const q = req.query as Query;
      const page = readPage(q.startIndex, q.count);
      const r = await services.scim.listGroups(ctx(req), q.filter, page, !excludesMembers(q.excludedAttributes));
      return list(req, r.total, page.startIndex, r.resources);
    });
    scim.get<{ Params: { id: string } }>('/Groups/:id', { config: RULE, schema: HIDE }, async (req) => {
      const q = req.query as Query;
      return one(req, await services.scim.getGroup(ctx(req), req.params.id, !excludesMembers(q.excludedAttributes)));
    });
    scim.post('/Groups', { config: RULE, schema: HIDE }, async (req, reply) => {
      const created = await services.scim.createGroup(ctx(req), req.body);
      return reply.status(201).header('location', created.meta.location).send(created);
    });
    scim.put<{ Params: { id: string } }>('/Groups/:id', { config: RULE, schema: HIDE }, async (req) => services.scim.replaceGroup(ctx(req), req.params.id, req.body));
    scim.patch<{ Params: { id: string } }>('/Groups/:id', { config: RULE, schema: HIDE }, async (req, reply) => {
      await services.scim.patchGroup(ctx(req), req.params.id, req.body);
      return reply.status(204).send();
    });
    scim.delete<{ Params: { id: string } }>('/Groups/:id', { config: RULE, schema: HIDE }, async (req, reply) => {
      await services.scim.deleteGroup(ctx(req), req.params.id);
      return reply.status(204).send();
    });
  }, { prefix: SCIM_PREFIX });
}
