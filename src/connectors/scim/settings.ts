import { Type, type Static } from '@sinclair/typebox';
import { ACCOUNT_SUBJECT_PROPERTIES } from '../kit.js';
import { ConnectorError } from '../types.js';

// A SCIM 2.0 connection's settings and secrets. The schemas feed the OpenAPI document and the admin
// form, so every field says what it does; defaults are what most SCIM applications accept.

export const scimSettingsSchema = Type.Object(
  {
    baseUrl: Type.String({
      minLength: 1,
      description: "The SCIM service's base URL, the one /Users and /Groups hang under, e.g. https://app.example.com/scim/v2. https is required except on localhost (or with allowInsecureHttp).",
    }),
    allowInsecureHttp: Type.Optional(Type.Boolean({ default: false, description: 'Allow a plain http base URL on a host other than localhost (the bearer token then travels unencrypted).' })),
    accountAttribute: Type.Optional(
      Type.Union([Type.Literal('userName'), Type.Literal('externalId')], {
        default: 'userName',
        description: "The SCIM User attribute a Latchkey user's account is found by.",
      }),
    ),
    accountProperty: Type.Optional(
      Type.Union(
        ACCOUNT_SUBJECT_PROPERTIES.map((p) => Type.Literal(p)),
        { default: 'userPrincipalName', description: 'The Latchkey user property matched against accountAttribute.' },
      ),
    ),
    createAccounts: Type.Optional(
      Type.Boolean({ default: false, description: 'Create a missing account (POST /Users) when granting; when off, a grant to a user without an account fails naming the account looked for.' }),
    ),
    memberRemoval: Type.Optional(
      Type.Union([Type.Literal('path'), Type.Literal('valueList'), Type.Literal('auto')], {
        default: 'auto',
        description: 'How a member is removed from a group: path (remove members[value eq "id"]), valueList (remove members with value [{value: id}]), or auto (the path form, then the value list where the server does not take it).',
      }),
    ),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Resources asked for per page (count) when listing.' })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000, description: 'Each HTTP request to the SCIM service gives up after this many milliseconds.' })),
  },
  { additionalProperties: false },
);
export type ScimSettingsInput = Static<typeof scimSettingsSchema>;
export type ScimSettings = Required<ScimSettingsInput>;

export const scimSecretsSchema = Type.Object(
  { bearerToken: Type.String({ minLength: 1, description: 'The bearer token the SCIM service issued for Latchkey; stored encrypted, never shown.' }) },
  { additionalProperties: false },
);
export type ScimSecrets = Static<typeof scimSecretsSchema>;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The settings with their defaults, the base URL checked (https unless local or allowed) and without a trailing slash. */
export function resolveScimSettings(input: ScimSettingsInput): ScimSettings {
  const s: ScimSettings = {
    baseUrl: input.baseUrl,
    allowInsecureHttp: input.allowInsecureHttp ?? false,
    accountAttribute: input.accountAttribute ?? 'userName',
    accountProperty: input.accountProperty ?? 'userPrincipalName',
    createAccounts: input.createAccounts ?? false,
    memberRemoval: input.memberRemoval ?? 'auto',
    pageSize: input.pageSize ?? 100,
    timeoutMs: input.timeoutMs ?? 10_000,
  };
  let url: URL;
  try {
    url = new URL(s.baseUrl);
  } catch {
    throw new ConnectorError(`baseUrl must be an http(s) URL, got '${s.baseUrl}'.`, false);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConnectorError(`baseUrl must be an http(s) URL, got '${s.baseUrl}'.`, false);
  if (url.protocol === 'http:' && !LOCAL_HOSTS.has(url.hostname) && !s.allowInsecureHttp) {
    throw new ConnectorError(`baseUrl must use https (plain http is only accepted for localhost, or with allowInsecureHttp), got '${s.baseUrl}'.`, false);
  }
  if (url.username || url.password) throw new ConnectorError('baseUrl must not carry credentials; put the bearer token in the secrets.', false);
  return { ...s, baseUrl: s.baseUrl.replace(/\/+$/, '') };
}
