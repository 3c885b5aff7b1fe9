import { ValidationError } from '../../domain/errors.js';
import type { ConnectorKind } from '../kit.js';
import { readSettings } from '../settings-schema.js';
import { ConnectorError } from '../types.js';
import { resolveScimSettings, scimSecretsSchema, scimSettingsSchema, type ScimSecrets, type ScimSettingsInput } from './settings.js';
import { createScimTarget } from './target.js';

// SCIM 2.0 applications: their groups as resources (Member), accounts matched by userName or externalId.

export const scimConnector: ConnectorKind<ScimSettingsInput, ScimSecrets> = {
  kind: 'scim',
  originSystem: 'ScimGroup',
  resourceNoun: 'SCIM group',
  settingsSchema: scimSettingsSchema,
  secretsSchema: scimSecretsSchema,
  readSettings: readScimSettings,
  createTarget: createScimTarget,
};

/** The settings with their defaults and the base URL checked, or a ValidationError naming the field. */
export function readScimSettings(input: unknown): ScimSettingsInput {
  const settings = readSettings(scimSettingsSchema, input, 'settings');
  try {
    return resolveScimSettings(settings);
  } catch (e) {
    // resolveScimSettings checks only the base URL; at a connection's creation that is a 400, not a target failure
    if (e instanceof ConnectorError) throw new ValidationError(`settings.baseUrl: ${e.message}`, 'settings.baseUrl');
    throw e;
  }
}

export { resolveScimAccount } from './account.js';
export { scimString, SCIM_MEMBER_ROLE } from './target.js';
export { resolveScimSettings, scimSecretsSchema, scimSettingsSchema, type ScimSecrets, type ScimSettings, type ScimSettingsInput } from './settings.js';
