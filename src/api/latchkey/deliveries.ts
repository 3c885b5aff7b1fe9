import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { listAccountsOfUser } from '../../store/connection-accounts.js';
import { assertCanReadUser } from '../graph/users.js';
import { typed } from '../route-input.js';
import { Body, IdParams } from '../schemas.js';

// Delivery into connected systems, the routes of Latchkey's own (no Graph counterpart):
// - a webhook receiver's confirmation of a delivery it accepted for later (its 202). Public: the
//   Standard Webhooks signature with the connection's signing secret is the authentication (401
//   otherwise), checked over the body exactly as received.
// - the accounts a user is linked to in connected systems (the user themselves, or whoever may read users).

const ConfirmationBody = Body({
  deliveryId: Type.String({
    minLength: 1,
    maxLength: 200,
    description: "The data.deliveryId of the message being confirmed: '<grant id>:grant' (a grant's first delivery), '<grant id>:grant:<generation>' "
      + "(the grant applied again by a reprocess: a new id each time, so only the latest is awaited), '<grant id>:revoke', or "
      + "'<grant id>:repair:<reconciliation run id>' (a reconciliation run granting a delivered grant again; the grant stays delivered, "
      + 'and a failure is recorded as its lastError and audited).',
  }),
  status: Type.Union([Type.Literal('done'), Type.Literal('failed')], { description: 'done: the access was given (or taken away); failed: it could not be.' }),
  error: Type.Optional(Type.String({ maxLength: 2000, description: 'Why it failed, shown to administrators on the request.' })),
}, { readOnly: [] });

const ConfirmationAnswer = Type.Object({
  deliveryId: Type.String(),
  acted: Type.Boolean({ description: 'false when the delivery was already confirmed or is no longer awaited (a repeated confirmation changes nothing)' }),
  state: Type.String({ description: "the grant's state now: pending | delivered | failed | revoking | revoked (a repair's: the grant's, unchanged)" }),
});

const LinkedAccount = Type.Object({
  connectionId: Type.String(),
  connectionName: Type.String(),
  kind: Type.String(),
  accountId: Type.String(),
  display: Type.String(),
  createdByLatchkey: Type.Boolean(),
  linkedDateTime: Type.String(),
});

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export function registerDeliveryRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);

  app.post('/latchkey/v1/connections/:id/confirmations', {
    config: { auth: { public: true } },
    schema: {
      tags: ['latchkey'],
      summary: "A webhook receiver confirms a delivery it answered 202 (signed with the connection's signing secret, Standard Webhooks headers)",
      params: IdParams,
      body: ConfirmationBody,
      response: { 200: ConfirmationAnswer },
    },
  }, async (req) => {
    const signed = {
      rawBody: req.rawBody ?? '',
      headers: { 'webhook-id': header(req.headers['webhook-id']), 'webhook-timestamp': header(req.headers['webhook-timestamp']), 'webhook-signature': header(req.headers['webhook-signature']) },
    };
    return services.lifecycle.confirmDelivery(req.params.id, signed, { deliveryId: req.body.deliveryId, status: req.body.status, error: req.body.error });
  });

  app.get('/latchkey/v1/users/:id/accounts', {
    config: { auth: { authenticated: true } },
    schema: {
      tags: ['latchkey'],
      summary: "A user's accounts in connected systems, found by each connection's account rule or created by Latchkey (yourself, or anyone with directory.read)",
      params: IdParams,
      response: { 200: Type.Object({ value: Type.Array(LinkedAccount) }) },
    },
  }, async (req) => {
    assertCanReadUser(req.principal!, req.params.id);
    const user = await services.users.get(req.params.id);
    const rows = await listAccountsOfUser(db, user.id);
    return {
      value: rows.map((r) => ({
        connectionId: r.connectionId, connectionName: r.connectionName, kind: r.kind, accountId: r.accountId, display: r.display,
        createdByLatchkey: r.createdByLatchkey === 1, linkedDateTime: r.linkedAt,
      })),
    };
  });
}
