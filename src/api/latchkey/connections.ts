import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CONNECTOR_KINDS } from '../../connectors/kinds.js';
import type { Services } from '../../services/index.js';
import { refuseKindChange } from '../../services/connections/update.js';
import { typed } from '../route-input.js';
import { IdParams, Nullable } from '../schemas.js';
import { callerOf } from '../security.js';

// Connections to target systems (LDAP directories, SCIM applications, PostgreSQL clusters, signed
// webhooks) under /latchkey/v1/connections: a Latchkey addition, for tenant administrators only
// (connections have no owners; their secrets open every account of the system). The answers never
// carry a secret's value: `secrets` lists the names of those set, each '********'.

export const CONNECTIONS = '/latchkey/v1/connections';
const KINDS = CONNECTOR_KINDS.map((k) => k.kind);
/** the tenant permission guarding connections: the one of the tenant's settings (administrators only) */
const ADMIN_ONLY = { auth: { tenant: 'settings.write' as const } };
const TAGS = ['connections'];

const AnyObject = (description: string) => Type.Object({}, { additionalProperties: true, description });
const Health = Type.Union([Type.Literal('unknown'), Type.Literal('healthy'), Type.Literal('failing')]);

const ConnectionSchema = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: `One of: ${KINDS.join(', ')}.` }),
  displayName: Type.String(),
  description: Nullable(Type.String()),
  originSystem: Type.String({ description: 'The originSystem of its resources in catalogs (LdapGroup, ScimGroup, PostgresRole, Webhook).' }),
  settings: AnyObject("The kind's settings, with their defaults."),
  secrets: Type.Record(Type.String(), Type.String(), { description: "The secrets that are set, each shown as '********'." }),
  timeoutMs: Type.Integer(),
  concurrency: Type.Integer(),
  reconcileInterval: Nullable(Type.String()),
  nextReconcileAt: Nullable(Type.String()),
  health: Health,
  lastError: Nullable(Type.String()),
  lastErrorAt: Nullable(Type.String()),
  lastSuccessAt: Nullable(Type.String()),
  createdDateTime: Type.String(),
  modifiedDateTime: Type.String(),
  resourceCount: Type.Integer(),
}, { description: 'A connection to a target system' });

const common = {
  description: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
  timeoutMs: Type.Optional(Type.Integer({ description: 'Each call to the target gives up after this long (100 to 600000; default 10000).' })),
  concurrency: Type.Optional(Type.Integer({ description: 'At most this many calls to the target at a time (1 to 64; default 4).' })),
  reconcileInterval: Type.Optional(Nullable(Type.String({ maxLength: 64, description: "ISO 8601 duration between reconciliations (default 'PT1H', or null for a webhook without holdersUrl, which cannot be reconciled); null: on demand only." }))),
};

const CreateBody = Type.Object({
  kind: Type.String({ maxLength: 32, description: `One of: ${KINDS.join(', ')}.` }),
  displayName: Type.String({ maxLength: 256 }),
  settings: AnyObject("The kind's settings (see its connector's settings schema); defaults are filled in."),
  secrets: AnyObject("The kind's secrets (LDAP bindPassword, SCIM bearerToken, PostgreSQL password, webhook signingSecret); stored encrypted, never shown."),
  ...common,
}, { additionalProperties: false });

const UpdateBody = Type.Object({
  kind: Type.Optional(Type.String({ maxLength: 32, description: 'Cannot change; only accepted to say so.' })),
  displayName: Type.Optional(Type.String({ maxLength: 256 })),
  settings: Type.Optional(AnyObject('The whole settings object (replaces the stored one, read again with its defaults).')),
  secrets: Type.Optional(AnyObject('Only the secrets given are replaced (null removes an optional one); the others keep their stored value.')),
  ...common,
}, { additionalProperties: false });

