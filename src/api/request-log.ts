import type { FastifyRequest, FastifyServerOptions } from 'fastify';

// What the request log says about a request. Query strings carry what must not sit in logs: personal
// data ($filter=mail eq '…', $search), OpenID Connect's one-time code and state. The log keeps the path
// and the names of the query options (enough to see what kind of query it was), never their values.

/** query option names as Graph and OData spell them; anything else in a name position is not repeated either */
const PLAIN_NAME = /^\$?[A-Za-z][\w.-]{0,63}$/;
const REDACTED = '[redacted]';

/** `/v1.0/users?$filter=[redacted]&$top=[redacted]` for `/v1.0/users?$filter=mail eq 'a@b'&$top=5`. */
export function loggedUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const names = [...new URLSearchParams(url.slice(q + 1)).keys()].map((n) => (PLAIN_NAME.test(n) ? n : REDACTED));
  return names.length ? `${url.slice(0, q)}?${names.map((n) => `${n}=${REDACTED}`).join('&')}` : url.slice(0, q);
}

/** Fastify's request serializer with the URL redacted. */
export function loggedRequest(req: FastifyRequest) {
  return {
    method: req.method,
    url: loggedUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** The server's logger options: the given ones (or `level`), with the redacting request serializer. */
export function loggerOptions(given: FastifyServerOptions['logger'], level: string): FastifyServerOptions['logger'] {
  if (given === false) return false;
  const base = typeof given === 'object' ? given : { level };
  return { ...base, serializers: { ...base.serializers, req: loggedRequest } };
}
