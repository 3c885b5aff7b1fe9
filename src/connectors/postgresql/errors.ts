import { ConnectorError } from '../types.js';

// What went wrong talking to PostgreSQL, as a ConnectorError an administrator can act on. Retryable is
// whatever a later try may fix: the server unreachable, starting, shutting down, overloaded, slow, or a
// transaction that lost a race; a wrong password, a missing role or a missing privilege is not.
// pg's messages name roles and databases but never the password, so the server's text is quoted.

/** SQLSTATE classes (first two characters) worth retrying: connection exception, insufficient resources, operator intervention, transaction rollback */
const RETRYABLE_CLASSES = new Set(['08', '53', '57', '40', '58']);
/** Node's network errors */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

interface PgLikeError {
  code?: string;
  message?: string;
}

/**
 * The ConnectorError for an error of pg. `server` is 'host:port' and `doing` what was asked, e.g.
 * 'granting role "app_readers" to "ada"', both for the message.
 */
export function pgFailure(error: unknown, server: string, doing: string, timeoutMs: number): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = (error ?? {}) as PgLikeError;
  const code = typeof e.code === 'string' ? e.code : '';
  const text = typeof e.message === 'string' ? e.message : String(error);
  if (code === '57014' || /timeout/i.test(text)) {
    return new ConnectorError(`PostgreSQL at ${server} did not answer within ${timeoutMs} ms while ${doing}.`, true);
  }
  if (NETWORK_CODES.has(code)) {
    return new ConnectorError(`PostgreSQL at ${server} cannot be reached (${code}) while ${doing}.`, true);
  }
  if (code === '28P01' || code === '28000') {
    return new ConnectorError(`PostgreSQL at ${server} refused the connection's credentials: ${text}.`, false);
  }
  if (code === '42501') {
    return new ConnectorError(
      `PostgreSQL at ${server} refused ${doing}: ${text} (the connecting role needs ADMIN OPTION on the role, or CREATEROLE up to PostgreSQL 15).`,
      false,
    );
  }
  if (/^[0-9A-Z]{5}$/.test(code)) {
    return new ConnectorError(`PostgreSQL at ${server} refused ${doing}: ${text} (SQLSTATE ${code}).`, RETRYABLE_CLASSES.has(code.slice(0, 2)));
  }
  // TLS: a server without TLS, or a certificate that does not verify; a setting to fix, not a wait
  if (/ssl|tls|certificate/i.test(text) || code.startsWith('ERR_TLS') || code.includes('CERT')) {
    return new ConnectorError(`TLS to PostgreSQL at ${server} failed: ${text}. Check the connection's ssl setting.`, false);
  }
  // the connection dropped mid-way ("Connection terminated unexpectedly") or something of the kind
  return new ConnectorError(`PostgreSQL at ${server} failed while ${doing}: ${text}.`, true);
}
