import { ValidationError } from '../../domain/errors.js';
import type { ConnectorKind } from '../kit.js';
import { readSettings } from '../settings-schema.js';
import { templateMatchesProperty } from './account-name.js';
import { ADMIN_ROLE, MEMBER_ROLE, PostgresSecretsSchema, PostgresSettingsSchema, type PostgresSecrets, type PostgresSettings } from './settings.js';
import { createPostgresTarget } from './target.js';

// PostgreSQL roles as resources: Member and Admin (WITH ADMIN OPTION) of a role, granted to the
// person's login role. Settings in settings.ts, the account rule in account-name.ts.

export const postgresqlConnector: ConnectorKind<PostgresSettings, PostgresSecrets> = {
  kind: 'postgresql',
  originSystem: 'PostgresRole',
  resourceNoun: 'PostgreSQL role',
  settingsSchema: PostgresSettingsSchema,
  secretsSchema: PostgresSecretsSchema,
  readSettings: (input) => readPostgresSettings(input),
  // GRANT … WITH ADMIN OPTION makes a member too: pg_auth_members has one row, admin_option set
  impliedRoles: { [ADMIN_ROLE]: [MEMBER_ROLE] },
  createTarget(settings, secrets, limits) {
    return createPostgresTarget(readPostgresSettings(settings), readSettings(PostgresSecretsSchema, secrets, 'secrets'), limits);
  },
};

/** The settings with their defaults, or a ValidationError naming the field (the schema, then what it cannot say). */
export function readPostgresSettings(input: unknown): PostgresSettings {
  const settings = readSettings(PostgresSettingsSchema, input, 'settings');
  if (!templateMatchesProperty(settings.accountRule)) {
    throw new ValidationError(
      `settings.accountRule.template: the placeholder must be {${settings.accountRule.property}}, the rule's property.`,
      'settings.accountRule.template',
    );
  }
  return settings;
}

export { accountNameFor, normaliseIdentifier } from './account-name.js';
export type { PostgresSecrets, PostgresSettings } from './settings.js';
