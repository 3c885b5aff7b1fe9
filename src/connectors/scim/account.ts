import type { AccountRef, AccountSubject, Target } from '../kit.js';
import { ConnectorError } from '../types.js';
import { accountKeyOf } from './target.js';
import { resolveScimSettings, type ScimSettingsInput } from './settings.js';

/**
 * The subject's SCIM account by the connection's rule: found, or created where the connection allows
 * it, or a ConnectorError saying which account was looked for (not retryable: it needs an administrator).
 */
export async function resolveScimAccount(target: Target, input: ScimSettingsInput, subject: AccountSubject): Promise<AccountRef> {
  const found = await target.findAccount(subject);
  if (found) return found;
  const settings = resolveScimSettings(input);
  const { value, phrase } = accountKeyOf(settings, subject);
  if (!value) throw new ConnectorError(`${subject.displayName} has no ${settings.accountProperty}, which this SCIM connection matches accounts on.`, false);
  if (target.createAccount) return target.createAccount(subject);
  throw new ConnectorError(`No SCIM user with ${phrase(value)} at ${new URL(settings.baseUrl).host}, and this connection does not create accounts.`, false);
}
