import { Type, type Static } from '@sinclair/typebox';
import { ACCOUNT_SUBJECT_PROPERTIES } from '../kit.js';

// What an administrator sets on a PostgreSQL connection. Resources are the cluster's roles (group
// roles by default); a person's account is a LOGIN role whose name the account rule makes from one of
// their properties (account-name.ts says how the value is turned into a safe identifier).

const accountProperty = Type.Union(
  ACCOUNT_SUBJECT_PROPERTIES.map((p) => Type.Literal(p)),
  { description: "The user property the login role's name is made from.", default: 'mailNickname' },
);

export const PostgresSettingsSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'Host name or IP address of the PostgreSQL server.' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 5432, description: 'TCP port of the server.' }),
    database: Type.String({
      minLength: 1,
      default: 'postgres',
      description: 'Database to connect to. Roles are cluster-wide, so any database of the cluster will do.',
    }),
    user: Type.String({
      minLength: 1,
      description:
        'Role Latchkey connects as. It needs ADMIN OPTION on every role it grants (up to PostgreSQL 15 CREATEROLE is enough), and CREATEROLE to create accounts.',
    }),
    ssl: Type.Union([Type.Literal('disable'), Type.Literal('require'), Type.Literal('verify-full')], {
      default: 'verify-full',
      description:
        "TLS to the server: 'verify-full' encrypts and checks the certificate and host name (the default), 'require' encrypts without checking the certificate, 'disable' sends everything in clear (a local server only).",
    }),
    caCertificate: Type.Optional(
      Type.String({ minLength: 1, description: "PEM certificate(s) of the CA that signed the server's certificate, for 'verify-full' with a private CA." }),
    ),
    accountRule: Type.Object(
      {
        property: accountProperty,
        template: Type.Optional(
          Type.String({
            pattern: `^[A-Za-z0-9_]*\\{(${ACCOUNT_SUBJECT_PROPERTIES.join('|')})\\}[A-Za-z0-9_]*$`,
            description:
              "The login role's name around the property, e.g. 'lk_{mailNickname}' (the placeholder names the property; letters, digits and _ around it). Default: the property alone.",
          }),
        ),
      },
      {
        default: { property: 'mailNickname' },
        description:
          "How a user's login role is named: the property's value lower-cased, accents dropped, every run of other characters than a-z, 0-9 and _ made one _, put into the template.",
      },
    ),
    createAccounts: Type.Boolean({
      default: false,
      description:
        'Create a missing login role (CREATE ROLE … LOGIN, without a password: the person signs in as pg_hba.conf says, e.g. by certificate or LDAP).',
    }),
    managedRolePrefix: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 62,
        description: 'Only roles whose name starts with this may be searched, added and granted: a safety net against granting anything else.',
      }),
    ),
    includeLoginRoles: Type.Boolean({
      default: false,
      description: 'Offer LOGIN roles as resources too (by default only group roles, which cannot sign in, are offered).',
    }),
    timeoutMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 600_000,
        description: "Time allowed to connect and for each statement (statement_timeout). Default: the connection's timeout.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type PostgresSettings = Static<typeof PostgresSettingsSchema>;

export const PostgresSecretsSchema = Type.Object(
  {
    password: Type.Optional(
      Type.String({ minLength: 1, description: "Password of the connecting role (absent when pg_hba.conf trusts Latchkey's host or uses a certificate)." }),
    ),
  },
  { additionalProperties: false },
);
export type PostgresSecrets = Static<typeof PostgresSecretsSchema>;

/** The roles every PostgreSQL role offers as a resource. */
export const MEMBER_ROLE = 'member';
export const ADMIN_ROLE = 'admin';
