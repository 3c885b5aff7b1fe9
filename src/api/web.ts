import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGE_CSP } from './headers.js';

// The web portals are a single-page app built by Vite into dist/web (npm run build). The server hands out
// its hashed assets with long caching and index.html for every page address of the app, so that a
// reload or a shared link (e.g. a package's My Access link) opens the right page.

/** dist/web of this package, whether the server runs from dist/ or from src/ under tsx (both are two levels below the root). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web', import.meta.url));

/** Top-level paths that belong to the app; everything else stays with the API (and its 404s). */
const APP_PATHS = ['/', '/signin', '/myaccess', '/myaccess/*', '/admin', '/admin/*'];

export async function registerWebApp(server: FastifyInstance, webRoot: string): Promise<void> {
  const indexFile = join(webRoot, 'index.html');
  const built = existsSync(indexFile);
  // read once: the file changes only with a new build, which means a new server
  const indexHtml = built
    ? readFileSync(indexFile, 'utf8')
    : '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Latchkey</title></head><body><main><h1>Latchkey</h1>' +
      '<p>The web portals are not built. Run <code>npm run build</code> (or <code>npm start</code>), then reload. The API is at <a href="/docs">/docs</a>.</p></main></body></html>';

  if (built) {
    await server.register(fastifyStatic, {
      root: join(webRoot, 'assets'),
      prefix: '/assets/',
      // file names carry a content hash: a changed file has a new name
      immutable: true,
      maxAge: '365d',
      index: false,
    });
  }

  const sendIndex = async (_req: unknown, reply: FastifyReply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .send(indexHtml);
  for (const url of APP_PATHS) {
    server.get(url, { config: { auth: { public: true } }, schema: { hide: true } }, sendIndex);
  }
}
