// HTTP targets (SCIM applications, webhook receivers) say how long to wait in a Retry-After header:
// delay-seconds or an HTTP-date (RFC 9110 §10.2.3). The wait rides on the retryable ConnectorError.

/** Retry-After in ms: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
