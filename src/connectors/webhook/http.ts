import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { ConnectorError } from '../types.js';
import { parseRetryAfter } from '../retry-after.js';

// One signed request to the receiver and what its answer means. Signed as the Standard Webhooks
// specification says: webhook-id (the same for every retry of one message, so the receiver can drop
// a replay), webhook-timestamp (the time of this attempt, which receivers check against replays of
// old messages) and webhook-signature over `id.timestamp.body`.
//
// Answers: 2xx done, 202 accepted for later (pending), 410 the endpoint is gone (the connection should
// be disabled), 408/429/5xx try later (Retry-After honoured), another 4xx a refusal to fix (a bad
// signature is a 401 or 400 there), a redirect a url to fix: redirects are not followed, the signed
// message goes only where the connection says.

export interface SignedRequest {
  method: 'POST' | 'GET';
  url: string;
  /** the webhook-id; a fresh one when absent */
  messageId?: string;
  /** the JSON body (POST), signed as sent */
  body?: string;
  /** what was asked, for the messages, e.g. "the grant of Member of 'vpn' to ada@contoso.com" */
  doing: string;
}

export interface ReceiverAnswer {
  status: number;
  /** the parsed JSON body, undefined when there is none or it is not JSON */
  json: unknown;
}

export interface Sender {
  send(request: SignedRequest): Promise<ReceiverAnswer>;
}

/** The longest piece of the receiver's body quoted in an error. */
const QUOTED = 200;

export function createSender(signingSecret: string, timeoutMs: number): Sender {
  const signer = new Webhook(signingSecret);
  return {
    async send(request) {
      const messageId = request.messageId ?? `msg_${randomUUID()}`;
      const now = new Date();
      const body = request.body ?? '';
      const headers: Record<string, string> = {
        'webhook-id': messageId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signer.sign(messageId, now, body),
        'user-agent': 'Latchkey-Webhooks/1',
        accept: 'application/json',
      };
      if (request.method === 'POST') headers['content-type'] = 'application/json';
      const where = receiverName(request.url);
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers,
          body: request.method === 'POST' ? body : undefined,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw networkFailure(error, where, request.doing, timeoutMs);
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw networkFailure(error, where, request.doing, timeoutMs);
      }
      if (response.status >= 200 && response.status < 300) return { status: response.status, json: parseJson(text) };
      throw statusFailure(response, text, where, request.doing);
    },
  };
}

/** The receiver as messages name it: scheme, host and path, without a query (which may hold a token). */
export function receiverName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'the receiver';
  }
}

function statusFailure(response: Response, text: string, where: string, doing: string): ConnectorError {
  const status = response.status;
  const said = text.trim() ? `: ${text.trim().slice(0, QUOTED)}` : '';
  if (status === 410) {
    return new ConnectorError(`The webhook receiver at ${where} answered 410 Gone to ${doing}: the endpoint no longer exists; disable this connection or change its url.`, false);
  }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const wait = retryAfterMs === undefined ? '' : ` (it asks to wait ${Math.ceil(retryAfterMs / 1000)} s)`;
    return new ConnectorError(`The webhook receiver at ${where} answered ${status} to ${doing}${wait}${said}`, true, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  if (status >= 300 && status < 400) {
    return new ConnectorError(`The webhook receiver at ${where} redirected ${doing} (${status}) to ${response.headers.get('location') ?? 'elsewhere'}: set the connection's url to the final address.`, false);
  }
  const hint = status === 401 || status === 403 ? ' (check that the receiver has the signing secret of this connection)' : '';
  return new ConnectorError(`The webhook receiver at ${where} refused ${doing} with ${status}${hint}${said}`, false);
}

function networkFailure(error: unknown, where: string, doing: string, timeoutMs: number): ConnectorError {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ConnectorError(`The webhook receiver at ${where} did not answer within ${timeoutMs} ms to ${doing}.`, true);
  }
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const why = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new ConnectorError(`The webhook receiver at ${where} cannot be reached (${why}) for ${doing}.`, true);
}

function parseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
