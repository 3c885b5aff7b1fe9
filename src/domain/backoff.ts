// Retry timing shared by jobs, grant deliveries and outbox mail: pure maths, so that services (which
// schedule retries of grants) and the worker (which retries jobs and mail) use the same curve.

/** Exponential backoff with a cap: 2s, 4s, 8s … up to 10 minutes. */
export function backoffMs(attempt: number): number {
  return Math.min(10 * 60_000, 1000 * 2 ** Math.max(1, attempt));
}
