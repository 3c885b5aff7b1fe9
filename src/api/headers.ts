import type { FastifyInstance, FastifyRequest } from 'fastify';

// Response headers that protect browsers, on every answer (API, pages, docs, errors).

/** Latchkey's pages (the web app and the API docs) need nothing from other origins; framing is refused (clickjacking on approve buttons) */
export const PAGE_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/** a year: browsers keep to https for that long after any https answer */
const HSTS = 'max-age=31536000';

/** Whether browsers reach this server over https: this request came over TLS (or a trusted proxy says so), or PUBLIC_URL is https. */
export function servedOverHttps(req: FastifyRequest, publicUrl: string | undefined): boolean {
  return req.protocol === 'https' || (publicUrl?.startsWith('https:') ?? false);
}

/** Swagger UI's logo is an SVG with an inline <style> (its two colours); allowed by its hash, nothing else inline */
const SWAGGER_LOGO_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

/** Options of @fastify/swagger-ui for /docs: the pages' policy, and no swagger.io validator (it would send our OpenAPI URL there). */
export const DOCS_UI_OPTIONS = {
  staticCSP: PAGE_CSP.replace("style-src 'self'", `style-src 'self' ${SWAGGER_LOGO_STYLE}`),
  uiConfig: { validatorUrl: null },
};

export function registerSecurityHeaders(server: FastifyInstance, opts: { publicUrl?: string }): void {
  server.addHook('onSend', async (req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    // over plain http a browser ignores it; behind a TLS proxy (PUBLIC_URL https) it passes through to the browser
    if (servedOverHttps(req, opts.publicUrl)) reply.header('strict-transport-security', HSTS);
  });
}