const KindSchema = Type.Object({
  kind: Type.String(),
  originSystem: Type.String(),
  resourceNoun: Type.String(),
  settingsSchema: AnyObject('JSON schema of the settings'),
  secretsSchema: AnyObject('JSON schema of the secrets'),
});
const TestAnswer = Type.Object({ ok: Type.Boolean(), summary: Type.Optional(Type.String()), error: Type.Optional(Type.String()) });
const RoleSchema = Type.Object({ originId: Type.String(), displayName: Type.String(), description: Nullable(Type.String()) });
const BrowsedSchema = Type.Object({
  originId: Type.String(),
  displayName: Type.String(),
  description: Nullable(Type.String()),
  resourceType: Nullable(Type.String()),
  addable: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  roles: Type.Array(RoleSchema),
});
const BrowseQuery = Type.Object({
  search: Type.Optional(Type.String({ maxLength: 256, description: 'Part of the name (all when empty).' })),
  top: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'At most this many (1 to 200; default 50).' })),
}, { additionalProperties: false });

export function registerConnectionRoutes(parent: FastifyInstance, services: Services): void {
  const app = typed(parent);
  const connections = services.connections;

  // what the admin portal builds its forms from: each kind's settings and secrets schemas (with descriptions and defaults)
  app.get('/latchkey/v1/connectionKinds', {
    config: ADMIN_ONLY,
    schema: {
      tags: TAGS, summary: 'List the kinds of connection with the JSON schemas of their settings and secrets',
      response: { 200: Type.Object({ value: Type.Array(KindSchema) }) },
    },
  }, async () => ({
    value: CONNECTOR_KINDS.map((k) => ({ kind: k.kind, originSystem: k.originSystem, resourceNoun: k.resourceNoun, settingsSchema: k.settingsSchema, secretsSchema: k.secretsSchema })),
  }));

  app.get(CONNECTIONS, {
    config: ADMIN_ONLY,
    schema: { tags: TAGS, summary: 'List the connections to target systems', response: { 200: Type.Object({ value: Type.Array(ConnectionSchema) }) } },
  }, async () => ({ value: await connections.list() }));

  app.post(CONNECTIONS, {
    config: ADMIN_ONLY,
    schema: {
      tags: TAGS, summary: 'Create a connection to a target system (LDAP, SCIM, PostgreSQL or webhook)',
      description: 'The settings are checked by the kind\'s schema (the first wrong field is named, e.g. settings.url); nothing is contacted until POST …/test.',
      body: CreateBody, response: { 201: ConnectionSchema },
    },
  }, async (req, reply) => {
    const view = await connections.create(callerOf(req), req.body);
    return reply.status(201).header('Location', `${CONNECTIONS}/${view.id}`).send(view);
  });

  app.get(`${CONNECTIONS}/:id`, {
    config: ADMIN_ONLY,
    schema: { tags: TAGS, summary: 'Get a connection', params: IdParams, response: { 200: ConnectionSchema } },
  }, async (req) => connections.get(req.params.id));

  app.patch(`${CONNECTIONS}/:id`, {
    config: ADMIN_ONLY,
    schema: { tags: TAGS, summary: 'Update a connection (secrets: only the keys given are replaced)', params: IdParams, body: UpdateBody, response: { 200: ConnectionSchema } },
  }, async (req) => {
    const { kind, ...patch } = req.body;
    refuseKindChange(kind);
    return connections.update(callerOf(req), req.params.id, patch);
  });

  app.delete(`${CONNECTIONS}/:id`, {
    config: ADMIN_ONLY,
    schema: { tags: TAGS, summary: 'Delete a connection (409 ConnectionInUse while a catalog resource lives in it)', params: IdParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await connections.delete(callerOf(req), req.params.id);
    return reply.status(204).send(null);
  });

  app.post(`${CONNECTIONS}/:id/test`, {
    config: ADMIN_ONLY,
    schema: {
      tags: TAGS, summary: 'Test a connection: connect, authenticate and say what was found',
      description: 'A failing target is an answer ({ ok: false, error }), not an error status; the connection\'s health is recorded either way.',
      params: IdParams, response: { 200: TestAnswer },
    },
  }, async (req) => connections.test(callerOf(req), req.params.id));

  app.get(`${CONNECTIONS}/:id/resources`, {
    config: ADMIN_ONLY,
    schema: {
      tags: TAGS, summary: "Browse a connection's groups or roles (the resources that can be added to a catalog), with their roles",
      params: IdParams, querystring: BrowseQuery, response: { 200: Type.Object({ value: Type.Array(BrowsedSchema) }) },
    },
  }, async (req) => {
    const top = req.query.top === undefined ? undefined : Number(req.query.top);
    return { value: await connections.searchResources(req.params.id, req.query.search ?? '', top) };
  });
}
