import { ValidationError } from '../../domain/errors.js';
import type { ConnectorKind } from '../kit.js';
import { readSettings } from '../settings-schema.js';
import { WebhookSecretsSchema, WebhookSettingsSchema, type WebhookSecrets, type WebhookSettings } from './settings.js';
import { createWebhookTarget } from './target.js';

// Signed webhooks, for systems without an API: every grant and revoke is a POST signed as the
// Standard Webhooks specification says (target.ts says what is sent and what the answers mean).

export const webhookConnector: ConnectorKind<WebhookSettings, WebhookSecrets> = {
  kind: 'webhook',
  originSystem: 'Webhook',
  resourceNoun: 'webhook resource',
  settingsSchema: WebhookSettingsSchema,
  secretsSchema: WebhookSecretsSchema,
  readSettings: (input) => readWebhookSettings(input),
  createTarget(settings, secrets, limits) {
    return createWebhookTarget(readWebhookSettings(settings), readSettings(WebhookSecretsSchema, secrets, 'secrets'), limits);
  },
};

/** The settings with their defaults, or a ValidationError naming the field (the schema, then what it cannot say). */
export function readWebhookSettings(input: unknown): WebhookSettings {
  const settings = readSettings(WebhookSettingsSchema, input, 'settings');
  checkUrl(settings.url, 'settings.url', settings.allowInsecureHttp);
  if (settings.holdersUrl !== undefined) checkUrl(settings.holdersUrl, 'settings.holdersUrl', settings.allowInsecureHttp);
  for (const list of ['roles', 'resources'] as const) {
    const seen = new Set<string>();
    settings[list].forEach((entry, i) => {
      if (seen.has(entry.id)) throw new ValidationError(`settings.${list}.${i}.id: '${entry.id}' is declared twice.`, `settings.${list}.${i}.id`);
      seen.add(entry.id);
    });
  }
  return settings;
}

/** https, or http to this machine (or anywhere when the connection allows insecure http); no credentials in it. */
function checkUrl(value: string, field: string, allowInsecureHttp: boolean): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`${field}: not an absolute URL.`, field);
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.endsWith('.localhost');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (local || allowInsecureHttp))) {
    throw new ValidationError(`${field}: must be https (http only to localhost, or with allowInsecureHttp).`, field);
  }
  if (url.username || url.password) throw new ValidationError(`${field}: must not hold credentials; the messages are signed instead.`, field);
}

export { generateSigningSecret } from './secret.js';
export type { WebhookSecrets, WebhookSettings } from './settings.js';
