import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { typed } from '../route-input.js';
import { EXTERNAL_USER_LIFECYCLE_ACTIONS, type EntitlementManagementSettings, type ExternalUserLifecycleAction } from '../../services/settings.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { canonicalEnum } from '../odata/sql.js';
import { ODataQuery, parseQueryOptions } from '../odata/query-options.js';
import { applySelect } from '../odata/collection.js';
import { Body, EnumString, GraphObjectSchema } from '../schemas.js';
import { callerOf } from '../security.js';
import { EM } from './paths.js';

/**
 * The settings singleton has no id of its own in our store; Graph returns one, so a fixed GUID keeps
 * clients that key objects by id working.
 */
export const SETTINGS_OBJECT_ID = '00000000-0000-0000-0000-00000000e1a5';

export function settingsToGraph(s: EntitlementManagementSettings) {
  return {
    id: SETTINGS_OBJECT_ID,
    externalUserLifecycleAction: s.externalUserLifecycleAction,
    durationUntilExternalUserDeletedAfterBlocked: s.durationUntilExternalUserDeletedAfterBlocked,
  };
}

const SettingsSchema = GraphObjectSchema('entitlementManagementSettings', {
  '@odata.context': Type.String(),
  externalUserLifecycleAction: Type.String(),
  durationUntilExternalUserDeletedAfterBlocked: Type.String(),
});

const UpdateSettings = Body({
  externalUserLifecycleAction: Type.Optional(EnumString(EXTERNAL_USER_LIFECYCLE_ACTIONS, 'what happens to an external user whose last assignment ends')),
  // validated by the duration parser so that the error explains the format
  durationUntilExternalUserDeletedAfterBlocked: Type.Optional(Type.String({ maxLength: 64, description: "ISO-8601 duration, e.g. 'P30D'; 'PT0S' deletes at once" })),
});

export function registerSettingsRoutes(parent: FastifyInstance, services: Services, _db: Db): void {
  const app = typed(parent);
  app.get(`${EM}/settings`, {
    config: { auth: { tenant: 'settings.read' } },
    schema: { tags: ['settings'], summary: 'Get the tenant entitlement management settings', querystring: ODataQuery, response: { 200: SettingsSchema } },
  }, async (req) => {
    const opts = parseQueryOptions(req.query, { filter: false });
    const obj = settingsToGraph(await services.settings.get());
    const shaped = applySelect({ entity: 'entitlementManagementSettings', properties: Object.keys(obj) }, obj, opts.select, []);
    return { '@odata.context': `${req.protocol}://${req.host}/v1.0/$metadata#identityGovernance/entitlementManagement/settings/$entity`, ...shaped };
  });

  app.patch(`${EM}/settings`, {
    config: { auth: { tenant: 'settings.write' } },
    schema: { tags: ['settings'], summary: 'Update the tenant entitlement management settings', body: UpdateSettings, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const b = req.body;
    await services.settings.update(callerOf(req), {
      externalUserLifecycleAction: b.externalUserLifecycleAction === undefined
        ? undefined
        : (canonicalEnum(EXTERNAL_USER_LIFECYCLE_ACTIONS, b.externalUserLifecycleAction, 'externalUserLifecycleAction') as ExternalUserLifecycleAction),
      durationUntilExternalUserDeletedAfterBlocked: b.durationUntilExternalUserDeletedAfterBlocked,
    });
    return reply.status(204).send(null);
  });
}
