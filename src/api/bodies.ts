import { errorCodes, type FastifyInstance } from 'fastify';

// How request bodies are read. The API speaks JSON; what is special is the empty body. Graph clients
// post the actions that take no body (assignmentRequests/{id}/cancel and /reprocess,
// assignments/{id}/reprocess, accessPackages/{id}/getApplicablePolicyRequirements) with a Content-Type
// and nothing after it: the official JavaScript SDK's .post() sends application/json, `curl -d ''` a
// form type. Fastify refuses an empty JSON body (and answers 415 to other types), so an empty body of
// any type is read here as the empty object: actions without a body accept it, and routes that need
// a body answer 400 naming the first missing property, from their schema, as for `{}`.

const isEmpty = (body: string | Buffer): boolean => body.toString().trim() === '';

declare module 'fastify' {
  interface FastifyRequest {
    /** a JSON body's text as received (set by the JSON parser) */
    rawBody?: string;
  }
}

export function registerBodyParsers(server: FastifyInstance): void {
  // Fastify's own JSON parser for everything else (it refuses __proto__ and constructor keys)
  const parseJson = server.getDefaultJsonParser('error', 'error');
  server.removeContentTypeParser(['application/json', 'text/plain']);
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    // kept as received for the routes that verify a signature over the bytes (webhook confirmations)
    req.rawBody = body as string;
    if (isEmpty(body)) done(null, {});
    else parseJson(req, body as string, done);
  });
  // kept as Fastify has it: a text body is a string (which no route's schema takes)
  server.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, isEmpty(body) ? {} : body));
  // any other type: nothing is read unless it is empty; a body of that type is 415, as before
  server.addContentTypeParser('*', (req, _payload, done) => {
    if (req.headers['content-length'] === '0') done(null, {});
    else done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(req.headers['content-type'] ?? ''));
  });
}
