import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseJsonOr } from '../../domain/json.js';
import type { Services } from '../../services/index.js';
import type { IdentitySourceView } from '../../services/identity/sources/view.js';
import type { SyncRunRow } from '../../store/identity-sync.js';
import { typed } from '../route-input.js';
import { IdParams, Nullable } from '../schemas.js';
import { callerOf } from '../security.js';

// Identity sources under /latchkey/v1/identitySources (Latchkey's own, no Graph counterpart): where
// people and groups come from — an identity provider pushing SCIM, or an LDAP directory synced through
// an LDAP connection — and the runs of a directory sync. For tenant administrators only, like the
// connections they read through (a source decides who exists at all). No answer carries a secret: an
// LDAP source's bind password is its connection's.

export const IDENTITY_SOURCES = '/latchkey/v1/identitySources';
const ADMIN_ONLY = { auth: { tenant: 'settings.write' as const } };
const TAGS = ['identitySources'];

const Counts = {
  usersCreated: Type.Integer(),
  usersUpdated: Type.Integer({ description: 'properties, manager, or enabled again' }),
  usersDisabled: Type.Integer({ description: 'disabled in the directory, or gone from it (never deleted)' }),
  groupsCreated: Type.Integer(),
  groupsUpdated: Type.Integer(),
  groupsDeleted: Type.Integer({ description: 'gone from the directory' }),
  membersAdded: Type.Integer(),
  membersRemoved: Type.Integer(),
};

const SampleSchema = Type.Object({ action: Type.String(), target: Type.String(), detail: Type.Optional(Type.String()) });

const RunSchema = Type.Object({
  id: Type.String(),
  sourceId: Type.String(),
  mode: Type.String({ description: 'full | incremental | compare' }),
  dryRun: Type.Boolean(),
  trigger: Type.String({ description: 'demand | schedule' }),
  state: Type.String({ description: 'running | succeeded | failed' }),
  startedDateTime: Type.String(),
  finishedDateTime: Nullable(Type.String()),
  entriesRead: Type.Integer({ description: 'directory entries read so far' }),
  entriesWritten: Type.Integer({ description: 'changes written so far' }),
  ...Counts,
  errors: Type.Array(Type.String(), { description: 'entries that could not be synced, and why (at most 200)' }),
  sample: Type.Array(SampleSchema, { description: 'a dry run: the first 50 changes it would make' }),
  error: Nullable(Type.String({ description: 'why the run as a whole failed' })),
}, { description: 'One sync of an identity source' });

const SourceSchema = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: 'ldap | scim' }),
  displayName: Type.String(),
  description: Nullable(Type.String()),
  connectionId: Nullable(Type.String({ description: 'the LDAP connection an ldap source reads through' })),
  settings: Type.Object({}, { additionalProperties: true, description: "The kind's settings as stored (see the README's 'People from your LDAP directory')." }),
  nextSyncDateTime: Nullable(Type.String({ description: 'when the schedule starts the next run (null: not scheduled; it starts with the first real full run)' })),
  nextFullSyncDateTime: Nullable(Type.String()),
  userCount: Type.Integer({ description: 'users the source owns' }),
  groupCount: Type.Integer({ description: 'groups the source owns' }),
  lastRun: Nullable(RunSchema),
  provisioningTokens: Type.Array(Type.Object({
    id: Type.String(),
    name: Type.String(),
    createdDateTime: Type.String(),
    lastUsedDateTime: Nullable(Type.String()),
    revokedDateTime: Nullable(Type.String()),
  }), { description: "a scim source's tokens for /scim/v2 (`latchkey token create --scim`), never the token itself; empty for ldap" }),
  createdDateTime: Type.String(),
  modifiedDateTime: Type.String(),
}, { description: 'Where people and groups come from' });

const CreateBody = Type.Object({
  kind: Type.String({ maxLength: 16, description: 'ldap | scim' }),
  displayName: Type.String({ maxLength: 256 }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
  connectionId: Type.Optional(Nullable(Type.String({ maxLength: 64, description: 'ldap: the LDAP connection to read through' }))),
  settings: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'ldap: base DNs, filters, preset, attribute mapping, disabled rule, schedule' })),
}, { additionalProperties: false });

const UpdateBody = Type.Object({
  displayName: Type.Optional(Type.String({ maxLength: 256 })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
  connectionId: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  settings: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'The whole settings object (replaces the stored one).' })),
}, { additionalProperties: false });

const SyncBody = Type.Object({
  mode: Type.Optional(Type.String({ maxLength: 16, description: 'full (every entry, and what is gone) | incremental (entries changed since the last run; default) | compare (only what is gone)' })),
  dryRun: Type.Optional(Type.Boolean({ description: 'Report what would change (counts and a sample) without writing anything.' })),
}, { additionalProperties: false });

const RunParams = Type.Object({ id: Type.String({ maxLength: 200 }), runId: Type.String({ maxLength: 200 }) });

