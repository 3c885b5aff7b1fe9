import type { ConnectorKind } from '../kit.js';
import { scimSecretsSchema, scimSettingsSchema, type ScimSecrets, type ScimSettingsInput } from './settings.js';
import { createScimTarget } from './target.js';

// SCIM 2.0 applications: their groups as resources (Member), accounts matched by userName or externalId.

export const scimConnector: ConnectorKind<ScimSettingsInput, ScimSecrets> = {
  kind: 'scim',
  originSystem: 'ScimGroup',
  resourceNoun: 'SCIM group',
  settingsSchema: scimSettingsSchema,
  secretsSchema: scimSecretsSchema,
  createTarget: createScimTarget,
};

export { resolveScimAccount } from './account.js';
export { scimString, SCIM_MEMBER_ROLE } from './target.js';
export { resolveScimSettings, scimSecretsSchema, scimSettingsSchema, type ScimSecrets, type ScimSettings, type ScimSettingsInput } from './settings.js';
