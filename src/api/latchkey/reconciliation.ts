import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../../services/index.js';
import type { ReconciliationRow } from '../../store/reconciliations.js';
import { pathParam, typed } from '../route-input.js';
import { Body, IdParams, Nullable } from '../schemas.js';
import { callerOf } from '../security.js';

// Reconciliation under /latchkey/v1 (Latchkey's own, no Graph counterpart): start a run of a connection
// and list its runs (tenant administrators, like the connections themselves: connections have no
// owners); a catalog resource's view of it (its catalog's readers) and its exclusive governance (its
// catalog's owners, who decide how the catalog governs its resources; a connected resource is added by a
// tenant administrator only, but it is then the catalog's to govern).

const V1 = '/latchkey/v1';

const RunSchema = Type.Object({
  id: Type.String(),
  trigger: Type.String({ description: 'schedule | demand' }),
  state: Type.String({ description: 'running | succeeded | failed' }),
  startedDateTime: Type.String(),
  finishedDateTime: Nullable(Type.String()),
  rolesChecked: Type.Integer({ description: 'governed roles whose holders were read' }),
  holdersChecked: Type.Integer({ description: 'holders read, all roles together' }),
  repaired: Type.Integer({ description: 'delivered grants missing in the target, granted again' }),
  unmanaged: Type.Integer({ description: 'holders no delivered grant explains' }),
  removed: Type.Integer({ description: 'unmanaged holders removed (exclusive resources)' }),
  error: Nullable(Type.String()),
});

const UnmanagedSchema = Type.Object({
  roleId: Type.String({ description: 'the accessPackageResourceRole id' }),
  roleName: Type.String(),
  accountId: Type.String({ description: "the account's id in the target system" }),
  display: Type.String(),
  firstSeenDateTime: Type.String(),
  lastSeenDateTime: Type.String(),
  removedDateTime: Nullable(Type.String()),
});

const ResourceGovernanceSchema = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  connectionId: Nullable(Type.String()),
  exclusive: Type.Boolean(),
  modifiedDateTime: Type.String(),
});

const UpdateResource = Body({
  exclusive: Type.Boolean({ description: 'true: reconciliation removes holders Latchkey did not grant; false: it only reports them' }),
});

export function runToApi(r: ReconciliationRow) {
  return {
    id: r.id, trigger: r.trigger, state: r.state, startedDateTime: r.startedAt, finishedDateTime: r.finishedAt, rolesChecked: r.rolesChecked,
    holdersChecked: r.holdersChecked, repaired: r.repaired, unmanaged: r.unmanaged, removed: r.removed, error: r.error,
  };
}

export function registerReconciliationRoutes(parent: FastifyInstance, services: Services): void {
  const app = typed(parent);
  const r = services.reconciliation;
  const catalogOfResource = (req: FastifyRequest) => r.catalogOfResource(pathParam(req, 'id'));

  app.post(`${V1}/connections/:id/reconcile`, {
    config: { auth: { tenant: 'settings.write' } },
    schema: {
      tags: ['connections'], summary: "Reconcile a connection's governed roles now",
      description: 'Starts a run as a job (202); while one is running, answers that one instead of starting another.',
      params: IdParams, response: { 202: Type.Object({ id: Type.String(), state: Type.String() }) },
    },
  }, async (req, reply) => {
    const { run } = await r.start(req.params.id.toLowerCase());
    return reply.status(202).header('Location', `${V1}/connections/${run.connectionId}/reconciliations`).send({ id: run.id, state: run.state });
  });

  app.get(`${V1}/connections/:id/reconciliations`, {
    config: { auth: { tenant: 'settings.write' } },
    schema: { tags: ['connections'], summary: "A connection's reconciliation runs, newest first (the last 50)", params: IdParams, response: { 200: Type.Object({ value: Type.Array(RunSchema) }) } },
  }, async (req) => ({ value: (await r.list(req.params.id.toLowerCase())).map(runToApi) }));

  app.get(`${V1}/resources/:id/reconciliation`, {
    config: { auth: { catalog: 'catalog.read', of: catalogOfResource } },
    schema: {
      tags: ['resources'], summary: "What reconciliation found on a catalog resource: its connection's last run and the unmanaged holders of its roles",
      params: IdParams,
      response: { 200: Type.Object({ lastRun: Nullable(RunSchema), exclusive: Type.Boolean(), unmanaged: Type.Array(UnmanagedSchema) }) },
    },
  }, async (req) => {
    const view = await r.resourceView(req.params.id);
    return {
      lastRun: view.lastRun ? runToApi(view.lastRun) : null,
      exclusive: view.resource.exclusive === 1,
      unmanaged: view.unmanaged.map((u) => ({
        roleId: u.resourceRoleId, roleName: u.roleName, accountId: u.accountId, display: u.display,
        firstSeenDateTime: u.firstSeenAt, lastSeenDateTime: u.lastSeenAt, removedDateTime: u.removedAt,
      })),
    };
  });

  app.patch(`${V1}/resources/:id`, {
    config: { auth: { catalog: 'catalog.resources.write', of: catalogOfResource } },
    schema: {
      tags: ['resources'], summary: 'Make a catalog resource of a connection exclusively governed, or not',
      description: 'Exclusive: reconciliation removes the holders of its roles that no delivered grant explains (where every catalog governing the role agrees); otherwise it only reports them.',
      params: IdParams, body: UpdateResource, response: { 200: ResourceGovernanceSchema },
    },
  }, async (req) => {
    const row = await r.setExclusive(callerOf(req), req.params.id, req.body.exclusive);
    return { id: row.id, displayName: row.displayName, connectionId: row.connectionId, exclusive: row.exclusive === 1, modifiedDateTime: row.modifiedAt };
  });
}