export function syncRunToApi(r: SyncRunRow) {
  return {
    id: r.id, sourceId: r.sourceId, mode: r.mode, dryRun: r.dryRun === 1, trigger: r.trigger, state: r.state, startedDateTime: r.startedAt,
    finishedDateTime: r.finishedAt, entriesRead: r.entriesRead, entriesWritten: r.entriesWritten, usersCreated: r.usersCreated, usersUpdated: r.usersUpdated,
    usersDisabled: r.usersDisabled, groupsCreated: r.groupsCreated, groupsUpdated: r.groupsUpdated, groupsDeleted: r.groupsDeleted,
    membersAdded: r.membersAdded, membersRemoved: r.membersRemoved, errors: parseJsonOr<string[]>(r.errors, []),
    sample: parseJsonOr<{ action: string; target: string; detail?: string }[]>(r.sample, []), error: r.error,
  };
}

function sourceToApi(v: IdentitySourceView) {
  const s = v.source;
  return {
    id: s.id, kind: s.kind, displayName: s.displayName, description: s.description, connectionId: s.connectionId, settings: v.settings,
    nextSyncDateTime: s.nextSyncAt, nextFullSyncDateTime: s.nextFullAt, userCount: v.owned.users, groupCount: v.owned.groups,
    lastRun: v.lastRun ? syncRunToApi(v.lastRun) : null,
    provisioningTokens: v.tokens.map((t) => ({ id: t.id, name: t.name, createdDateTime: t.createdAt, lastUsedDateTime: t.lastUsedAt, revokedDateTime: t.revokedAt })),
    createdDateTime: s.createdAt, modifiedDateTime: s.modifiedAt,
  };
}

export function registerIdentitySourceRoutes(parent: FastifyInstance, services: Services): void {
  const app = typed(parent);
  const sources = services.identitySources;

  app.get(IDENTITY_SOURCES, {
    config: ADMIN_ONLY,
    schema: { tags: TAGS, summary: 'List the identity sources (SCIM and LDAP)', response: { 200: Type.Object({ value: Type.Array(SourceSchema) }) } },
  }, async () => ({ value: (await sources.list()).map(sourceToApi) }));

  app.post(IDENTITY_SOURCES, {
    config: ADMIN_ONLY,
    schema: {
      tags: TAGS, summary: 'Create an identity source',
      description: 'An ldap source reads the directory of an LDAP connection (connectionId); nothing is read until POST …/sync, and the schedule starts with the first real full run.',
      body: CreateBody, response: { 201: SourceSchema },
    },
  }, async (req, reply) => {
    const view = await sources.create(callerOf(req), req.body);
    return reply.status(201).header('Location', `${IDENTITY_SOURCES}/${view.source.id}`).send(sourceToApi(view));
  });

  app.get(`${IDENTITY_SOURCES}/:id`, {
    config: ADMIN_ONLY,
    schema: { tags: TAGS, summary: 'Get an identity source', params: IdParams, response: { 200: SourceSchema } },
  }, async (req) => sourceToApi(await sources.get(req.params.id)));

  app.patch(`${IDENTITY_SOURCES}/:id`, {
    config: ADMIN_ONLY,
    schema: { tags: TAGS, summary: 'Update an identity source (settings are replaced as a whole)', params: IdParams, body: UpdateBody, response: { 200: SourceSchema } },
  }, async (req) => sourceToApi(await sources.update(callerOf(req), req.params.id, req.body)));

  app.delete(`${IDENTITY_SOURCES}/:id`, {
    config: ADMIN_ONLY,
    schema: {
      tags: TAGS, summary: 'Delete an identity source',
      description: 'Its users and groups are released, not deleted: they stay, with their memberships and access, owned by nobody (editable through Graph).',
      params: IdParams, response: { 204: Type.Null() },
    },
  }, async (req, reply) => {
    await sources.delete(callerOf(req), req.params.id);
    return reply.status(204).send(null);
  });

  app.post(`${IDENTITY_SOURCES}/:id/sync`, {
    config: ADMIN_ONLY,
    schema: {
      tags: TAGS, summary: 'Sync an LDAP source now (full, incremental or compare; optionally a dry run)',
      description: 'Starts a run as a job (202 with the run); while one is running, answers that one instead of starting another.',
      params: IdParams, body: SyncBody, response: { 202: RunSchema },
    },
  }, async (req, reply) => {
    const { run } = await sources.sync(req.params.id, req.body ?? {});
    return reply.status(202).header('Location', `${IDENTITY_SOURCES}/${run.sourceId}/runs/${run.id}`).send(syncRunToApi(run));
  });

  app.get(`${IDENTITY_SOURCES}/:id/runs`, {
    config: ADMIN_ONLY,
    schema: { tags: TAGS, summary: "An identity source's runs, newest first (the last 50)", params: IdParams, response: { 200: Type.Object({ value: Type.Array(RunSchema) }) } },
  }, async (req) => ({ value: (await sources.runs(req.params.id)).map(syncRunToApi) }));

  app.get(`${IDENTITY_SOURCES}/:id/runs/:runId`, {
    config: ADMIN_ONLY,
    schema: { tags: TAGS, summary: 'One run of an identity source, with its progress while it runs', params: RunParams, response: { 200: RunSchema } },
  }, async (req) => syncRunToApi(await sources.run(req.params.id, req.params.runId)));
}
