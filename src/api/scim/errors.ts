import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { ScimError } from '../../domain/scim/errors.js';
import { ERROR } from '../../domain/scim/schemas.js';

// Errors under /scim/v2 in SCIM's shape (RFC 7644 §3.12): {schemas, status (a string), scimType?, detail}.
// Latchkey's own errors map by status: a 400 is invalidValue (the message names the attribute), a 409
// from the directory uniqueness.

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export function scimErrorBody(status: number, detail: string, scimType?: string) {
  return { schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

function send(reply: FastifyReply, status: number, detail: string, scimType?: string) {
  return reply.status(status).type(SCIM_CONTENT_TYPE).send(scimErrorBody(status, detail, scimType));
}

export function registerScimErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply) => {
    if (err instanceof ScimError) return send(reply, err.status, err.message, err.scimType);
    if (err instanceof DomainError) {
      const scimType = err.status === 400 ? 'invalidValue' : err.status === 409 ? 'uniqueness' : undefined;
      return send(reply, err.status, err.message, scimType);
    }
    // a body that is not JSON (Fastify's parser fails with a 400 of its own)
    if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (err.statusCode === 400 && !err.code?.startsWith('FST_ERR_CTP_BODY'))) return send(reply, 400, `The request body is not valid JSON: ${err.message}`, 'invalidSyntax');
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(reply, 415, 'Send the request body as application/scim+json or application/json.');
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, 413, 'The request body is too large.');
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return send(reply, err.statusCode, err.message);
    req.log.error({ err }, 'unhandled error');
    return send(reply, 500, 'An unexpected error occurred; it has been logged with this request id.');
  });
  app.setNotFoundHandler((req, reply) => send(reply, 404, `No SCIM endpoint matches ${req.method} ${req.url.split('?')[0]}.`));
}
