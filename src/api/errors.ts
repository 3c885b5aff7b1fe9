import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isoNow, type Clock } from '../domain/clock.js';
import { DomainError } from '../domain/errors.js';

// One place maps every failure to HTTP and to Graph's error body:
// {"error":{"code","message","target"?,"innerError":{"request-id","client-request-id","date"}}}.

declare module 'fastify' {
  interface FastifyInstance {
    /** the app's clock, which dates error bodies as it dates everything else (set by registerErrorHandling) */
    clock: Clock;
  }
}

/** Graph's error body; `req.server.clock` (the app's) dates it, so tests that move the clock see it move. */
export function graphErrorBody(req: FastifyRequest, code: string, message: string, target?: string) {
  return {
    error: {
      code,
      message,
      ...(target ? { target } : {}),
      innerError: { 'request-id': req.id, 'client-request-id': req.id, date: isoNow(req.server.clock) },
    },
  };
}

interface AjvIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** Turns the first schema violation into a sentence that names the field, e.g. "displayName: must be string". */
function describeValidation(err: FastifyError & { validation?: AjvIssue[]; validationContext?: string }): { message: string; target?: string } {
  const issue = err.validation?.[0];
  if (!issue) return { message: err.message };
  const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  let field = path;
  let message = issue.message ?? 'is invalid';
  if (issue.keyword === 'required' && typeof issue.params?.missingProperty === 'string') {
    field = path ? `${path}.${issue.params.missingProperty}` : issue.params.missingProperty;
    message = 'is required';
  } else if (issue.keyword === 'additionalProperties' && typeof issue.params?.additionalProperty === 'string') {
    field = path ? `${path}.${issue.params.additionalProperty}` : issue.params.additionalProperty;
    message = 'is not a known property';
  } else if (issue.keyword === 'enum' && Array.isArray(issue.params?.allowedValues)) {
    message = `must be one of: ${(issue.params.allowedValues as unknown[]).join(', ')}`;
  }
  const where = err.validationContext && err.validationContext !== 'body' ? `${err.validationContext} ` : '';
  if (!field) return { message: `The request ${where || 'body '}${message}.` };
  return { message: `Invalid ${where}property '${field}': ${message}.`, target: field };
}

const FASTIFY_CODES: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'RequestEntityTooLarge', message: 'The request body is too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UnsupportedMediaType', message: 'Send the request body as application/json.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'BadRequest', message: 'The request body is empty; send a JSON object.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'BadRequest', message: 'The Content-Length header does not match the body.' },
};

/** Registers the error and not-found handlers on `app`, dating error bodies by `clock` (the app's). */
export function registerErrorHandling(app: FastifyInstance, clock: Clock): void {
  // decorated on the root instance before any route plugin, so every plugin's requests see it
  app.decorate('clock', clock);
  app.setErrorHandler((err: FastifyError & { validation?: AjvIssue[]; validationContext?: string }, req, reply: FastifyReply) => {
    if (err instanceof DomainError) {
      return reply.status(err.status).send(graphErrorBody(req, err.code, err.message, err.target));
    }
    if (err.validation) {
      const { message, target } = describeValidation(err);
      return reply.status(400).send(graphErrorBody(req, 'BadRequest', message, target));
    }
    const known = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (known) return reply.status(known.status).send(graphErrorBody(req, known.code, known.message ?? err.message));
    if (err instanceof SyntaxError || err.statusCode === 400) {
      return reply.status(400).send(graphErrorBody(req, 'BadRequest', `The request body is not valid JSON: ${err.message}`));
    }
    if (err.statusCode === 429) {
      return reply.status(429).send(graphErrorBody(req, 'TooManyRequests', err.message));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send(graphErrorBody(req, 'BadRequest', err.message));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(graphErrorBody(req, 'InternalServerError', 'An unexpected error occurred; it has been logged with this request id.'));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(graphErrorBody(req, 'ResourceNotFound', `No route matches ${req.method} ${req.url.split('?')[0]}.`));
  });
}
