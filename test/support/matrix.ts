import type { FastifyInstance } from 'fastify';

// Helpers for the authorization matrix test: which routes the server really registers, so that the
// matrix can insist on covering every one of them.

export const MUTATING_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type MutatingMethod = (typeof MUTATING_METHODS)[number];

export interface RegisteredRoute {
  method: string;
  /** the path as registered, with Fastify parameters (`/users/:id`) */
  path: string;
}

/** `METHOD /path`: how routes are named in the matrix. */
export const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/**
 * Every route the server registered, read from Fastify's printed routing tree. The tree is used rather
 * than the OpenAPI document because it also lists routes hidden from the document (schema.hide).
 * With commonPrefix off each line holds a path segment relative to its parent, indented four
 * characters per level, followed by its methods in parentheses when the node is a route.
 */
export function registeredRoutes(server: FastifyInstance): RegisteredRoute[] {
  const tree = server.printRoutes({ commonPrefix: false });
  const routes: RegisteredRoute[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    const path = (depth > 0 ? stack[depth - 1] : '') + m[2];
    stack.length = depth;
    stack.push(path);
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) routes.push({ method, path });
  }
  return routes;
}

/** The POST/PUT/PATCH/DELETE routes among them, as route keys. */
export function mutatingRouteKeys(server: FastifyInstance): string[] {
  return registeredRoutes(server)
    .filter((r) => (MUTATING_METHODS as readonly string[]).includes(r.method))
    .map((r) => routeKey(r.method, r.path))
    .sort();
}

/** Mutating operations of an OpenAPI document, with `{param}` turned back into `:param`. */
export function openApiMutatingKeys(doc: { paths?: Record<string, Record<string, unknown>> }): string[] {
  const keys: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const method of Object.keys(ops)) {
      if ((MUTATING_METHODS as readonly string[]).includes(method.toUpperCase())) {
        keys.push(routeKey(method, path.replace(/\{([^}]+)\}/g, ':$1')));
      }
    }
  }
  return keys.sort();
}
