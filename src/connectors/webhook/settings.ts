import { Type, type Static } from '@sinclair/typebox';

// What an administrator sets on a webhook connection: where to POST, and, since a webhook has nothing
// to browse, the resources and roles it offers. The receiver (a ticketing queue, a script) does the
// work; Latchkey signs every message as the Standard Webhooks specification says (secret.ts).

const id = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$',
  description: 'Id sent to the receiver: letters, digits and _ . : - (it never changes once granted).',
});

export const WebhookRoleSchema = Type.Object(
  {
    id,
    displayName: Type.String({ minLength: 1, maxLength: 256, description: 'Name shown in the catalog.' }),
    description: Type.Optional(Type.String({ maxLength: 1024, description: 'What the role gives, shown to requestors.' })),
  },
  { additionalProperties: false },
);

export const WebhookResourceSchema = Type.Object(
  {
    id,
    displayName: Type.String({ minLength: 1, maxLength: 256, description: 'Name shown when adding it to a catalog.' }),
    description: Type.Optional(Type.String({ maxLength: 1024, description: 'What the resource is.' })),
  },
  { additionalProperties: false },
);

export const WebhookSettingsSchema = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'Where grants and revokes are POSTed. https, or http to localhost only unless allowInsecureHttp.',
    }),
    allowInsecureHttp: Type.Boolean({
      default: false,
      description: 'Allow an http:// url to another host than localhost (the messages are signed, not encrypted).',
    }),
    roles: Type.Array(WebhookRoleSchema, {
      minItems: 1,
      maxItems: 50,
      default: [{ id: 'member', displayName: 'Member' }],
      description: 'The roles every resource of this webhook offers.',
    }),
    resources: Type.Array(WebhookResourceSchema, {
      maxItems: 1000,
      default: [],
      description: 'The resources this webhook delivers, which administrators can add to catalogs (a webhook has nothing to browse).',
    }),
    holdersUrl: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description:
          'Optional: a signed GET here with ?resource=&role= answers {"holders":[{"id":"…","display":"…"}]}, which reconciliation compares with the grants. Without it a webhook is not reconciled.',
      }),
    ),
    timeoutMs: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 600_000, description: "Time the receiver has to answer each request. Default: the connection's timeout." }),
    ),
    confirmationWindow: Type.Optional(
      Type.String({
        minLength: 2,
        maxLength: 40,
        description:
          'How long the receiver has to confirm a delivery it answered 202 (accepted for later) through the confirmations callback, as an ISO 8601 duration; an unconfirmed grant then fails (an unconfirmed reconciliation repair is sent again by the next run). Default P7D.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type WebhookSettings = Static<typeof WebhookSettingsSchema>;

export const WebhookSecretsSchema = Type.Object(
  {
    signingSecret: Type.String({
      pattern: '^whsec_[A-Za-z0-9+/]{32,}={0,2}$',
      description: 'Standard Webhooks signing secret, "whsec_" and at least 24 random bytes in base64; the receiver verifies with the same one.',
    }),
  },
  { additionalProperties: false },
);
export type WebhookSecrets = Static<typeof WebhookSecretsSchema>;
