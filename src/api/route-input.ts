import type { Static, TSchema } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';

/** The app with TypeBox as its type provider: a route's params, query, body and reply types come from its schema. */
export const typed = (app: FastifyInstance) => app.withTypeProvider<TypeBoxTypeProvider>();

/**
 * A path parameter, for code that sees the request outside its route's typed handler (the auth rules'
 * `of` resolvers run in a preHandler hook, after the route's schema has validated the params).
 */
export function pathParam(req: { params: unknown }, name: string): string {
  const v = optionalPathParam(req, name);
  if (v === undefined) throw new Error(`The route has no :${name} path parameter.`);
  return v;
}

/** A path parameter that only some of the routes sharing a helper have (e.g. /users/{id} and /me). */
export function optionalPathParam(req: { params: unknown }, name: string): string | undefined {
  const v: unknown = req.params !== null && typeof req.params === 'object' ? Reflect.get(req.params, name) : undefined;
  return typeof v === 'string' ? v : undefined;
}

/**
 * The body of a request, typed by the schema its route declares, for code outside the route's typed
 * handler (the auth rules' `of` resolvers, which run in a preHandler hook). The one cast of route input
 * that remains: Fastify types the hook's request without the route's schema, but by then the route has
 * validated the body against `schema`, so the body is a Static<typeof schema>.
 */
export function validatedBody<S extends TSchema>(req: { body: unknown }, schema: S): Static<S> {
  void schema;
  return req.body as Static<S>;
}
