import { ResultCodeError } from 'ldapts';
import { ConnectorError } from '../types.js';

// What went wrong, as a ConnectorError an administrator can act on: what Latchkey was doing, and what
// the server answered (its result code by name and its diagnostic text) or why it could not be
// reached. `retryable` when trying later may help: the server is down, unreachable, busy or slow.
// The bind password never reaches these messages: ldapts does not put it in its errors, and only the
// bind DN is named.

/** LDAP result codes (RFC 4511) by number, for messages. */
export const RESULT_CODES: Readonly<Record<number, string>> = {
  1: 'operationsError', 2: 'protocolError', 3: 'timeLimitExceeded', 4: 'sizeLimitExceeded', 7: 'authMethodNotSupported',
  8: 'strongerAuthRequired', 11: 'adminLimitExceeded', 13: 'confidentialityRequired', 16: 'noSuchAttribute',
  17: 'undefinedAttributeType', 18: 'inappropriateMatching', 19: 'constraintViolation', 20: 'attributeOrValueExists',
  21: 'invalidAttributeSyntax', 32: 'noSuchObject', 34: 'invalidDNSyntax', 48: 'inappropriateAuthentication',
  49: 'invalidCredentials', 50: 'insufficientAccessRights', 51: 'busy', 52: 'unavailable', 53: 'unwillingToPerform',
  54: 'loopDetect', 64: 'namingViolation', 65: 'objectClassViolation', 66: 'notAllowedOnNonLeaf', 67: 'notAllowedOnRDN',
  68: 'entryAlreadyExists', 69: 'objectClassModsProhibited', 80: 'other',
};

/** Result codes after which the same request may succeed later. */
const RETRYABLE_CODES = new Set([3, 51, 52, 80]);

/** Network failures: the server is down, restarting or unreachable for now. */
const RETRYABLE_NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EPIPE', 'EAI_AGAIN']);

/** The LDAP result code of a failure, when the server answered with one. */
export function resultCode(e: unknown): number | undefined {
  return e instanceof ResultCodeError ? e.code : undefined;
}

/** The server's answer in words: "noSuchObject (32): <diagnostic>". */
export function describeResult(e: ResultCodeError): string {
  const diagnostic = e.message.replace(/\s*Code: 0x[0-9a-f]+\s*$/i, '').trim();
  const name = RESULT_CODES[e.code] ?? e.name;
  return `${name} (${e.code})${diagnostic ? `: ${diagnostic}` : ''}`;
}

/**
 * The ConnectorError for a failure while doing `what` ("adding uid=alice,... to cn=staff,..."),
 * against the server at `url` given up on after `timeoutMs`.
 */
export function ldapFailure(e: unknown, what: string, url: string, timeoutMs: number): ConnectorError {
  if (e instanceof ConnectorError) return e;
  if (e instanceof ResultCodeError) {
    if (e.code === 49) {
      return new ConnectorError(`${what}: the LDAP server ${url} refused the bind DN's credentials (${describeResult(e)}); check the bind DN and password.`, false);
    }
    return new ConnectorError(`${what}: the LDAP server ${url} answered ${describeResult(e)}.`, RETRYABLE_CODES.has(e.code));
  }
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  if (code && RETRYABLE_NETWORK.has(code)) {
    return new ConnectorError(`${what}: the LDAP server ${url} could not be reached (${code}: ${message}).`, true);
  }
  if (code === 'ENOTFOUND') {
    return new ConnectorError(`${what}: the host of ${url} is not known (${code}); check the url.`, false);
  }
  if (/timed out|timeout/i.test(message)) {
    return new ConnectorError(`${what}: the LDAP server ${url} did not answer within ${timeoutMs} ms.`, true);
  }
  if (/socket|connection closed|not established/i.test(message)) {
    return new ConnectorError(`${what}: the connection to the LDAP server ${url} was lost (${message.split('\n')[0]}).`, true);
  }
  if (code && (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO/.test(code))) {
    return new ConnectorError(`${what}: the TLS connection to ${url} failed (${code}: ${message}); check the tls settings (ca, servername).`, false);
  }
  return new ConnectorError(`${what}: ${message}`, false);
}
