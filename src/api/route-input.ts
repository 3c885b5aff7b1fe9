import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';

/** The app with TypeBox as its type provider: a route's params, query, body and reply types come from its schema. */
export const typed = (app: FastifyInstance) => app.withTypeProvider<TypeBoxTypeProvider>();

/**
 * A path parameter, for code that sees the request outside its route's typed handler (the auth rules'
 * `of` resolvers run in a preHandler hook, after the route's schema has validated the params).
 */
export function pathParam(req: { params: unknown }, name: string): string {
  const v: unknown = req.params !== null && typeof req.params === 'object' ? Reflect.get(req.params, name) : undefined;
  if (typeof v !== 'string') throw new Error(`The route has no :${name} path parameter.`);
  return v;
}
