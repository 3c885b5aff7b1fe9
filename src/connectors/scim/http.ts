import { ConnectorError } from '../types.js';
import { parseRetryAfter } from '../retry-after.js';

// HTTP to one SCIM service: the bearer token, a timeout per request, and every failure turned into a
// ConnectorError an administrator can act on (what was asked, what the server said), retryable where
// trying later may help (unreachable, timeout, 5xx, 429 with its Retry-After). The token never
// appears in a message: server details are scrubbed of it too.

export interface ScimResponse {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- SCIM JSON, read field by field
}

export interface ScimHttp {
  /** the answer for 2xx and for the 4xx the caller lists in `accept` (e.g. 404); else ConnectorError */
  request(method: string, path: string, options?: { query?: Record<string, string | number>; body?: unknown; accept?: number[] }): Promise<ScimResponse>;
  /** where the service is, for messages */
  readonly where: string;
}

/** a kept-alive socket the server closed before our request went out: sending it again is safe */
function staleSocket(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } })?.cause?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}

export function createScimHttp(baseUrl: string, bearerToken: string, timeoutMs: number): ScimHttp {
  const where = `SCIM service ${new URL(baseUrl).host}`;
  const scrub = (text: string): string => text.split(bearerToken).join('***');

  const send = (method: string, url: string, body: unknown): Promise<Response> =>
    fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${bearerToken}`,
        accept: 'application/scim+json, application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      // the token is not sent on to wherever a redirect points
      redirect: 'manual',
    });

  return {
    where,
    async request(method, path, options = {}) {
      const qs = options.query ? '?' + new URLSearchParams(Object.entries(options.query).map(([k, v]): [string, string] => [k, String(v)])).toString() : '';
      const what = `${method} ${path}`;
      let res: Response;
      try {
        try {
          res = await send(method, baseUrl + path + qs, options.body);
        } catch (err) {
          if (!staleSocket(err)) throw err;
          res = await send(method, baseUrl + path + qs, options.body);
        }
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        if (e.name === 'TimeoutError' || e.name === 'AbortError') {
          throw new ConnectorError(`The ${where} did not answer ${what} within ${timeoutMs} ms.`, true);
        }
        const reason = e.cause?.code ?? e.cause?.message ?? e.message;
        throw new ConnectorError(`The ${where} could not be reached (${scrub(String(reason))}) for ${what}.`, true);
      }
      const text = await res.text().catch(() => '');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      if (res.ok || options.accept?.includes(res.status)) return { status: res.status, body };

      const detail = (body as { detail?: unknown } | undefined)?.detail;
      const said = scrub(typeof detail === 'string' && detail ? detail : text.slice(0, 200) || res.statusText);
      if (res.status >= 300 && res.status < 400) {
        throw new ConnectorError(`The ${where} redirected ${what} (${res.status}) to ${scrub(res.headers.get('location') ?? 'elsewhere')}; set baseUrl to the service's own address.`, false);
      }
      if (res.status === 401 || res.status === 403) {
        throw new ConnectorError(`The ${where} refused the bearer token (${res.status}${said ? `: ${said}` : ''}); check the connection's token.`, false);
      }
      if (res.status === 429 || res.status === 503) {
        // X-Retry-After (seconds) is what some servers send instead, better-auth's rate limit among them
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after') ?? res.headers.get('x-retry-after'));
        const later = retryAfterMs === undefined ? '' : `; it asked to retry after ${Math.ceil(retryAfterMs / 1000)} s`;
        throw new ConnectorError(`The ${where} is busy (${res.status}) for ${what}${later}.`, true, { retryAfterMs });
      }
      if (res.status >= 500) throw new ConnectorError(`The ${where} failed ${what} (${res.status}: ${said}).`, true);
      throw new ConnectorError(`The ${where} refused ${what} (${res.status}: ${said}).`, false);
    },
  };
}
